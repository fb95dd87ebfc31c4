"""``copy_settings``: a target the copy creates gets the source's TTL, stream, point-in-time
recovery, tags and deletion protection (issue 16 §6), against two moto servers; from the API,
the magic and the copy panel (the CLI: tests/cli/test_copy_settings.py)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

import dynamo_magic.api as api
from dynamo_magic import environments
from dynamo_magic.dynamodb import clients
from dynamo_magic.errors import CopyFailed
from dynamo_magic.notebook.panels import CopyPanel

from conftest import A, B, client_for, reset_magic, server_profiles, use_profiles
from fault_injection import error_response
from proxy import FaultProxy, Gate
from tables import create_events, events_items, keyed, put_all, scan_all

SETTINGS = [
    "TTL on 'expires'",
    "stream (NEW_AND_OLD_IMAGES)",
    "point-in-time recovery",
    "2 tag(s): cost, team",
    "deletion protection",
]
TAGS = [{"Key": "cost", "Value": "x"}, {"Key": "team", "Value": "data"}]


def set_up_source(client: Any, name: str = "events", devices: int = 2) -> None:
    """``name`` on the source with 5 items per device and every setting a copy can give a new
    table."""
    create_events(client, name)
    put_all(client, name, events_items(devices=devices, per_device=5))
    arn = client.describe_table(TableName=name)["Table"]["TableArn"]
    client.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"}
    )
    client.tag_resource(ResourceArn=arn, Tags=TAGS)
    client.update_continuous_backups(
        TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    client.update_table(
        TableName=name,
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    client.update_table(TableName=name, DeletionProtectionEnabled=True)


def settings_of(client: Any, name: str) -> dict[str, Any]:
    """The settings of ``name`` as the service describes them now."""
    table = client.describe_table(TableName=name)["Table"]
    ttl = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    backups = client.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
    tags = client.list_tags_of_resource(ResourceArn=table["TableArn"]).get("Tags", [])
    stream = table.get("StreamSpecification") or {}
    return {
        "ttl": (ttl.get("TimeToLiveStatus"), ttl.get("AttributeName")),
        "pitr": backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"],
        "tags": sorted(tags, key=lambda t: t["Key"]),
        "stream": (stream.get("StreamEnabled", False), stream.get("StreamViewType")),
        "deletion protection": bool(table.get("DeletionProtectionEnabled")),
    }


EVENT_KEY = ("device", "seq")


def same_items(target: Any, source: Any) -> bool:
    return keyed(scan_all(target, "events"), EVENT_KEY) == keyed(
        scan_all(source, "events"), EVENT_KEY
    )


COPIED = {
    "ttl": ("ENABLED", "expires"),
    "pitr": "ENABLED",
    "tags": TAGS,
    "stream": (True, "NEW_AND_OLD_IMAGES"),
    "deletion protection": True,
}


def test_a_created_target_gets_every_setting_of_the_source(servers):
    source = client_for(A)
    set_up_source(source)

    plan = api.plan_copy("events", source=A, target=B, copy_settings=True)
    rows = dict(plan.rows())
    assert rows["settings copied"] == "; ".join(SETTINGS)
    assert "not copied" not in rows and plan.settings_not_copied == []

    result = api.copy("events", source=A, target=B, copy_settings=True)

    target = client_for(B)
    assert result.ok and result.created_target
    assert settings_of(target, "events") == COPIED
    assert same_items(target, source)
    assert result.settings_copied == SETTINGS and result.settings_failed == []
    assert result.settings_not_copied == []
    assert dict(result.rows())["settings copied"] == "; ".join(SETTINGS)
    assert f"settings copied: {'; '.join(SETTINGS)}" in result.summary_line()


def test_without_copy_settings_the_created_target_gets_none(servers):
    set_up_source(client_for(A))

    plan = api.plan_copy("events", source=A, target=B)
    assert "settings copied" not in dict(plan.rows()) and plan.settings_not_copied == SETTINGS
    result = api.copy("events", source=A, target=B)

    found = settings_of(client_for(B), "events")
    assert found["ttl"][0] == "DISABLED" and found["pitr"] == "DISABLED"
    assert found["tags"] == [] and not found["deletion protection"]
    assert result.settings_copied == [] and result.settings_not_copied == SETTINGS


def test_a_setting_the_service_refuses_is_named_and_the_copy_goes_on(servers, caplog):
    source = client_for(A)
    set_up_source(source)

    def deny(request, **_):
        return error_response(request.url, "AccessDeniedException", "not allowed to tag")

    target_client = clients.client(environments.resolve(B))
    target_client.meta.events.register("before-send.dynamodb.TagResource", deny)

    with caplog.at_level(logging.WARNING, logger="dynamo_magic.dynamodb.table_settings"):
        result = api.copy("events", source=A, target=B, copy_settings=True)

    refused = "2 tag(s): cost, team (AccessDeniedException: not allowed to tag)"
    assert result.ok and result.written == 10  # the items are copied all the same
    assert same_items(client_for(B), source)
    assert result.settings_failed == [refused]
    assert result.settings_copied == [s for s in SETTINGS if "tag" not in s]
    assert dict(result.rows())["settings NOT applied"] == refused
    assert f"settings NOT applied (set them yourself): {refused}" in result.summary_line()
    assert any("not applied" in r.getMessage() for r in caplog.records)
    found = settings_of(client_for(B), "events")
    assert found["tags"] == [] and found["ttl"] == ("ENABLED", "expires")


def test_settings_that_cannot_be_read_are_not_copied_and_said_so(servers):
    set_up_source(client_for(A))

    def deny(request, **_):
        return error_response(request.url, "AccessDeniedException", "not allowed")

    source_client = clients.client(environments.resolve(A))
    source_client.meta.events.register("before-send.dynamodb.DescribeTimeToLive", deny)

    plan = api.plan_copy("events", source=A, target=B, copy_settings=True)
    rows = dict(plan.rows())
    assert rows["settings copied"] == "; ".join(s for s in SETTINGS if "TTL" not in s)
    assert rows["not copied"].startswith("TTL (unknown: AccessDeniedException)")

    result = api.copy("events", source=A, target=B, copy_settings=True)
    assert result.ok and result.settings_not_copied == ["TTL (unknown: AccessDeniedException)"]
    assert settings_of(client_for(B), "events")["ttl"][0] == "DISABLED"


def test_an_existing_target_keeps_its_own_settings(servers):
    set_up_source(client_for(A))
    target = client_for(B)
    create_events(target)  # no setting at all

    plan = api.plan_copy("events", source=A, target=B, copy_settings=True)
    assert any(
        warning.startswith("settings are copied only into a table the copy creates")
        for warning in plan.warnings
    )
    assert "settings copied" not in dict(plan.rows())
    result = api.copy("events", source=A, target=B, copy_settings=True, yes=True)

    assert result.ok and result.settings_copied == []
    found = settings_of(target, "events")
    assert found["tags"] == [] and found["pitr"] == "DISABLED"
    assert not found["deletion protection"] and found["ttl"][0] == "DISABLED"


def test_the_magic_copies_settings_with_its_flag(servers, shell, capsys):
    set_up_source(client_for(A))
    reset_magic(shell)

    planned = shell.run_cell(
        f"%dynamo_copy events --source {A} --target {B} --copy-settings --dry-run"
    )
    assert planned.success and dict(planned.result.rows())["settings copied"] == "; ".join(SETTINGS)
    copied = shell.run_cell(
        f"%dynamo_copy events --source {A} --target {B} --copy-settings --no-progress"
    )
    capsys.readouterr()
    assert copied.success and copied.result.settings_copied == SETTINGS
    assert settings_of(client_for(B), "events") == COPIED


@pytest.mark.parametrize("ticked", [True, False])
def test_the_copy_panel_has_a_copy_settings_checkbox(servers, ticked):
    set_up_source(client_for(A))
    panel = CopyPanel(source=A, target=B, table="events")
    assert panel.copy_settings.value is False and "TTL" in panel.copy_settings.description
    panel.copy_settings.value = ticked
    panel.plan_button.click()
    assert panel.plan is not None and ("settings copied" in dict(panel.plan.rows())) is ticked
    panel.copy_button.click()
    result = panel.wait(120)
    assert result is not None and result.ok
    assert result.settings_copied == (SETTINGS if ticked else [])
    assert (settings_of(client_for(B), "events") == COPIED) is ticked


def test_a_resumed_copy_names_the_settings_its_first_run_applied(servers, tmp_path, monkeypatch):
    """The first run creates the target and applies the settings, then is cancelled mid-way;
    the resume does not apply them again, warns of nothing, and its result names them."""
    set_up_source(client_for(A), devices=80)  # 400 items: 16 BatchWriteItem calls
    gate = Gate(6, delay=0)
    with FaultProxy(servers[1].url, gate) as proxy:
        use_profiles({**server_profiles(*servers), B: proxy.url}, tmp_path, monkeypatch)
        options = {"copy_settings": True, "workers": 1, "backend": "threading"}
        job = api.start_copy("events", source=A, target=B, **options)
        assert gate.reached.wait(60)
        job.cancel()
        gate.release.set()
        with pytest.raises(CopyFailed) as stopped:
            job.result(60)
        assert stopped.value.result.interrupted
        assert stopped.value.result.settings_copied == SETTINGS

        plan = api.plan_copy("events", source=A, target=B, copy_settings=True)
        assert any(w.startswith("settings are copied only into") for w in plan.warnings)
        resumed = api.copy("events", source=A, target=B, resume=True, **options)
    assert resumed.ok and resumed.items_read == 400
    assert resumed.settings_copied == SETTINGS and resumed.settings_failed == []
    assert settings_of(servers[1].client(), "events") == COPIED
    assert same_items(servers[1].client(), client_for(A))

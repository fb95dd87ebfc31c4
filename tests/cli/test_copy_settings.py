"""``dynamo copy --copy-settings`` as a real process (issue 16 §6), on the package's server A:
a table of its own with every setting, copied into a new table of the same server; the plan
lists what will be copied, the summary what was, and the first line names the checkpoint."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from conftest import dynamo, ok
from tables import create_events, events_items, put_all

SOURCE, TARGET = "settings-src", "settings-dst"
SETTINGS = "TTL on 'expires'; stream (KEYS_ONLY); point-in-time recovery; 1 tag(s): team; "
SETTINGS += "deletion protection"


@pytest.fixture
def with_settings(profiles, moto_pair) -> Iterator[Any]:
    """``SOURCE`` on server A with every setting; both tables dropped after the test."""
    client = moto_pair[0].client()
    create_events(client, SOURCE)
    put_all(client, SOURCE, events_items(devices=2, per_device=3))
    arn = client.describe_table(TableName=SOURCE)["Table"]["TableArn"]
    client.update_time_to_live(
        TableName=SOURCE, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"}
    )
    client.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "data"}])
    client.update_continuous_backups(
        TableName=SOURCE, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    client.update_table(
        TableName=SOURCE,
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
        DeletionProtectionEnabled=True,
    )
    yield client
    for name in (SOURCE, TARGET):
        if name in client.list_tables()["TableNames"]:
            client.update_table(TableName=name, DeletionProtectionEnabled=False)
            client.delete_table(TableName=name)


def rows(plan: str) -> list[tuple[str, str]]:
    """The (name, value) rows of a printed plan."""
    return [tuple(re.split(r"\s{2,}", line.strip(), maxsplit=1)) for line in plan.splitlines()[1:]]


def test_copy_settings_from_the_command_line(profiles, with_settings):
    client = with_settings
    common = ["copy", "-t", SOURCE, "-src", "dev", "-tgt", "dev", "--target-table", TARGET]

    plan = ok(dynamo(*common, "--copy-settings", "--dry-run", env=profiles))
    assert ("settings copied", SETTINGS) in rows(plan) and "not copied" not in plan
    without = ok(dynamo(*common, "--dry-run", env=profiles))
    assert "settings copied" not in without
    assert ("not copied", f"{SETTINGS} (the created table lacks them: set them yourself)") in rows(
        without
    )

    run = dynamo(*common, "--copy-settings", "--no-progress", env=profiles)
    out = ok(run)
    assert out.startswith("copy OK: 6 written") and f"; settings copied: {SETTINGS}" in out
    first = run.stderr.splitlines()[0]
    assert first.startswith("Checkpoint: ") and first.endswith(
        ".json (if the copy stops, --resume continues it)"
    )
    table = client.describe_table(TableName=TARGET)["Table"]
    assert table["DeletionProtectionEnabled"] is True
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    ttl = client.describe_time_to_live(TableName=TARGET)["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires")
    tags = client.list_tags_of_resource(ResourceArn=table["TableArn"])["Tags"]
    assert tags == [{"Key": "team", "Value": "data"}]
    backups = client.describe_continuous_backups(TableName=TARGET)
    pitr = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert pitr["PointInTimeRecoveryStatus"] == "ENABLED"

    again = ok(dynamo(*common, "--copy-settings", "--dry-run", env=profiles))
    warnings = [value for name, value in rows(again) if name == "warning"]
    assert any(w.startswith("settings are copied only into a table the copy") for w in warnings)

"""The query panel's paging in a real kernel: Page size, First / Previous / Next over
``dm.pages``, against a moto server behind a recording proxy whose call log proves that no page
is read twice; clicks from Python and from the page (comm messages, as JupyterLab sends them)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import client_for, server_profiles, subprocess_env, use_profiles
from live_kernel import live_kernel, printed
from proxy import FaultProxy, forward_all
from tables import create_events, events_items, put_all

OPEN = """
import json
import dynamo_magic as dm
panel = dm.QueryPanel(env="paged", table="events", pk="1")
pager = panel.pager
pager.page_size.value = 4
"""
STATE = """
import html, re
def text(output):
    return html.unescape(re.sub("<[^>]+>", "", output["data"]["text/html"]))
print(json.dumps({
    "error": panel.error,
    "shown": [int(s) for s in panel.output.outputs and __import__("re").findall(
        r"<td>(\\d+)</td>\\s*<td>\\d+\\.5</td>",
        panel.output.outputs[0]["data"]["text/html"])],
    "summary": [text(o) for o in panel.output.outputs[1:]],
    "number": pager.walk.number if pager.walk else 0,
    "read": len(panel.result) if panel.result is not None else None,
    "rows": [label for label, _ in panel.item.row.options],
    "disabled": [pager.first_button.disabled, pager.previous_button.disabled,
        pager.next_button.disabled],
    "head": panel.message,
}))
"""


@pytest.fixture
def proxied(moto_pair, isolated_aws: Path, monkeypatch: pytest.MonkeyPatch):
    """Server A with the events table (device 1: seq 0..9), and the profile ``paged`` reaching
    it through a proxy that records every call."""
    a, b = moto_pair
    a.reset()
    b.reset()
    with FaultProxy(a.url, forward_all) as proxy:
        use_profiles({**server_profiles(a, b), "paged": proxy.url}, isolated_aws, monkeypatch)
        create_events(client_for("dev"))
        put_all(client_for("dev"), "events", events_items(2, 10))
        yield proxy


def _starts(proxy: FaultProxy) -> list[str | None]:
    """The ExclusiveStartKey of each Query that reached the server, as JSON (None: the first)."""
    keys = [call.body.get("ExclusiveStartKey") for call in proxy.calls_of("Query")]
    return [None if key is None else json.dumps(key, sort_keys=True) for key in keys]


def test_pages_forward_back_and_first_read_each_page_once(proxied, tmp_path: Path):
    with live_kernel(tmp_path, subprocess_env()) as kernel:
        kernel.run(OPEN)
        first = printed(kernel.run("pager.first_button.click()" + STATE))
        assert first["error"] is None, first
        assert first["shown"] == [0, 1, 2, 3]
        assert first["summary"][0].startswith("page 1: 4 item(s) from events, query")
        assert "more follow: next page" in first["summary"][0]
        assert first["disabled"] == [False, True, False]  # no page before the first
        assert first["rows"][0] == "row 0: {device: 1, seq: 0}"

        second = printed(kernel.run("pager.next_button.click()" + STATE))
        assert second["shown"] == [4, 5, 6, 7] and second["number"] == 2
        assert second["read"] == 8  # the analysis works on both pages read
        assert "work on what was read (in the 2 page(s) read: 8 items)" in second["summary"][1]
        # Code: this page alone, from the key page 1 ended at, in Python and in the magic
        code = printed(
            kernel.run(
                'ns = {}\nexec(panel.code["python"], ns)\n'
                'magic = get_ipython().run_cell(panel.code["magic"]).result\n'
                'print(json.dumps({"python": [int(s) for s in ns["found"].frame["seq"]],'
                ' "magic": [int(s) for s in magic["seq"]], "text": panel.code["python"]}))'
            )
        )
        assert code["python"] == code["magic"] == [4, 5, 6, 7], code
        assert "page_size=4" in code["text"] and "start_after=" in code["text"]
        assert _starts(proxied)[2:] == [_starts(proxied)[1]] * 2  # page 2's key, twice
        for at in [i for i, call in enumerate(proxied.calls) if call.op == "Query"][:1:-1]:
            del proxied.calls[at]  # the code's own two reads: the panel's are counted below
        head = printed(kernel.run("panel.head_button.click()" + STATE))
        assert head["head"].startswith("head: the first 5 of 8 row(s) (in the 2 page(s) read")

        back = printed(kernel.run("pager.previous_button.click()" + STATE))
        assert back["shown"] == [0, 1, 2, 3] and back["number"] == 1
        assert len(_starts(proxied)) == 2  # page 1 again: not read again

        # Next clicked on the page (a comm message, handled in the kernel between cells)
        ids = printed(kernel.run("print(json.dumps(pager.next_button.model_id))"))
        kernel.click(ids)
        again = printed(kernel.run(STATE))
        assert again["shown"] == [4, 5, 6, 7] and len(_starts(proxied)) == 2

        last = printed(kernel.run("pager.next_button.click()" + STATE))
        assert last["shown"] == [8, 9] and last["number"] == 3
        assert "the last page" in last["summary"][0]
        assert last["disabled"] == [False, False, True]  # nothing after the last page
        refused = printed(kernel.run("pager.next()" + STATE))
        assert refused["error"] == "this is the last page: no page after it"

        start = printed(kernel.run("pager.first_button.click()" + STATE))
        assert start["shown"] == [0, 1, 2, 3] and start["number"] == 1

        starts = _starts(proxied)
        assert len(starts) == 3 and len(set(starts)) == 3  # three pages, each read once
        assert starts[0] is None

        # another input: First starts a new walk (the old pages belong to other inputs)
        kernel.run('panel.pk.value = "2"')
        other = printed(kernel.run("pager.first_button.click()" + STATE))
        assert other["rows"][0] == "row 0: {device: 2, seq: 0}" and other["number"] == 1
        assert len(_starts(proxied)) == 4

        # Run reads the whole result again, as before: paging is over
        ran = printed(kernel.run("panel.run_button.click()" + STATE))
        assert ran["read"] == 10 and ran["number"] == 0
        assert ran["disabled"] == [False, True, False]

        # a Limit reads otherwise: refused, nothing read
        refused = printed(kernel.run('panel.limit.value = "3"\npager.next_button.click()' + STATE))
        assert refused["error"] == (
            "'Limit' and paging read otherwise: empty 'Limit' to page through the result"
        )
        assert len(_starts(proxied)) == 5  # Run's one Query, no page

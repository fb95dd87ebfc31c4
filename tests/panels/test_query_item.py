"""The query panel's one item in a real kernel: pick a row, see it as DynamoDB JSON and plain
JSON (sets stay sets, numbers exact, binary base64), edit it (Show changes before anything is
written, Save as a conditional put with the tick), a change made through boto3 between the read
and the Save refused with the difference, and Delete the same way; against a moto server."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from conftest import A, client_for, subprocess_env
from live_kernel import live_kernel, printed
from tables import create_orders, orders_items, put_all

# an item of every kind of value, read back exactly
ODD = {
    "customer": {"S": "c9"},
    "order-date": {"S": "2024-09-09"},
    "tags": {"SS": ["b", "a"]},
    "sizes": {"NS": ["10", "2"]},
    "blob": {"B": b"\x00\xff"},
    "total": {"N": "12345678901234567890.123456789"},
    "addr": {"M": {"city": {"S": "Oslo"}}},
    "done": {"BOOL": False},
}
OPEN = f"""
import json
import dynamo_magic as dm
panel = dm.QueryPanel(env="{A}", table="orders", pk="c9")
panel.run_button.click()
item = panel.item
"""
STATE = """
import html, re
def text(output):
    return html.unescape(re.sub("<[^>]+>", "", output["data"]["text/html"]))
print(json.dumps({
    "error": panel.error,
    "rows": [label for label, _ in item.row.options],
    "json": item.item_json.value,
    "editor": item.item_editor.value,
    "changes": item.changes,
    "out": [text(o) for o in item.item_output.outputs],
    "save disabled": item.save_button.disabled,
    "confirm": item.item_confirm.description,
    "write": item.write.summary_line() if item.write is not None else None,
}))
"""


def _text(html: str) -> str:
    """The JSON inside the item view's ``<pre>``."""
    import html as html_module

    return html_module.unescape(html.split(">", 1)[1].rsplit("</pre>", 1)[0])


def _item(customer: str = "c9", date: str = "2024-09-09") -> dict | None:
    answer = client_for(A).get_item(
        TableName="orders", Key={"customer": {"S": customer}, "order-date": {"S": date}}
    )
    return answer.get("Item")


def test_pick_a_row_see_it_as_json_both_ways_and_what_cannot_be_edited(servers, tmp_path: Path):
    create_orders(client_for(A))
    put_all(client_for(A), "orders", [ODD])
    with live_kernel(tmp_path, subprocess_env()) as kernel:
        opened = printed(kernel.run(OPEN + STATE))
        assert opened["rows"] == ['row 0: {customer: "c9", order-date: "2024-09-09"}']
        assert _text(opened["json"]) == "" and opened["editor"] == ""  # nothing picked yet

        picked = printed(kernel.run("item.row.value = 0" + STATE))
        typed = json.loads(_text(picked["json"]))
        assert typed == {
            "customer": {"S": "c9"},
            "order-date": {"S": "2024-09-09"},
            "tags": {"SS": ["a", "b"]},  # a set, its members in one order
            "sizes": {"NS": ["2", "10"]},
            "blob": {"B": "AP8="},  # base64
            "total": {"N": "12345678901234567890.123456789"},  # every digit
            "addr": {"M": {"city": {"S": "Oslo"}}},
            "done": {"BOOL": False},
        }
        assert json.loads(picked["editor"]) == typed  # the editor holds DynamoDB JSON

        plain = printed(kernel.run('item.item_form.value = "plain"' + STATE))
        values = json.loads(_text(plain["json"]), parse_float=Decimal)
        assert values == {
            "customer": "c9",
            "order-date": "2024-09-09",
            "tags": ["a", "b"],
            "sizes": [2, 10],
            "blob": "AP8=",
            "total": Decimal("12345678901234567890.123456789"),
            "addr": {"city": "Oslo"},
            "done": False,
        }

        # the editor takes DynamoDB JSON of the same key; a projection is not edited
        bad = printed(kernel.run('item.item_editor.value = "{"\nitem.show_changes()' + STATE))
        assert bad["error"].startswith("the item is not JSON: ")
        untyped = printed(
            kernel.run(
                "item.item_editor.value = json.dumps({'customer': {'S': 'c9'}, "
                "'order-date': {'S': '2024-09-09'}, 'n': 5})\nitem.show_changes()" + STATE
            )
        )
        assert untyped["error"] == ('attribute \'n\': not a typed value such as {"S": "text"}: 5')
        moved = printed(
            kernel.run(
                "item.row.value = None\nitem.row.value = 0\n"
                "item.item_editor.value = item.item_editor.value.replace('2024-09-09', "
                "'2025-01-01')\nitem.show_changes()" + STATE
            )
        )
        assert moved["error"] == (
            'the key changed ({customer: "c9", order-date: "2024-09-09"} -> {customer: "c9", '
            'order-date: "2025-01-01"}): Save writes the item that was read; edit its other '
            "attributes"
        )
        projected = printed(
            kernel.run(
                'panel.columns.value = "total"\npanel.run_button.click()\nitem.row.value = 0\n'
                "item.show_changes()" + STATE
            )
        )
        assert projected["error"].startswith("the item was read with a projection")
    assert _item() is not None and _item()["tags"] == ODD["tags"]


EDIT = """
edited = json.loads(item.item_editor.value)
edited["status"] = {"S": "SHIPPED"}
edited["total"] = {"N": "99.5"}
item.item_editor.value = json.dumps(edited)
"""


def test_edit_show_changes_save_conflict_and_delete(servers, tmp_path: Path):
    create_orders(client_for(A))
    put_all(client_for(A), "orders", orders_items())
    c1 = [i for i in orders_items() if i["customer"]["S"] == "c1"]
    target = c1[1]  # (the first has a set that holds a value twice: moto keeps it)
    key = {"customer": target["customer"], "order-date": target["order-date"]}
    with live_kernel(tmp_path, subprocess_env()) as kernel:
        kernel.run(OPEN.replace('pk="c9"', 'pk="c1"') + "item.row.value = 1")

        # Save before Show changes: refused, nothing written
        early = printed(kernel.run(EDIT + "item.save()" + STATE))
        assert early["save disabled"]
        assert (
            early["error"]
            == "save refused: click Show changes first: Save writes the changes shown"
        )
        shown = printed(kernel.run("item.changes_button.click()" + STATE))
        assert shown["error"] is None, shown
        assert set(shown["changes"]) == {'status: "shipped" -> "SHIPPED"', "total: 2.5 -> 99.5"}
        assert not shown["save disabled"]
        assert client_for(A).get_item(TableName="orders", Key=key)["Item"] == target

        # without the tick: refused, naming the tick
        unticked = printed(kernel.run("item.save_button.click()" + STATE))
        assert unticked["error"].startswith('save refused: item {customer: "c1", order-date: ')
        assert unticked["error"].endswith(f"tick '{unticked['confirm']}' to save"), unticked[
            "error"
        ]
        assert "in table 'orders' in env 'acct-a'" in unticked["confirm"]
        assert client_for(A).get_item(TableName="orders", Key=key)["Item"] == target

        saved = printed(
            kernel.run("item.item_confirm.value = True\nitem.save_button.click()" + STATE)
        )
        assert saved["error"] is None, saved
        assert saved["write"].startswith('replaced item {customer: "c1", order-date: ')
        now = client_for(A).get_item(TableName="orders", Key=key)["Item"]
        assert now["total"] == {"N": "99.5"} and now["status"] == {"S": "SHIPPED"}
        assert {k: v for k, v in now.items() if k not in ("total", "status")} == {
            k: v for k, v in target.items() if k not in ("total", "status")
        }

        # someone else changes the item between the read (the Save above) and this Save
        client_for(A).update_item(
            TableName="orders",
            Key=key,
            UpdateExpression="SET #s = :s",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": {"S": "RETURNED"}},
        )
        conflict = printed(
            kernel.run(
                EDIT.replace("99.5", "1") + "item.changes_button.click()\n"
                "item.item_confirm.value = True\nitem.save_button.click()" + STATE
            )
        )
        assert conflict["error"].startswith('item {customer: "c1", order-date: ')
        assert 'changed since it was read: status: "SHIPPED" -> "RETURNED"' in conflict["error"]
        assert "nothing written" in conflict["error"]
        kept = client_for(A).get_item(TableName="orders", Key=key)["Item"]
        assert kept["status"] == {"S": "RETURNED"} and kept["total"] == {"N": "99.5"}

        # Delete: the same rule (the item changed since it was read: refused) ...
        stale = printed(
            kernel.run("item.item_confirm.value = True\nitem.delete_button.click()" + STATE)
        )
        assert "changed since it was read" in stale["error"]
        assert client_for(A).get_item(TableName="orders", Key=key).get("Item") is not None
        # ... read again (Run, pick), then Delete without and with the tick
        kernel.run("panel.run_button.click()\nitem.row.value = 1")
        unticked = printed(kernel.run("item.delete_button.click()" + STATE))
        assert unticked["error"].startswith("delete refused: deleting item {customer: ")
        assert unticked["error"].endswith(f"tick '{unticked['confirm']}' to delete")
        gone = printed(
            kernel.run("item.item_confirm.value = True\nitem.delete_button.click()" + STATE)
        )
        assert gone["error"] is None, gone
        assert gone["write"].startswith('deleted item {customer: "c1", order-date: ')
        assert client_for(A).get_item(TableName="orders", Key=key).get("Item") is None
        assert _text(gone["json"]) == "(deleted)"

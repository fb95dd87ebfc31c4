"""Charts of items per partition key and of item sizes: what they draw is what the table holds."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

import dynamo_magic as dm
from dynamo_magic import plots
from dynamo_magic.errors import InvalidQuery
from dynamo_magic.item_size import (
    item_size,
)

from .charts import heights, labels
from tables import order_item, orders_items


# -- partitions ----------------------------------------------------------------------------------
def test_a_largest_partition_below_one_percent_gets_a_decimal():
    import pandas as pd

    keys = [f"k{n}" for n in range(298)] + ["hot", "hot"]  # 299 partitions, 300 items
    ax = dm.plot_partitions(pd.DataFrame({"k": keys}), "k")
    assert "299 partition(s), 300 item(s); largest 0.7%" in ax.get_title()
    assert [plots.share_text(s) for s in (0.45, 0.01, 0.004, 0.0009)] == [
        "45%",
        "1%",
        "0.4%",
        "<0.1%",
    ]


def test_items_per_partition_key_show_the_hot_partition(orders):
    result = dm.fetch("orders", env="dev", scan=True)
    ax = dm.plot_partitions(result)  # the key comes from the read
    assert labels(ax) == ["c7", "c0", "c1", "c2"]
    assert heights(ax) == [25, 10, 10, 10]
    assert "4 partition(s), 55 item(s); largest 45%" in ax.get_title()
    # a DataFrame: its first column, or the key named
    assert heights(dm.plot_partitions(result.to_frame())) == [25, 10, 10, 10]
    assert heights(dm.plot_partitions(result.to_frame(), "status", top=1)) == [28]
    # a column named "result" is a column, not an Exploration's read
    frame = result.to_frame().rename(columns={"status": "result"})
    assert heights(dm.plot_partitions(frame)) == [25, 10, 10, 10]
    assert len(plots.item_sizes(frame)) == 55
    # an index read counts per the index's partition key
    found = dm.explore("orders", env="dev", scan=True, index="status-total")
    assert labels(dm.plot_partitions(found)) == ["open", "shipped"]


# -- item sizes -----------------------------------------------------------------------------------
def test_item_sizes_of_a_read_are_the_sizes_of_the_items_written(orders):
    written = orders_items() + [order_item(7, n) for n in range(1, 26)]
    result = dm.fetch("orders", env="dev", scan=True)  # wire form: binaries as base64
    by_key = {(i["customer"]["S"], i["order-date"]["S"]): i for i in written}
    expected = [item_size(by_key[(i["customer"]["S"], i["order-date"]["S"])]) for i in result.items]
    assert plots.item_sizes(result) == expected
    ax = dm.plot_item_sizes(result, bins=3)
    assert sum(heights(ax)) == 55
    assert ax.get_title().startswith("55 item(s), largest")
    assert "1 RCU: 55" in ax.get_title() and "0 near the 400 KB limit" in ax.get_title()
    # the frame gives the same sizes (NULLs aside: they read as empty cells). Orders n = 1 hold
    # sets with a repeated element (moto keeps them; DynamoDB would refuse): a Python set not
    no_null = [item_size({k: v for k, v in i.items() if k != "note"}) for i in result.items]
    from_frame = plots.item_sizes(result.to_frame())
    kept = [i for i, item in enumerate(result.items) if item["order-date"]["S"] != "2024-01-01"]
    assert len(kept) == 51
    assert [from_frame[i] for i in kept] == [no_null[i] for i in kept]


def test_items_near_the_limit_and_read_units_per_item():
    items = [
        {"id": {"S": "a"}, "body": {"S": "x" * 390_000}},  # 2 + 1 + 4 + 390000: 96 RCU
        {"id": {"S": "b"}, "body": {"B": b"y" * 5000}},  # 2 + 1 + 4 + 5000: 2 RCU
        {"id": {"S": "c"}},  # 3 bytes: 1 RCU
    ]
    assert plots.item_sizes(items) == [390_007, 5_007, 3]
    ax = dm.plot_item_sizes(items)
    title = ax.get_title()
    assert "3 item(s)" in title and "1 near the 400 KB limit" in title
    assert "1 RCU: 1, 2 RCU: 1, 96 RCU: 1" in title
    assert [line.get_xdata()[0] for line in ax.get_lines()] == [400]  # the limit, in KB
    with pytest.raises(InvalidQuery, match=r"^nothing to draw: the result is empty$"):
        dm.plot_item_sizes([])


def test_draws_on_a_given_axes():
    _fig, (left, right) = plt.subplots(1, 2)
    ax = dm.plot_item_sizes([{"id": {"S": "a"}}], ax=right)
    assert ax is right and len(right.patches) > 0 and not left.patches

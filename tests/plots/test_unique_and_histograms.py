"""Bar charts of unique values (heights are the value counts) and histograms (bars are the
counts per bin)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import itertools

import pytest

import dynamo_magic as dm
from dynamo_magic.errors import InvalidQuery

from .charts import heights, labels, saved


# -- bar charts of unique values ----------------------------------------------------------------
def test_bar_heights_are_the_value_counts(orders):
    df = dm.scan("orders", env="dev")
    assert len(df) == 55
    ax = dm.plot_unique(df, "region")
    # region is ["eu", "us", "ap"][n % 3]: per 10 orders us 4, eu 3, ap 3; c7's 25: us 9, 8, 8
    # us 4 x 3 + 9 = 21, eu 3 x 3 + 8 = 17, ap 17; equal counts in the order of their text
    assert labels(ax) == ["us", "ap", "eu"]
    assert heights(ax) == [21, 17, 17]
    assert dict(df["region"].value_counts()) == {"us": 21, "ap": 17, "eu": 17}
    assert "3 value(s), 55 item(s)" in ax.get_title()
    # short labels side by side: horizontal, not overlapping
    renderer = saved(ax, "unique_short_labels")
    assert {t.get_rotation() for t in ax.get_xticklabels()} == {0}
    boxes = sorted(
        (t.get_window_extent(renderer) for t in ax.get_xticklabels()), key=lambda b: b.x0
    )
    assert all(a.x1 < b.x0 for a, b in itertools.pairwise(boxes))


def test_a_unique_table_is_drawn_as_it_is_and_missing_is_a_bar(orders):
    table = dm.unique("orders", "paid", "c1", env="dev")
    ax = dm.plot_unique(table)
    # paid: True for n even and not a multiple of 5 (2,4,6,8), False for 1,3,7,9, missing 5,10
    assert heights(ax) == [4, 4, 2]
    assert labels(ax) == ["false", "true", "<missing>"]
    found = dm.explore("orders", "c1", env="dev", unique="paid")
    assert heights(dm.plot_unique(found)) == [4, 4, 2]
    # items counted the same way as dm.unique counts them (empty cells are missing)
    assert heights(dm.plot_unique(dm.query("orders", "c1", env="dev"), "paid")) == [4, 4, 2]


def test_values_of_any_type_are_counted_and_many_values_are_cut_to_top():
    import pandas as pd

    df = pd.DataFrame(
        {"v": [{"a": 1}, {"a": 1}, [1, 2], {b"x"}, None, 1, "1", 1] + [f"s{i}" for i in range(40)]}
    )
    ax = dm.plot_unique(df, "v", top=5)
    assert heights(ax)[:2] == [2, 2]  # {"a": 1} twice, 1 twice; "1" (a string) is its own value
    assert labels(ax)[:2] == ['{"a": 1}', "1"]  # equal counts: by type, M before N
    every = labels(dm.plot_unique(df, "v"))  # both 1s shown: each labelled with its type
    assert every[1] == "1 (N)" and "1 (S)" in every and "1" not in every
    assert len(ax.patches) == 5
    assert "46 value(s)" in ax.get_title() and "41 more values not shown" in ax.get_title()
    with pytest.raises(InvalidQuery, match="no column 'nope'"):
        dm.plot_unique(df, "nope")
    with pytest.raises(InvalidQuery, match="name the column"):
        dm.plot_unique(df)


def test_long_values_keep_their_start_and_end_apart():
    import pandas as pd

    values = ["v" * 80 + str(i) for i in range(9)]  # differ only in the last character
    shown = labels(dm.plot_unique(pd.DataFrame({"v": values}), "v"))
    assert len(set(shown)) == 9 and all("…" in label for label in shown)


def test_a_column_is_a_histogram_when_most_values_are_numbers():
    import pandas as pd

    mostly_text = pd.DataFrame({"note": [f"n{i % 5}" for i in range(20)] + [7]})
    assert "histogram" not in dm.plot_column(mostly_text, "note").get_title()
    assert len(dm.plot_column(mostly_text, "note").patches) == 6  # five texts and the 7
    mostly_numbers = pd.DataFrame({"total": [float(i) for i in range(20)] + ["n/a"]})
    title = dm.plot_column(mostly_numbers, "total").get_title()
    assert "1 non-number value(s) left out" in title


# -- histograms -----------------------------------------------------------------------------------
def test_histogram_counts_per_bin(orders):
    df = dm.query("orders", "c1", env="dev")  # total = n * 1.25 for n = 1..10
    ax = dm.plot_histogram(df, "total", bins=[0, 5, 10, 12.5])
    # [0, 5): 1.25 2.5 3.75; [5, 10): 5 6.25 7.5 8.75; [10, 12.5]: 10 11.25 12.5
    assert heights(ax) == [3, 4, 3]
    assert ax.get_xlabel() == "total" and "10 value(s)" in ax.get_title()
    # Int64 and exact Decimal (38 digits) columns draw too
    assert sum(heights(dm.plot_histogram(df, "qty", bins=2))) == 10
    assert str(df["big"].dtype) == "object"
    assert sum(heights(dm.plot_histogram(df, "big"))) == 10
    with pytest.raises(InvalidQuery, match="no numbers"):
        dm.plot_histogram(df, "status")


def test_histogram_leaves_out_missing_and_says_how_many_non_numbers():
    import pandas as pd

    df = pd.DataFrame({"x": [1, 2.5, None, "seven", True, 3]})
    ax = dm.plot_histogram(df, "x", bins=[0, 2, 4])
    assert heights(ax) == [1, 2]
    assert "2 non-number value(s) left out" in ax.get_title()


def test_histogram_leaves_out_infinite_values_and_says_so():
    import pandas as pd

    df = pd.DataFrame({"x": [1.0, float("inf"), float("nan"), 2.0, float("-inf"), "n/a"]})
    ax = dm.plot_histogram(df, "x", bins=[0, 1.5, 3])
    assert heights(ax) == [1, 1]
    title = ax.get_title()
    assert "x: 2 value(s)" in title and "1 non-number value(s) left out" in title
    assert "2 infinite value(s) (inf, -inf) left out" in title
    only_inf = pd.DataFrame({"x": [float("inf"), float("-inf"), None]})
    with pytest.raises(InvalidQuery, match=r"^'x' holds only infinite numbers \(2\) to draw"):
        dm.plot_histogram(only_inf, "x")

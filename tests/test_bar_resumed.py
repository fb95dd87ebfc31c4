"""A resumed copy's bar starts where the earlier runs left it, and its rate counts only this
run's items (tqdm's ``initial``): a jump to the earlier items would read as a burst of speed."""

from __future__ import annotations

import functools
import io
import types

import pytest
from tqdm import tqdm

from dynamo_magic import progress_bars
from dynamo_magic.progress_bars import TqdmProgress


def test_a_bar_started_with_items_done_starts_there_and_rates_only_the_new_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [100.0]
    monkeypatch.setattr(progress_bars, "time", types.SimpleNamespace(monotonic=lambda: clock[0]))
    stream = io.StringIO()
    bar = TqdmProgress()
    bar._tqdm = functools.partial(tqdm, file=stream, mininterval=0)

    bar.start_at("copy", 1_000, 600)
    assert bar.items == 600 and bar.bar.n == 600 and bar.percent == 60
    clock[0] += 10.0
    bar.advance(100)

    assert bar.items == 700 and bar.bar.n == 700
    assert bar.items_per_second == 10.0  # this run's 100 items in 10 s, not 700
    assert bar.bar.format_dict["initial"] == 600  # tqdm's own rate: (n - initial) / elapsed
    bar.close()
    assert "700/700" in stream.getvalue()

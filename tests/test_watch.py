"""``watch.Watch``: a stat per check, contents compared only while a file's mtime is racy."""

from __future__ import annotations

import os

from dynamo_magic import watch
from dynamo_magic.watch import Watch

OLD = 1_000_000_000 * 10**9  # an mtime (ns) long past: the stat alone decides


def test_same_size_rewrite_within_one_mtime_tick_is_seen(tmp_path):
    path = tmp_path / "config"
    path.write_text("endpoint = A\n")
    seen = Watch(lambda: [path])
    assert seen.changed()  # the first look
    assert not seen.changed()
    stamp = path.stat().st_mtime_ns
    path.write_text("endpoint = B\n")  # same size
    os.utime(path, ns=(stamp, stamp))  # and the same mtime, as within a coarse clock tick
    assert seen.changed()  # told apart by content while the mtime is recent
    assert not seen.changed()


def test_settled_files_are_only_stat_ed(tmp_path, monkeypatch):
    path = tmp_path / "config"
    path.write_text("x\n")
    os.utime(path, ns=(OLD, OLD))
    seen = Watch(lambda: [path])
    assert seen.changed()
    reads: list[str] = []
    monkeypatch.setattr(watch, "_digest", lambda p: reads.append(p))
    for _ in range(5):
        assert not seen.changed()
    assert reads == []
    path.write_text("y\n")
    os.utime(path, ns=(OLD + 1, OLD + 1))
    assert seen.changed()


def test_files_appearing_vanishing_and_moving(tmp_path, monkeypatch):
    first, second = tmp_path / "a", tmp_path / "b"
    monkeypatch.setenv("WATCHED_FILE", str(first))
    seen = Watch(lambda: [os.environ["WATCHED_FILE"]])
    assert seen.changed() and not seen.changed()
    first.write_text("1")
    assert seen.changed()
    first.unlink()
    assert seen.changed() and not seen.changed()
    monkeypatch.setenv("WATCHED_FILE", str(second))  # another path, also missing
    assert seen.changed() and not seen.changed()


def test_variables_with_a_prefix(monkeypatch):
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    seen = Watch(lambda: [], prefixes=("AWS_",))
    assert seen.changed() and not seen.changed()
    monkeypatch.setenv("OTHER_THING", "x")  # not watched
    assert not seen.changed()
    monkeypatch.setenv("AWS_PROFILE", "prod")
    assert seen.changed() and not seen.changed()
    monkeypatch.setenv("AWS_PROFILE", "dev")
    assert seen.changed()

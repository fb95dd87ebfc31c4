"""Notice, cheaply, that configuration files or environment variables changed since last time.

A long-lived kernel keeps sessions, clients and settings made from ``~/.aws/config``,
``~/.aws/credentials``, the ``AWS_*`` variables and the dynamo_magic config file; a ``Watch``
tells their owners when to rebuild. Each check costs one ``stat`` per file (and, for variables,
one pass over ``os.environ``); nothing is parsed when nothing changed.

A file's modification time is stamped at the file system's coarse clock tick (the kernel tick on
ext4, a few milliseconds; two seconds on FAT), so a file rewritten within the tick of its last
write, at the same size, keeps the same ``stat``. Like git's "racy" index entries, a file written
less than ``RACY_SECONDS`` before it was looked at is therefore also compared by content (a
small read, no parsing) until it has been quiet for that long.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

RACY_SECONDS = 2.0  # the coarsest common mtime granularity (FAT); ext4/tmpfs stamp far finer
_RACY_NS = int(RACY_SECONDS * 1e9)


@dataclass(frozen=True)
class _Seen:
    """What a file looked like: its stat key, and its content digest while that key is racy."""

    key: tuple[int, ...] | None  # (mtime_ns, size, inode, device); None: no such file
    digest: bytes | None  # only for a file modified less than RACY_SECONDS before it was seen


class Watch:
    """Files and environment variables whose state ``changed()`` compares with the last call.

    ``paths`` is called on every check, so a path that depends on a variable (``AWS_CONFIG_FILE``,
    ``HOME``) is followed too; ``prefixes`` selects the environment variables watched.
    """

    def __init__(
        self,
        paths: Callable[[], Iterable[str | os.PathLike[str]]],
        prefixes: Iterable[str] = (),
    ):
        self._paths = paths
        self._prefixes: tuple[str, ...] = tuple(prefixes)
        self._files: dict[str, _Seen] = {}
        self._variables: bytes | None = None
        self._lock = threading.Lock()
        self._primed = False

    def changed(self) -> bool:
        """Whether anything differs from the previous call (``True`` on the first call)."""
        with self._lock:
            changed = not self._primed
            self._primed = True
            variables = self._variables_digest()
            if variables != self._variables:
                self._variables, changed = variables, True
            paths = [os.fspath(p) for p in self._paths()]
            if set(paths) != set(self._files):
                changed = True
                self._files = {p: s for p, s in self._files.items() if p in paths}
            for path in paths:
                seen, file_changed = _look(path, self._files.get(path))
                self._files[path] = seen
                changed = changed or file_changed
            return changed

    def _variables_digest(self) -> bytes:
        """A digest of the watched variables (values are compared, never kept as text)."""
        if not self._prefixes:
            return b""
        watched = sorted((k, v) for k, v in os.environ.items() if k.startswith(self._prefixes))
        return hashlib.sha256(repr(watched).encode()).digest()


def _look(path: str, before: _Seen | None) -> tuple[_Seen, bool]:
    """The file's state now, and whether it differs from ``before``."""
    try:
        st = os.stat(path)
    except OSError:
        return _Seen(None, None), before is None or before.key is not None
    key = (st.st_mtime_ns, st.st_size, st.st_ino, st.st_dev)
    racy = time.time_ns() - st.st_mtime_ns < _RACY_NS  # a future mtime (clock skew) is racy too
    if before is None or key != before.key:
        return _Seen(key, _digest(path) if racy else None), True
    if before.digest is None:
        return before, False  # settled and unchanged: the stat is enough
    digest = _digest(path)
    if digest != before.digest:
        return _Seen(key, digest), True
    return _Seen(key, digest if racy else None), False


def _digest(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).digest()
    except OSError:
        return None

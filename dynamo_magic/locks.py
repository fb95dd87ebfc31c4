"""Locks that die with their process: the operating system's lock on an open file.

``flock`` on POSIX, ``msvcrt.locking`` on Windows, taken without waiting on a small side file
(``ProcessLock.take``). The operating system drops it when the process ends, however it ends
(SIGKILL, the out-of-memory killer): no stale lock is ever left to clear by hand. The file
holds the owner's pid, only to name it in a refusal (``holder``).

A lock whose file is removed on release (``remove=True``: a checkpoint's side file, which
would otherwise pile up) stays safe: a process that opened the file just before its holder
removed it finds, once it has the lock, that the path is no longer that file, and locks the
path's new file instead (``_still_there``).

Used by the demo's folder lock (``demo.lock``) and by a copy's, import's or export's
checkpoint file (``transfer.checkpoints``): one run at a time.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # BlockingIOError: another open file holds it
            return False
        return True


_held: set[int] = set()  # descriptors of the locks this process holds


def _forget_in_child() -> None:
    """In a child made by ``fork`` (a ``multiprocessing`` manager, started by a copy that holds
    its checkpoint's lock): close the copies of the held locks' descriptors. ``flock`` belongs
    to the open file, which a forked child shares: left open, a child outliving its parent
    (``kill -9`` of the parent alone) would keep the lock, and a resume would be refused."""
    for fd in list(_held):
        with contextlib.suppress(OSError):
            os.close(fd)
    _held.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_child)


@dataclass
class ProcessLock:
    """The lock on ``path``, held from ``take`` until ``release`` (or the process's end). Its
    file descriptor is not inherited by programs a child runs (``os.open``'s descriptors are
    not), and a child made by ``fork`` closes its copy (``_forget_in_child``): the lock never
    outlives the process that took it.

    Two opens of the file exclude each other even within one process (``flock`` locks an
    open file, not a process): a second run in the same notebook kernel is refused too.
    """

    path: Path
    fd: int | None
    remove: bool = False  # delete the file on release

    @classmethod
    def take(cls, path: Path, remove: bool = False) -> ProcessLock | None:
        """Lock ``path`` (created if missing; its folder must exist) for this process, writing
        its pid there; ``None`` when another holder has it (``holder(path)`` names it; the
        file is then left as it is). ``remove``: ``release`` deletes the file.

        Raises
        ------
        OSError
            The file cannot be created or opened (a folder without write access).
        """
        while True:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)  # no O_TRUNC: the holder's pid
            if not _try_lock(fd):
                os.close(fd)
                return None
            if _still_there(fd, path):
                break
            os.close(fd)  # its holder removed it meanwhile: lock the path's new file
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, f"{os.getpid()}\n".encode())
        _held.add(fd)
        return cls(path, fd, remove)

    def release(self) -> None:
        """Unlock; the file is deleted (``remove``) or emptied (its pid would name a process
        no longer there). Releasing twice does nothing."""
        if self.fd is None:
            return
        fd, self.fd = self.fd, None
        _held.discard(fd)
        with contextlib.suppress(OSError):
            if self.remove:
                self.path.unlink()  # while still locked: see the module's docstring
            else:
                os.ftruncate(fd, 0)
        os.close(fd)  # closing the descriptor releases the lock


def _still_there(fd: int, path: Path) -> bool:
    """Whether ``path`` still names the file open as ``fd`` (not removed or replaced)."""
    try:
        now = os.stat(path)
    except OSError:
        return False
    mine = os.fstat(fd)
    return (now.st_dev, now.st_ino) == (mine.st_dev, mine.st_ino)


def holder(path: Path) -> int | None:
    """The pid written in a lock file (``None``: none, or the file cannot be read)."""
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None

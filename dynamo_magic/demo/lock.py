"""A demo's folder belongs to one running demo: ``folder/demo.lock``, locked while it runs.

The lock is the operating system's (``flock`` on POSIX, ``msvcrt.locking`` on Windows) on an
open file, so it dies with the process that holds it: a demo killed by SIGKILL or the
out-of-memory killer leaves no stale lock behind, and the next demo on the folder takes it over.
The file also holds the owner's pid, only to name it in the refusal.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageProblem

LOCK_FILE = "demo.lock"


class FolderInUse(UsageProblem):
    """Another running demo owns the folder (nothing was started or written)."""


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
        except OSError:  # BlockingIOError: another process holds it
            return False
        return True


@dataclass
class FolderLock:
    """The lock of a demo's folder, held from ``acquire`` until ``release`` (or the process's
    end). Its file descriptor is not inherited by child processes (servers, JupyterLab), so the
    lock never outlives the demo's own process."""

    path: Path
    fd: int | None

    @classmethod
    def acquire(cls, folder: Path) -> FolderLock:
        """Lock ``folder`` (which must exist) for this process.

        Raises ``FolderInUse`` when another live process holds it; the file is then left as
        it is (its pid names the owner)."""
        path = folder / LOCK_FILE
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)  # no O_TRUNC: the owner's pid stays
        if not _try_lock(fd):
            os.close(fd)
            owner = _owner(path)
            raise FolderInUse(
                f"folder {folder} is in use by another running demo{owner}: stop that demo "
                "(Ctrl-C in its terminal) or use another folder"
            )
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, f"{os.getpid()}\n".encode())
        return cls(path, fd)

    def release(self) -> None:
        """Unlock (the file stays, emptied: its pid would name a process no longer there)."""
        if self.fd is None:
            return
        fd, self.fd = self.fd, None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)  # closing the descriptor releases the lock


def _owner(path: Path) -> str:
    """`` (pid N)`` from the lock file, ``""`` when it cannot be read."""
    try:
        pid = path.read_text().strip()
    except OSError:
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""

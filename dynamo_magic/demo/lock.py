"""A demo's folder belongs to one running demo: ``folder/demo.lock``, locked while it runs.

The lock is the operating system's on an open file (``locks.ProcessLock``), so it dies with
the process that holds it: a demo killed by SIGKILL or the out-of-memory killer leaves no
stale lock behind, and the next demo on the folder takes it over. The file also holds the
owner's pid, only to name it in the refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageProblem
from ..locks import ProcessLock, holder

LOCK_FILE = "demo.lock"


class FolderInUse(UsageProblem):
    """Another running demo owns the folder (nothing was started or written)."""


@dataclass
class FolderLock:
    """The lock of a demo's folder, held from ``acquire`` until ``release`` (or the process's
    end). Its file descriptor is not inherited by child processes (servers, JupyterLab), so the
    lock never outlives the demo's own process."""

    path: Path
    lock: ProcessLock

    @classmethod
    def acquire(cls, folder: Path) -> FolderLock:
        """Lock ``folder`` (which must exist) for this process.

        Raises ``FolderInUse`` when another live process holds it; the file is then left as
        it is (its pid names the owner)."""
        path = folder / LOCK_FILE
        lock = ProcessLock.take(path)
        if lock is None:
            pid = holder(path)
            owner = f" (pid {pid})" if pid is not None else ""
            raise FolderInUse(
                f"folder {folder} is in use by another running demo{owner}: stop that demo "
                "(Ctrl-C in its terminal) or use another folder"
            )
        return cls(path, lock)

    def release(self) -> None:
        """Unlock (the file stays, emptied: its pid would name a process no longer there)."""
        self.lock.release()

"""A copy's checkpoint file: where a stopped copy resumes (issue 16 §2).

One JSON file per copy run, replaced atomically on every save (a temporary file in the same
folder, flushed and fsync'ed, then ``os.replace``): a copy killed at any moment, even by
``kill -9``, leaves the last saved file whole. It holds

- the run's ``Identity``: source and target tables (ARN, endpoint of a local server), the
  slice, the mode, the transform's identity and the total segments. A resume whose command
  differs is refused with the difference named (``CheckpointMismatch``): a scan's last
  evaluated key is valid only in the same segment of the same total segments (DynamoDB
  rejects others: "Exclusive start key must lie within the segment");
- per scan segment (or the slice, segment 0 of 1): ``pending``, ``partial`` with the last
  evaluated key of a page whose items are all written or saved as failed (never a key ahead
  of an unwritten item: workers report it only then, ``tasks.run_task``), or ``done``; and
  the items read from it so far (a resumed copy's result counts the whole source);
- the run's phase facts: the target created (its ARN), the backup taken, the truncate done,
  every segment copied, the replace-mode deletes done, whether the target was empty when the
  copy was planned, and the confirmations the copy needed (a resume needs the same).

The default folder is ``$XDG_CACHE_HOME/dynamo_magic/checkpoints`` (``~/.cache/...``); a file
is named after the copy (source and target table, a short hash of where they are and the
slice) and the time it started, so the last unfinished checkpoint of the same copy is found
without a path (``latest``).

A run that ends (every phase ran: ``Phases.finished``, with the time) keeps its file, marked
finished, so a resume of it says there is nothing to resume and when it ended. The default
folder is a bounded cache: when a copy starts a new file there, finished files beyond the
newest ``KEEP_FINISHED`` are deleted (``clean``). Unfinished files are never deleted: they are
what a resume needs; delete one yourself once you no longer want to resume it.

Saves are throttled by the caller (``CheckpointFile.record``: at most every
``SAVE_EVERY_SECONDS``), and always made at the end of a segment, of a phase and of the run.

One run at a time: a run (copy, import, export; new or resumed) holds its file's lock from
before its first write to its end (``CheckpointFile.hold``: the operating system's lock on the
side file ``NAME.json.lock``, which dies with the process and is deleted on release). A second
run of the same file is refused before anything is written (``CheckpointInUse``, naming the
process that holds it); two runs of one file would write the same data files, items and
checkpoint over each other. A dry run only reads the file and needs no lock.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from ..codec import Item
from ..errors import InvalidQuery, UnsafeOperation, literal
from ..locks import ProcessLock, holder

FORMAT = 1  # the file's format version; a file of another version is refused
SAVE_EVERY_SECONDS = 1.0  # at most one throttled save per this many seconds
KEEP_FINISHED = 20  # finished checkpoint files kept in the default folder (``clean``)
LOCK_SUFFIX = ".lock"  # a checkpoint's lock: its side file ``NAME.json.lock`` (``hold``)
SegmentState = Literal["pending", "partial", "done"]

log = logging.getLogger(__name__)


class CheckpointMismatch(UnsafeOperation):
    """A checkpoint is of another copy than the command's (or unreadable): nothing written."""


class CheckpointInUse(UnsafeOperation):
    """Another running copy, import or export holds the checkpoint file: nothing written."""


def lock_path(path: Path) -> Path:
    """The side file whose lock a run of the checkpoint ``path`` holds (``NAME.json.lock``)."""
    return path.with_name(path.name + LOCK_SUFFIX)


def default_folder() -> Path:
    """Where checkpoints go unless a path is given: ``$XDG_CACHE_HOME/dynamo_magic/checkpoints``
    (``~/.cache/dynamo_magic/checkpoints`` without it)."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "dynamo_magic" / "checkpoints"


@dataclass(frozen=True)
class Identity:
    """What makes a copy run the one a checkpoint is of.

    Parameters
    ----------
    source_table, target_table : str
        The tables' names.
    source_arn, target_arn : str or None
        Their ARNs (``None``: the target was not created yet when the file was saved).
    source_endpoint, target_endpoint : str or None
        The endpoint of a local server (moto, DynamoDB Local): its tables share one made-up
        account, so the ARN alone does not tell two servers apart; ``None`` for AWS.
    slice : str or None
        The slice as the plan describes it (``"pk='a', sk begins_with 'x'"``); ``None``: the
        whole table.
    mode : str
        ``"replace"``, ``"truncate"`` or ``"merge"``.
    transform : str or None
        The transform's identity (``module:function``); ``None``: none.
    total_segments : int
        Parallel-scan segments the source is read in (1 for a slice).
    """

    source_table: str
    target_table: str
    source_arn: str | None
    target_arn: str | None
    source_endpoint: str | None
    target_endpoint: str | None
    slice: str | None
    mode: str
    transform: str | None
    total_segments: int

    def differences(self, other: Identity) -> list[str]:
        """What differs from ``other`` (the command's), one short phrase each; a target ARN
        not known to one side (not created yet) is no difference."""
        found = []
        labels = _EXPORT_LABELS if self.mode == EXPORT_MODE else {}
        for name in (f.name for f in fields(self)):
            mine, theirs = getattr(self, name), getattr(other, name)
            if name == "target_arn" and (mine is None or theirs is None):
                continue
            if mine != theirs and _same_files(name, mine, theirs):
                source = str(mine).split("#")[0].removeprefix("import:")
                found.append(f"the files of {source} changed since the checkpoint was saved")
            elif mine != theirs:
                what = labels.get(name, name.replace("_", " "))
                found.append(f"{what} {_shown(name, mine)} there, {_shown(name, theirs)} here")
        return found


def _same_files(name: str, mine: object, theirs: object) -> bool:
    """Whether two import sources differ only in the hash of their files' versions
    (``importing.FilesOrigin.identity``: ``import:SRC#hash``): the files changed."""
    if name != "source_table" or not isinstance(mine, str) or not isinstance(theirs, str):
        return False
    return "#" in mine and mine.split("#")[0] == theirs.split("#")[0]


_NONE_SHOWN = {"slice": "the whole table"}  # others: "none"
EXPORT_MODE = "export"  # an export's ``Identity.mode`` (``exporting``): its file is an export's
# how a difference names an export's identity fields (its target is a folder, not a table)
_EXPORT_LABELS = {
    "source_table": "table",
    "source_arn": "table ARN",
    "source_endpoint": "endpoint",
    "target_table": "destination",
    "target_endpoint": "storage endpoint",
}


def _shown(name: str, value: object) -> str:
    """An identity field's value as a difference names it: ``None`` in words (``slice``:
    "the whole table"), anything else quoted."""
    if value is None:
        return _NONE_SHOWN.get(name, "none")
    return repr(value)


@dataclass
class Segment:
    """One scan segment's progress (the slice: segment 0)."""

    state: SegmentState = "pending"
    last_key: Item | None = None  # client form; set only while ``partial``
    read: int = 0  # items read from the segment up to ``last_key`` (all of it once ``done``)
    # an export's segment once ``done``: its stored data file (``export_files.DataFile``'s
    # fields: key, items, MD5, ETag, size), what the manifests list and a resume checks
    file: dict[str, Any] | None = None


@dataclass
class Phases:
    """What the run has done besides copying segments."""

    target_empty: bool = False  # the target (slice) held no item when the copy was planned
    confirmations: list[str] = field(default_factory=list)  # what the plan asked to confirm
    backup_planned: bool = False  # the plan took a backup before writing
    target_created: bool = False
    backup_name: str | None = None  # the backup taken (a resume does not take another)
    backup_arn: str | None = None
    backup_status: str | None = None  # as it was when saved
    truncate_done: bool = False
    copy_done: bool = False
    deletes_done: bool = False
    finished: bool = False  # every phase ran to its end (the copy need not have ended OK)
    finished_at: str | None = None  # when (ISO 8601, UTC), set with ``finished``
    failed: int = 0  # items saved as unwritten by every run so far
    failed_files: list[str] = field(default_factory=list)  # where they were saved
    export_id: str | None = None  # an export's id: a resume writes into the same folder
    export_started: str | None = None  # when the export's first run began (its manifest's)
    settings_copied: list[str] = field(default_factory=list)  # given to the created target
    settings_failed: list[str] = field(default_factory=list)  # asked for, refused (and why)


class CheckpointFile:
    """A copy's checkpoint: its identity, segments and phases, saved to ``path``.

    Thread-safe: the workers' messages arrive on two threads of the caller
    (``operation.Tally``). ``record`` and ``finish_segment`` only change the state in memory
    and save when ``SAVE_EVERY_SECONDS`` have passed (``every``) or at a segment's end;
    ``save`` saves now. The items read they are given are this run's: those of earlier runs
    (the segments' ``read`` when the file was loaded) are added.
    """

    def __init__(
        self,
        path: Path,
        identity: Identity,
        segments: dict[int, Segment] | None = None,
        phases: Phases | None = None,
        started: str | None = None,
        every: float = SAVE_EVERY_SECONDS,
    ):
        self.path = Path(path)
        self.identity = identity
        self.segments = (
            segments
            if segments is not None
            else {s: Segment() for s in range(identity.total_segments)}
        )
        self.phases = phases if phases is not None else Phases()
        self.started = started or datetime.now(UTC).isoformat(timespec="seconds")
        self.every = every
        self.saves = 0  # files written by this object (tests; throttling)
        self._base = {s: seg.read for s, seg in self.segments.items()}  # earlier runs' reads
        self._lock = threading.Lock()  # the state
        self._saving = threading.Lock()  # one save at a time (two threads deliver messages)
        self._saved_at: float | None = None
        self._warned = False  # a failed save was logged
        self.resumed = False  # read from a file an earlier run saved (``load``)
        # a resumed run's one line saying what it keeps and what is left (not saved)
        self.resuming: str | None = None
        self._held: ProcessLock | None = None  # this run's lock on the file (``hold``)

    # -- what a run reports ---------------------------------------------------------------
    def record(self, segment: int, last_key: Item, read: int) -> None:
        """Every item of ``segment`` up to ``last_key`` is written (or saved as failed), and
        this run read ``read`` items from it; saved if the last save is old enough."""
        with self._lock:
            state = self.segments[segment]
            if state.state == "done":  # a late message of a finished segment
                return
            state.state, state.last_key = "partial", last_key
            state.read = self._base.get(segment, 0) + read
            if self._saved_at is not None and time.monotonic() - self._saved_at < self.every:
                return
        self._autosave()

    def finish_segment(self, segment: int, read: int) -> None:
        """``segment`` is copied whole (this run read ``read`` items from it); saved now."""
        with self._lock:
            self.segments[segment] = Segment("done", None, self._base.get(segment, 0) + read)
        self._autosave()

    def store_file(self, segment: int, file: dict[str, Any], read: int) -> None:
        """An export's ``segment`` is stored whole as ``file`` (``export_files.DataFile``'s
        fields), read from ``read`` items; saved now."""
        with self._lock:
            self.segments[segment] = Segment("done", None, read, dict(file))
        self._autosave()

    def redo(self, segment: int) -> None:
        """``segment`` is to be done again from its start (an export's data file that is gone
        or changed); saved with the next save."""
        with self._lock:
            self.segments[segment] = Segment()
            self._base[segment] = 0

    def _autosave(self) -> None:
        """Save while the copy runs: a failure (a full disk) is logged once, not raised into
        the worker's messages; the copy goes on, and its end tries again (``save``)."""
        try:
            self.save()
        except OSError as error:
            if not self._warned:
                self._warned = True
                log.warning("checkpoint %s not saved: %s", self.path, error)

    def add_failed(self, count: int, path: str) -> None:
        """``count`` more items were saved as unwritten to ``path`` (saved with the next save)."""
        with self._lock:
            self.phases.failed += count
            if path not in self.phases.failed_files:
                self.phases.failed_files.append(path)

    def target_created(self, arn: str | None) -> None:
        """The copy created its target (``arn``: its ARN, now part of the identity); saved now."""
        with self._lock:
            self.identity = replace(self.identity, target_arn=arn)
        self.mark(target_created=True)

    def mark(self, **facts: Any) -> None:
        """Set phase facts (``Phases`` fields) and save now; ``finished`` sets ``finished_at``
        to now as well."""
        if facts.get("finished") and "finished_at" not in facts:
            facts["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        with self._lock:
            for name, value in facts.items():
                if not hasattr(self.phases, name):
                    raise AttributeError(name)
                setattr(self.phases, name, value)
        self.save()

    # -- what a resume reads --------------------------------------------------------------
    def start_keys(self) -> dict[int, Item | None]:
        """Segments still to copy, each with the key to start after (``None``: from its start)."""
        return {s: seg.last_key for s, seg in self.segments.items() if seg.state != "done"}

    def items_read(self) -> int:
        """Items read from the source by the runs so far, up to their saved keys."""
        return sum(seg.read for seg in self.segments.values())

    @property
    def unfinished(self) -> bool:
        return not self.phases.finished

    @property
    def what(self) -> str:
        """What the file is of, as messages name it: ``"export"``, ``"import"`` (of files:
        ``importing.FilesOrigin.identity``) or ``"copy"``."""
        if self.identity.mode == EXPORT_MODE:
            return "export"
        return "import" if self.identity.source_table.startswith("import:") else "copy"

    # -- one run at a time ----------------------------------------------------------------
    def hold(self) -> None:
        """Lock the file for this run until ``release`` (or the process's end, however it
        ends); its folder is created if needed. Holding it twice does nothing.

        Raises
        ------
        CheckpointInUse
            Another run (another process, or another job of this one) holds it: one line
            naming the file and the process, saying to wait for it or stop it.
        OSError
            The lock's side file cannot be created (the folder cannot be written).
        """
        if self._held is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        held = ProcessLock.take(lock_path(self.path), remove=True)
        if held is None:
            raise in_use(self.path, self.what, resume=self.resumed)
        self._held = held

    def release(self) -> None:
        """Unlock the file (``hold``) and delete its side file; nothing if not held."""
        held, self._held = self._held, None
        if held is not None:
            held.release()

    def ended_text(self) -> str:
        """Why a finished file has nothing to resume, in one phrase naming the file."""
        when = f" at {self.phases.finished_at}" if self.phases.finished_at else ""
        return f"the {self.what} {self.path} ran to its end{when}"

    # -- the file -------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        with self._lock:
            return {
                "format": FORMAT,
                "started": self.started,
                "identity": asdict(self.identity),
                "phases": asdict(self.phases),
                "segments": {
                    str(s): {
                        "state": seg.state,
                        "last_key": encode_key(seg.last_key),
                        "read": seg.read,
                        **({"file": seg.file} if seg.file is not None else {}),
                    }
                    for s, seg in sorted(self.segments.items())
                },
            }

    def save(self) -> None:
        """Write the file now, atomically (a reader or a crash sees the old file or the new,
        never part of one); its folder is created if needed.

        Raises
        ------
        OSError
            The folder cannot be created or written.
        """
        with self._saving:  # saves in the order of their states: never an older one last
            self._save()

    def _save(self) -> None:
        text = json.dumps(self.to_json(), indent=1, sort_keys=True)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp"
        )
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        with self._lock:
            self._saved_at = time.monotonic()
            self.saves += 1

    @classmethod
    def load(cls, path: Path | str, every: float = SAVE_EVERY_SECONDS) -> CheckpointFile:
        """Read a checkpoint file.

        Raises
        ------
        CheckpointMismatch
            The file is missing, not JSON, of another format, or its segments do not fit its
            identity's total segments (one line naming the file).
        """
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise _refused(path, "no such file") from None
        except (OSError, ValueError) as exc:
            raise _refused(path, f"unreadable ({type(exc).__name__})") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise _refused(path, f"not a checkpoint of format {FORMAT}")
        try:
            identity = Identity(**data["identity"])
            phases = Phases(**data["phases"])
            segments = {
                int(s): Segment(
                    seg["state"], decode_key(seg["last_key"]), int(seg["read"]), seg.get("file")
                )
                for s, seg in data["segments"].items()
            }
        except (KeyError, TypeError, ValueError) as exc:
            raise _refused(path, f"damaged ({type(exc).__name__}: {exc})") from exc
        if set(segments) != set(range(identity.total_segments)):
            raise _refused(
                path, f"its segments do not match its {identity.total_segments} total segments"
            )
        for number, seg in segments.items():
            if seg.state not in ("pending", "partial", "done") or (
                (seg.state == "partial") != (seg.last_key is not None)
            ):
                raise _refused(path, f"segment {number} is damaged (state {seg.state!r})")
        loaded = cls(path, identity, segments, phases, data.get("started"), every)
        loaded.resumed = True
        return loaded

    def check(self, identity: Identity, what: str | None = None) -> None:
        """Refuse to resume this checkpoint for a run of ``identity`` unless it is the same
        run (``Identity.differences``); the difference is named in one line, the run by
        ``what`` (``"import"``, ``"load"``; default: what the file is of, ``what``).

        Raises
        ------
        CheckpointMismatch
            Another table, target, slice, mode, transform or number of segments.
        """
        differences = self.identity.differences(identity)
        if differences:
            raise CheckpointMismatch(
                f"checkpoint {literal(str(self.path))} is of another {what or self.what}: "
                f"{literal('; '.join(differences))}; give the command it was saved for "
                "or start afresh without {resume}",
                parameters=("resume",),
            )


def in_use(path: Path, what: str, resume: bool) -> CheckpointInUse:
    """The refusal of a second run of the checkpoint ``path`` (of a ``what``: ``"copy"``,
    ``"import"``, ``"export"``); ``resume``: the run resumes it (else it is a new run given
    that path)."""
    pid = holder(lock_path(path))
    if pid == os.getpid():  # a job of this process (a notebook's kernel)
        who, stop = f"a job of this process, {pid}", "cancel() its job"
    elif pid is not None:
        who, stop = f"process {pid}", f"Ctrl-C in its terminal or notebook, or kill {pid}"
    else:
        who, stop = "another process", "Ctrl-C in its terminal or notebook"
    then = "then resume it again" if resume else "or give another {checkpoint}"
    return CheckpointInUse(
        f"checkpoint {literal(str(path))} is in use by another running {what} ({who}): "
        f"wait for it to end, or stop it ({stop}); {then}",
        parameters=() if resume else ("checkpoint",),
    )


def _refused(path: Path, why: str) -> CheckpointMismatch:
    return CheckpointMismatch(
        f"cannot resume from checkpoint {literal(str(path))}: {literal(why)}; "
        "give another {resume} path or start afresh without it",
        parameters=("resume",),
    )


def to_resume(
    resume: bool | str | Path | None, stem: str, what: str = "copy", hold: bool = False
) -> CheckpointFile | None:
    """The checkpoint file a resume continues (``None``: not a resume): ``resume``'s path, or
    with ``True`` the newest unfinished one of the run ``stem`` names (``copy_name``); ``what``
    the run is (``"copy"``, ``"export"``, ``"import"``, ``"load"``), as messages name it.
    ``hold``: for a run (not a dry run), locked for it (``CheckpointFile.hold``) and read again
    once locked (as the run before left it); the caller then ``release``s it.

    Raises
    ------
    CheckpointMismatch
        Unreadable, or finished (nothing to resume: when it ended named).
    CheckpointInUse
        ``hold`` and another run holds it (nothing written).
    InvalidQuery
        ``True`` and no unfinished checkpoint of this run.
    """
    if resume is None or resume is False:
        return None
    path = latest(stem, what=what) if resume is True else Path(resume)
    saved = CheckpointFile.load(path)
    if hold:
        saved.hold()
        try:
            held, saved = saved, CheckpointFile.load(path)
        except BaseException:
            saved.release()
            raise
        saved._held, held._held = held._held, None
    if not saved.unfinished:
        saved.release()
        raise CheckpointMismatch(
            f"nothing to resume: {literal(saved.ended_text())}; start afresh without {{resume}}",
            parameters=("resume",),
        )
    return saved


def encode_key(key: Item | None) -> dict[str, Any] | None:
    """A key in client form as JSON: DynamoDB JSON as the AWS CLI writes it (binary as base64)."""
    if key is None:
        return None
    return {
        name: {kind: (base64.b64encode(v).decode() if kind == "B" else v)}
        for name, value in key.items()
        for kind, v in value.items()
    }


def decode_key(data: dict[str, Any] | None) -> Item | None:
    """``encode_key`` undone: a key ready to send as ``ExclusiveStartKey``."""
    if data is None:
        return None
    if not isinstance(data, dict):
        raise ValueError("a key must be an object")
    key: Item = {}
    for name, value in data.items():
        ((kind, v),) = value.items()
        if kind not in ("S", "N", "B"):
            raise ValueError(f"key attribute {name!r} is of type {kind!r}")
        key[name] = {kind: base64.b64decode(v) if kind == "B" else v}
    return key


def copy_name(
    source_table: str,
    target_table: str,
    source_where: str,
    target_where: str,
    slice_text: str | None,
) -> str:
    """The stem all checkpoints of one copy share: both tables' names and a short hash of
    where they are (environment and endpoint or region) and the slice."""
    digest = hashlib.sha256(
        json.dumps([source_table, target_table, source_where, target_where, slice_text]).encode()
    ).hexdigest()[:10]
    return f"{_safe(source_table)}-to-{_safe(target_table)}-{digest}"


def new_path(stem: str, folder: Path | None = None) -> Path:
    """A new checkpoint file's path for the copy ``stem`` (``copy_name``), stamped now."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
    return (folder or default_folder()) / f"{stem}-{stamp}.json"


def latest(stem: str, folder: Path | None = None, what: str = "copy") -> Path:
    """The newest unfinished checkpoint of the copy ``stem`` (``copy_name``; ``what``: the
    run it is, as the message names it).

    Raises
    ------
    InvalidQuery
        There is none (one line naming where it looked).
    """
    where = folder or default_folder()
    finished: CheckpointFile | None = None  # the newest finished one (named if none is left)
    for path in sorted(where.glob(f"{stem}-*.json"), reverse=True):
        try:
            found = CheckpointFile.load(path)
        except CheckpointMismatch:
            continue  # damaged: an older one may do
        if found.unfinished:
            return path
        finished = finished or found
    if finished is not None:
        raise InvalidQuery(
            f"nothing to resume: {literal(finished.ended_text())}; start afresh without {{resume}}",
            parameters=("resume",),
        )
    raise InvalidQuery(
        f"no unfinished checkpoint of this {what} in {literal(str(where))}: "
        "give its path to {resume}, or start afresh without it",
        parameters=("resume",),
    )


def clean(folder: Path | None = None, keep: int | None = None) -> list[Path]:
    """Delete the finished checkpoint files of ``folder`` (default: ``default_folder``) but
    the newest ``keep`` (default ``KEEP_FINISHED``); unfinished and unreadable files are left
    alone. Returns those deleted; a file that cannot be deleted is skipped (logged)."""
    where = folder or default_folder()
    keep = KEEP_FINISHED if keep is None else keep
    finished = []
    for path in where.glob("*.json"):
        try:
            if not CheckpointFile.load(path).unfinished:
                finished.append(path)
        except CheckpointMismatch:
            continue
    finished.sort(key=_modified, reverse=True)
    deleted = []
    for path in finished[keep:]:
        try:
            path.unlink()
        except OSError as error:
            log.warning("old checkpoint %s not deleted: %s", path, error)
            continue
        deleted.append(path)
    for lock in where.glob(f"*.json{LOCK_SUFFIX}"):  # left by a killed run, its file gone
        if not lock.with_name(lock.name.removesuffix(LOCK_SUFFIX)).exists():
            with contextlib.suppress(OSError):
                free = ProcessLock.take(lock, remove=True)
                if free is not None:  # not held: delete it
                    free.release()
    return deleted


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # gone meanwhile
        return 0.0


def _safe(name: str) -> str:
    """A table name as part of a file name (DynamoDB allows ``[a-zA-Z0-9_.-]`` only)."""
    return "".join(c if c.isalnum() or c in "_.-" else "_" for c in name)

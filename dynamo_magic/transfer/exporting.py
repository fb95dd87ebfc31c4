"""Exporting a table, an index or a slice to files in DynamoDB's own export format, as
``dynamo_magic.export_table`` asks for it (its keywords already checked).

The copy's engine with a file at the end: every scan segment (or the slice) is a
``tasks.Task`` whose source is a ``sources.TableSource`` (wrapped in ``sources.FullItems`` where
an index projects only some attributes: an export holds whole items, as a copy writes them)
and whose sink is an ``export_files.DataFileSink``; the tasks run on the ``Engine``'s workers
inside an ``operation.Operation`` (progress, Ctrl-C and cancel, a failure's result). Once every
segment's file is stored, the manifests are written (``export_files.write_manifests``); an
export that did not end writes none (``ExportResult.complete`` is false).

Checked before anything is written: the table (and index, and slice) exist and are valid, the
destination can be written (``export_files.Destination.check``).

Resume (``checkpoint``/``resume``, as a copy's: ``checkpoints``): the granularity is one data
file per scan segment. Each segment's ``DataFile`` is saved in the checkpoint file as soon as
the file is stored; a resumed export keeps the export id and folder and every segment whose
file is still there with its saved size and MD5 (an S3 object: its size and ETag), and runs
every other segment again from its start, overwriting its file (the same name). The manifests
are then written as for an export that ran in one go; ``startTime`` and ``exportTime`` stay
the first run's.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .. import environments
from ..dynamodb import read
from ..dynamodb.retry import policy_from
from ..errors import CopyFailed, UsageProblem, literal
from ..expressions import default_operator
from ..schema import TableSchema
from ..settings import Settings
from . import checkpoints, cluster, limits, parallel
from . import plan as copy_plan
from .checkpoints import CheckpointFile
from .engine import Engine
from .export_files import (
    EXPORT_FOLDER,
    EXPORT_TYPE,
    MANIFEST_VERSION,
    OUTPUT_FORMAT,
    DataFile,
    DataFileSink,
    Destination,
    data_file_name,
    new_export_id,
    write_manifests,
)
from .job import CopyJob
from .messages import TaskResult
from .operation import EXPORT_TASK, Operation, Tally
from .parallel import Progress
from .result import CopyResult
from .run import start_job
from .sources import FullItems, Side, Source, TableSource, table_sources
from .tasks import Task, run_task

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExportRequest:
    """What the user asked for (environment names, not yet resolved): the keywords of
    ``dynamo_magic.export_table``."""

    table: str
    to: str
    env: str | None = None
    storage_env: str | None = None
    pk: Any = None
    sk: Any = None
    sk_op: str | None = None
    sk2: Any = None
    index: str | None = None
    max_read_units: Any = None  # units/s, or "P%" of the table's (index's) read capacity


@dataclass(repr=False)
class ExportResult(CopyResult):
    """What an export did: a ``CopyResult`` (``operation="export"``; ``written``: items in the
    files) with the export's own facts.

    Parameters
    ----------
    export_id : str
        The export's id (``01712345678901-a1b2c3d4``), the name of its folder.
    folder : str
        The export's folder: ``DEST/AWSDynamoDB/<export id>`` (an ``s3://`` URL or a path).
    files : list of DataFile
        The data files stored, in segment order: key, items, MD5 (base64), ETag, bytes; those
        an earlier run stored and this resumed run kept included. An export that stopped lists
        those stored before the stop (a segment not finished stores none: a resume exports it
        again).
    complete : bool
        The manifests were written: the folder is a whole export (an import reads it).
    kept_files, kept_items : int
        Of ``files``, those an earlier run stored and this resumed run kept, and their items
        (0: not a resume). ``written`` counts this run's items only (of a stopped export, also
        those of segments it did not finish, whose files were not stored); ``items_read``
        every run's, of stored files.
    resumed : str
        A resumed run's line: segments kept and left, files redone (``""``: not a resume).

    Examples
    --------
    >>> result = dynamo_magic.export_table("shop", "exports", env="demo-prod")  # doctest: +SKIP
    >>> result.folder, len(result.files), result.written  # doctest: +SKIP
    ('/home/me/exports/AWSDynamoDB/01712345678901-a1b2c3d4', 16, 240)
    """

    export_id: str = ""
    folder: str = ""
    files: list[DataFile] = field(default_factory=list)
    complete: bool = False
    kept_files: int = 0
    kept_items: int = 0
    resumed: str = ""

    @property
    def ok(self) -> bool:
        return super().ok and self.complete

    def rows(self) -> list[tuple[str, Any]]:
        return [
            ("table", self.source),
            ("export folder", self.folder),
            ("export id", self.export_id),
            ("items read", self.items_read),
            ("items written", self.written),
            ("data files", len(self.files)),
            ("bytes (gzip)", sum(f.size for f in self.files)),
            ("manifests written", self.complete),
            ("calls retried", self.retried),
            *([("read limit", self.read_rate)] if self.read_rate else []),
            *([("read units", round(self.read_units, 1))] if self.read_units else []),
            ("seconds", round(self.seconds, 2)),
            ("items/s", round(self.items_per_second, 1)),
            ("interrupted", self.interrupted),
            ("error", self.error or ""),
            *([("resumed", self.resumed)] if self.resumed else []),
            *([("checkpoint", self.checkpoint)] if self.checkpoint else []),
        ]

    @property
    def stored_items(self) -> int:
        """Items in the data files stored (``files``: this run's and those kept)."""
        return sum(f.items for f in self.files)

    @property
    def unstored(self) -> int:
        """Items this run wrote into files of segments it did not finish (a stopped export:
        not stored, their segments are exported again by a resume)."""
        return max(0, self.written - (self.stored_items - self.kept_items))

    def summary_line(self) -> str:
        state = {True: "OK", False: "INTERRUPTED" if self.interrupted else "FAILED"}[self.ok]
        line = (
            f"export {state}: {self.stored_items:,} items in {len(self.files):,} file(s) to "
            f"{self.folder}, {self.retried:,} retried in {self.seconds:.1f} s "
            f"({self.items_per_second:,.0f} items/s)"
        )
        if self.kept_files:
            line += (
                f"; resumed: {self.kept_files:,} file(s) of {self.kept_items:,} items kept, "
                f"{len(self.files) - self.kept_files:,} file(s) of "
                f"{self.stored_items - self.kept_items:,} items stored now"
            )
        if self.unstored:
            line += (
                f"; {self.unstored:,} items of unfinished segments not stored "
                "(a resume exports those segments again)"
            )
        if self.read_rate:  # the read limit, as a copy's line says it
            used = f", {self.read_units:,.0f} units consumed" if self.read_units is not None else ""
            line += f"; reads {self.read_rate}{used}"
        if not self.complete:
            line += "; no manifest written: the folder is not a whole export yet " + (
                "(resume it)" if self.checkpoint else "(delete it)"
            )
        if self.error:
            line += f"; stopped by: {self.error}"
        return line

    def problem_line(self) -> str:
        head = f"export {'INTERRUPTED' if self.interrupted else 'FAILED'}"
        problems = []
        if self.interrupted:
            problems.append(
                f"{len(self.files):,} file(s) of {self.stored_items:,} items stored before the stop"
            )
        if not self.complete:
            what = "resume it" if self.checkpoint else "delete it"
            problems.append(f"no manifest written in {self.folder} ({what})")
        if self.error:
            problems.append(f"stopped by: {self.error}")
        return f"{head}: {'; '.join(problems)}" if problems else head


def check_slice(request: ExportRequest) -> None:
    """Refuse a bad slice before any call (an empty key value, ``sk_op`` without ``sk``,
    a sort-key condition without ``pk``); an ``index`` alone exports the whole index."""
    copy_plan.slice_spec(_as_copy(request, index=request.index if request.pk is not None else None))


def _as_copy(request: ExportRequest, index: str | None) -> copy_plan.CopyRequest:
    return copy_plan.CopyRequest(
        table=request.table,
        source=request.env,
        target=None,
        pk=request.pk,
        sk=request.sk,
        sk_op=request.sk_op,
        sk2=request.sk2,
        index=index,
    )


def _sources(
    side: Side, schema: TableSchema, request: ExportRequest, segments: int
) -> list[Source]:
    """The reads of the export: the slice (one query), the index's or the table's parallel-scan
    segments; whole items fetched from the table where the index projects only some."""
    index = request.index
    if index is not None:
        schema.index(index)  # IndexNotFound names the ones that exist
    query = copy_plan.slice_request(schema, _as_copy(request, index if request.pk else None))
    if query is not None:
        reads: list[TableSource] = table_sources(side, segments, query)
    elif index is not None:  # the whole index: its scan
        reads = [TableSource(side, s, segments, {"IndexName": index}) for s in range(segments)]
    else:
        reads = table_sources(side, segments, None)
    if index is None or schema.index(index).projection == "ALL":
        return list(reads)
    return [FullItems(r, side, schema.key.names) for r in reads]


def start_export(
    request: ExportRequest,
    settings: Settings,
    *,
    workers: int | None = None,
    segments: int | None = None,
    backend: str | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    checkpoint: str | Path | None = None,
    resume: bool | str | Path | None = None,
) -> CopyJob:
    """``export`` in a ``CopyJob``'s thread, returned at once; its refusals logged in one
    line. The job's ``checkpoint`` is chosen (and, for a resume, ``CopyJob.resuming`` said)
    before anything is written."""
    return start_job(
        "export",
        log,
        export,
        request,
        settings,
        progress,
        cancel,
        workers=workers,
        segments=segments,
        backend=backend,
        scheduler=scheduler,
        checkpoint=checkpoint,
        resume=resume,
    )


def export(
    request: ExportRequest,
    settings: Settings,
    *,
    workers: int | None = None,
    segments: int | None = None,
    backend: str | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    tally: Tally | None = None,
    checkpoint: str | Path | None = None,
    resume: bool | str | Path | None = None,
) -> ExportResult:
    """Check, then write the export ``request`` asks for; see ``dynamo_magic.export_table``.
    ``backend="dask"``: on the cluster at ``scheduler`` (``None``: the active Client),
    checked first (``cluster.connected``). ``tally``: the consumer of its workers' messages
    (a job's); ``None``: a new one with ``progress`` and ``cancel``.

    ``checkpoint``: where the export's checkpoint file goes (default: a new file under
    ``checkpoints.default_folder``). ``resume``: continue the export a checkpoint file was
    saved for (``True``: the newest unfinished one of this table, slice and destination; or
    its path): same export id and folder, every segment whose data file is still as stored
    kept, the others exported again from their start.

    Raises
    ------
    DynamoMagicError
        Before anything is written: an unknown environment, table or index, a bad slice, a
        destination that cannot be written (``UsageProblem``, one line), a Dask cluster that
        cannot run it (``ClusterUnavailable``), a checkpoint that is unreadable, finished or
        of another export (``CheckpointMismatch``, the difference named).
    CopyFailed
        The export did not end (an error, Ctrl-C, ``cancel``): ``.result`` is the
        ``ExportResult``, without manifests.
    """
    if tally is None:
        tally = Tally(progress, cancel)
    with (
        cluster.connected(backend, scheduler),
        contextlib.ExitStack() as held,  # the checkpoint's lock: released when the export ends
    ):
        return _export(
            request, settings, workers, segments, backend, tally, checkpoint, resume, held
        )


def _export(
    request: ExportRequest,
    settings: Settings,
    workers: int | None,
    segments: int | None,
    backend: str | None,
    tally: Tally,
    checkpoint: str | Path | None,
    resume: bool | str | Path | None,
    held: contextlib.ExitStack,
) -> ExportResult:
    """``export`` on its cluster, if any; the checkpoint's lock released by ``held``."""
    check_slice(request)
    env = environments.resolve(request.env, settings)
    storage = environments.resolve(request.storage_env, settings) if request.storage_env else env
    policy = policy_from(settings)
    side = Side(env, request.table)
    schema = read.describe_table(
        side.client(), request.table, env.describe(), policy=policy, env=env.label
    )
    sliced = request.pk is not None
    reads_rate = limits.resolve(
        request.max_read_units, "read", schema, request.table, request.index
    )
    destination = Destination.parse(request.to, storage)
    if request.storage_env is not None and destination.bucket is None:
        raise UsageProblem(
            "{storage_env} names the environment that reaches an s3:// bucket; {to} is a "
            "local folder: drop {storage_env}",
            parameters=("storage_env", "to"),
        )
    slice_text = _describe_slice(request, schema)
    stem = checkpoints.copy_name(request.table, "export", _where(env), destination.url, slice_text)
    saved = checkpoints.to_resume(resume, stem, "export", hold=True)
    if saved is not None:
        held.callback(saved.release)
        segments = segments or saved.identity.total_segments
    engine = Engine.from_settings(settings, schema.item_count, workers, segments, backend)
    total = 1 if sliced else engine.segments
    identity = checkpoints.Identity(
        source_table=request.table,
        target_table=destination.url,
        source_arn=schema.arn,
        target_arn=None,
        source_endpoint=env.endpoint_url,
        target_endpoint=storage.endpoint_url if destination.bucket is not None else None,
        slice=slice_text,
        mode=checkpoints.EXPORT_MODE,
        transform=None,
        total_segments=total,
    )
    reads = _sources(side, schema, request, total)
    names = [f"data/{data_file_name(n, total)}" for n in range(total)]
    cluster.check_workers([env, storage] if storage != env else [env])  # none: not on Dask
    if saved is None:
        export_id = new_export_id()
        folder = f"{EXPORT_FOLDER}/{export_id}"
        destination.check(folder)
        started = datetime.now(UTC)
        record = _new_checkpoint(identity, checkpoint, stem, export_id, started)
        held.callback(record.release)
    else:
        saved.check(identity)
        export_id, started = _first_run(saved)
        folder = f"{EXPORT_FOLDER}/{export_id}"
        record = saved
        record.resuming = _keep_stored(record, destination, folder, names, export_id)
        log.info("%s", record.resuming)
    tally.checkpoint = record  # chosen: a job's waiters see it, and its resume line
    kept = [f for s in record.segments.values() if s.state == "done" and (f := _stored(s))]
    result = ExportResult(
        source=f"{request.table} ({env.label})",
        target=destination.url,
        mode="export",
        operation="export",
        export_id=export_id,
        folder=destination.location(folder),
        kept_files=len(kept),
        kept_items=sum(f.items for f in kept),
        resumed=_resumed_text(record) if saved is not None else "",
    )
    result.checkpoint = str(record.path)
    result.items_read = sum(s.read for s in record.segments.values() if s.state == "done")
    log.info(
        "export started: %s -> %s, %d worker(s) (%s), %d segment(s)",
        result.source,
        result.folder,
        engine.workers,
        engine.backend,
        total,
    )
    tasks = [
        Task(
            EXPORT_TASK,
            source,
            DataFileSink(destination, f"{folder}/{names[n]}", n),
            engine.policy,
        )
        for n, source in enumerate(reads)
        if record.segments[n].state != "done"
    ]
    result.files = list(kept)

    def collect(outcome: TaskResult) -> None:
        result.items_read += outcome.items_read
        result.written += outcome.written
        # as each is stored: an export that stops says what it stored (and a resume keeps it)
        result.files = sorted([*result.files, *outcome.files], key=lambda f: f.segment)
        for stored in outcome.files:  # saved now: a resume keeps it
            record.store_file(stored.segment, dataclasses.asdict(stored), outcome.items_read)

    capacity = limits.Limits(reads=reads_rate)
    limits.describe(result, capacity)
    with (
        parallel.worker_pool(),
        limits.open_budget(capacity, engine.backend) as budget,  # every read metered
    ):
        with Operation(result, engine.failed_path(request.table), tally) as run:
            tally.budget = budget
            destination.put(b"", f"{folder}/_started")  # raised as it is: nothing written
            # DescribeTable's count (hours stale, 0 for a new table): the bar's estimate only
            estimate = None if sliced else schema.item_count or None
            run.tally.start("export", estimate, done=result.kept_items)
            run.tally.run(run_task, tasks, engine, collect)
            summary = _summary(schema, destination, export_id, started, result.files)
            write_manifests(destination, folder, result.files, summary)
            result.complete = True
            _mark_finished(record)
        limits.account(result, budget)
    if not result.ok:
        raise CopyFailed(result.summary_line(), result, table=request.table, env=env.label)
    return result


def _mark_finished(record: CheckpointFile) -> None:
    """Mark the checkpoint finished (a resume of it then says so); a file that cannot be
    saved is logged, not raised over a whole export (a resume would only write its
    manifests again)."""
    try:
        record.mark(finished=True)
    except OSError as error:
        log.warning("checkpoint %s not saved: %s", record.path, error)


def _where(env: environments.Environment) -> str:
    """Where the table is, as a resume looks its checkpoints up (as a copy's)."""
    return f"{env.label}@{env.endpoint_url or env.region}"


def _describe_slice(request: ExportRequest, schema: TableSchema) -> str | None:
    """The slice (and index) as the checkpoint's identity names it; ``None``: the whole table."""
    parts = []
    if request.pk is not None:
        parts.append(f"pk={request.pk!r}")
        if request.sk is not None:
            op = request.sk_op or default_operator(schema.key_for(request.index))
            sk2 = f"..{request.sk2!r}" if request.sk2 is not None else ""
            parts.append(f"sk {op} {request.sk!r}{sk2}")
    if request.index:
        parts.append(f"index {request.index}")
    return ", ".join(parts) or None


def _new_checkpoint(
    identity: checkpoints.Identity,
    path: str | Path | None,
    stem: str,
    export_id: str,
    started: datetime,
) -> CheckpointFile:
    """A new export's checkpoint file, locked for it (the caller releases it) and saved now,
    before anything is written (an export whose checkpoint cannot be saved does not start).

    Raises
    ------
    CheckpointInUse
        ``path`` is the checkpoint of a run still running.
    OSError
        The file cannot be written."""
    if path is None:  # the default folder is a bounded cache: old finished files go
        checkpoints.clean()
    where = Path(path) if path is not None else checkpoints.new_path(stem)
    record = CheckpointFile(where, identity)
    record.hold()
    try:
        record.mark(export_id=export_id, export_started=started.isoformat())
    except BaseException:
        record.release()
        raise
    return record


def _first_run(saved: CheckpointFile) -> tuple[str, datetime]:
    """The export id and start of the export ``saved`` is of.

    Raises
    ------
    CheckpointMismatch
        The file names no export id (damaged)."""
    phases = saved.phases
    if not phases.export_id or not phases.export_started:
        raise checkpoints.CheckpointMismatch(
            f"cannot resume from checkpoint {literal(str(saved.path))}: it names no export "
            "id; give another {resume} path or start afresh without it",
            parameters=("resume",),
        )
    return phases.export_id, datetime.fromisoformat(phases.export_started)


def _keep_stored(
    record: CheckpointFile,
    destination: Destination,
    folder: str,
    names: list[str],
    export_id: str,
) -> str:
    """Check every data file the checkpoint saved as stored: one that is gone or changed is
    to be done again (``record.redo``). Returns the resume's line: segments kept and left,
    and each file redone with why."""
    redone = []
    for number, segment in sorted(record.segments.items()):
        if segment.state != "done":
            continue
        problem: str | None = "not in the checkpoint"
        stored = _stored(segment)
        if stored is not None:
            problem = destination.kept_problem(f"{folder}/{names[number]}", stored)
        if problem is not None:
            record.redo(number)
            redone.append(f"{destination.location(f'{folder}/{names[number]}')} {problem}")
    if redone:
        record.save()
    done = sum(1 for s in record.segments.values() if s.state == "done")
    line = (
        f"resuming export {export_id} from {record.path}: {done} of {len(record.segments)} "
        f"segment(s) kept, {len(record.segments) - done} left"
    )
    if redone:
        line += f" (redone whole, their file: {'; '.join(redone)})"
    return line


def _stored(segment: checkpoints.Segment) -> DataFile | None:
    """The data file a checkpoint saved for ``segment`` (``None``: none, or not readable)."""
    try:
        return DataFile(**segment.file) if segment.file is not None else None
    except TypeError:  # fields missing or unknown: the segment is redone
        return None


def _resumed_text(record: CheckpointFile) -> str:
    """The result's ``resumed`` row: segments kept of all, and the file it continued."""
    done = sum(1 for s in record.segments.values() if s.state == "done")
    return f"{done} of {len(record.segments)} segment(s) kept from {record.path}"


def _summary(
    schema: TableSchema,
    destination: Destination,
    export_id: str,
    started: datetime,
    files: list[DataFile],
) -> dict[str, Any]:
    """manifest-summary.json's fields, in DynamoDB's order (``manifestFilesS3Key`` and
    ``itemCount`` are added by ``write_manifests``). ``exportTime`` is when the scan began: an
    export by scan is no point-in-time snapshot (items changed meanwhile may be either way).
    ``billedSizeBytes``: 0 (no export is billed; the scan's reads are). The encryption is what
    S3 reported for the data files (``null`` for a local folder)."""
    table_arn = schema.arn or ""
    first = files[0] if files else None
    return {
        "version": MANIFEST_VERSION,
        "exportArn": f"{table_arn}/export/{export_id}",
        "startTime": _timestamp(started),
        "endTime": _timestamp(datetime.now(UTC)),
        "tableArn": table_arn,
        "tableId": schema.raw.get("TableId"),
        "exportTime": _timestamp(started),
        "s3Bucket": destination.bucket,
        "s3Prefix": (destination.root or None) if destination.bucket is not None else None,
        "s3SseAlgorithm": first.sse_algorithm if first else None,
        "s3SseKmsKeyId": first.sse_kms_key_id if first else None,
        "billedSizeBytes": 0,
        "outputFormat": OUTPUT_FORMAT,
        "exportType": EXPORT_TYPE,
    }


def _timestamp(moment: datetime) -> str:
    """``2020-11-04T07:28:34.028Z``, as DynamoDB's manifests write times."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"

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
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .. import environments
from ..dynamodb import read
from ..dynamodb.retry import policy_from
from ..errors import CopyFailed, UsageProblem
from ..schema import TableSchema
from ..settings import Settings
from . import cluster, limits, parallel
from . import plan as copy_plan
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
from .messages import TaskResult
from .operation import Operation, Tally
from .parallel import Progress
from .result import CopyResult
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
        The data files written, in segment order: key, items, MD5 (base64), ETag, bytes.
    complete : bool
        The manifests were written: the folder is a whole export (an import reads it).

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
        ]

    def summary_line(self) -> str:
        state = {True: "OK", False: "INTERRUPTED" if self.interrupted else "FAILED"}[self.ok]
        line = (
            f"export {state}: {self.written:,} items in {len(self.files):,} file(s) to "
            f"{self.folder}, {self.retried:,} retried in {self.seconds:.1f} s "
            f"({self.items_per_second:,.0f} items/s)"
        )
        if not self.complete:
            line += "; no manifest written: the folder is not a whole export (delete it)"
        if self.error:
            line += f"; stopped by: {self.error}"
        return line

    def problem_line(self) -> str:
        head = f"export {'INTERRUPTED' if self.interrupted else 'FAILED'}"
        problems = [f"{self.written:,} written before the stop"] if self.interrupted else []
        if not self.complete:
            problems.append(f"no manifest written in {self.folder} (delete it)")
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
) -> ExportResult:
    """Check, then write the export ``request`` asks for; see ``dynamo_magic.export_table``.
    ``backend="dask"``: on the cluster at ``scheduler`` (``None``: the active Client),
    checked first (``cluster.connected``).

    Raises
    ------
    DynamoMagicError
        Before anything is written: an unknown environment, table or index, a bad slice, a
        destination that cannot be written (``UsageProblem``, one line), a Dask cluster that
        cannot run it (``ClusterUnavailable``).
    CopyFailed
        The export did not end (an error, Ctrl-C, ``cancel``): ``.result`` is the
        ``ExportResult``, without manifests.
    """
    with cluster.connected(backend, scheduler):
        return _export(request, settings, workers, segments, backend, progress, cancel)


def _export(
    request: ExportRequest,
    settings: Settings,
    workers: int | None,
    segments: int | None,
    backend: str | None,
    progress: Progress | None,
    cancel: threading.Event | None,
) -> ExportResult:
    """``export`` on its cluster, if any."""
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
    engine = Engine.from_settings(settings, schema.item_count, workers, segments, backend)
    total = 1 if sliced else engine.segments
    reads = _sources(side, schema, request, total)
    destination = Destination.parse(request.to, storage)
    if request.storage_env is not None and destination.bucket is None:
        raise UsageProblem(
            "{storage_env} names the environment that reaches an s3:// bucket; {to} is a "
            "local folder: drop {storage_env}",
            parameters=("storage_env", "to"),
        )
    export_id = new_export_id()
    folder = f"{EXPORT_FOLDER}/{export_id}"
    destination.check(folder)
    result = ExportResult(
        source=f"{request.table} ({env.label})",
        target=destination.url,
        mode="export",
        operation="export",
        export_id=export_id,
        folder=destination.location(folder),
    )
    started = datetime.now(UTC)
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
            "export",
            source,
            DataFileSink(destination, f"{folder}/data/{data_file_name(n, total)}", n),
            engine.policy,
        )
        for n, source in enumerate(reads)
    ]
    files: list[DataFile] = []

    def collect(outcome: TaskResult) -> None:
        result.items_read += outcome.items_read
        result.written += outcome.written
        files.extend(outcome.files)

    tally = Tally(progress, cancel)
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
            run.tally.start("export", None if sliced else schema.item_count or None)
            run.tally.run(run_task, tasks, engine, collect)
            result.files = sorted(files, key=lambda f: f.segment)
            summary = _summary(schema, destination, export_id, started, result.files)
            write_manifests(destination, folder, result.files, summary)
            result.complete = True
        limits.account(result, budget)
    if not result.ok:
        raise CopyFailed(result.summary_line(), result, table=request.table, env=env.label)
    return result


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

"""An import: files (an export folder, JSON Lines, CSV, Parquet) into a table, through the load
seam (``origins``, ``loading``) with the copy's rules.

``FilesOrigin`` is the ``origins.Origin`` of what a SRC holds (``import_files.locate``): its
``check`` is ``import_files.check`` (every file read and checked before the first write), its
sources one ``import_files.FileSource`` per file. ``plan_import`` / ``start_import`` are the
api's bodies: they resolve the storage environment (default: the table's), create the table
when asked (``create`` with ``key``: only once every file has passed its checks, and never in
a dry run), then plan or run the load as ``loading`` does for every origin: same-table and
schema rules, confirmation of a non-empty or protected table, backup before replace or
truncate, batching, retries, failed-items file, progress, capacity limits, checkpoints and
the verification (the table's count against the items the files hold: the manifests'
``itemCount`` for an export, checked equal to what was read).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import environments
from ..dynamodb import read, tables
from ..dynamodb.retry import policy_from
from ..errors import ConfirmationRequired, CopyFailed, TableNotFound, UsageProblem, literal
from ..schema import KeySchema, TableSchema, check_table_name
from ..settings import CopyMode, Settings
from . import cluster, import_files, limits, loading
from . import plan as copy_plan
from .import_files import Checked, Found
from .job import CopyJob
from .limits import Limits
from .loading import LoadRequest
from .messages import Finished, Message, TaskResult
from .operation import COPY_TASK, Tally
from .origins import Origin
from .parallel import Progress
from .plan import CopyPlan
from .result import CopyResult
from .run import logs_refusals
from .sources import Side, Source

log = logging.getLogger(__name__)


class FilesOrigin(Origin):
    """The files of an import (``found``), checked against the target's key before anything is
    written; ``strings``: CSV cells other than keys stay text."""

    phase = "import"  # its bar reads "import:", not "copy:"

    def __init__(self, found: Found, strings: bool = False):
        self.found = found
        self.strings = strings
        self.checked: Checked | None = None
        self._key: KeySchema | None = None

    def describe(self) -> str:
        export = self.found.export
        if export is not None:
            return f"export {export.export_id} in {export.folder}"
        count = len(self.found.files)
        return f"{count} file{'' if count == 1 else 's'} from {self.found.source}"

    def rows(self) -> list[tuple[str, str]]:
        if self.checked is None:
            return [("file", f.url) for f in self.found.files]
        return [(f"file {url}", what) for url, what in self.checked.rows()[1:]]

    def item_count(self) -> int | None:
        if self.checked is not None:
            return self.checked.items
        export = self.found.export
        return export.items if export is not None else None

    def average_item_bytes(self) -> float:
        return self.checked.average_item_bytes if self.checked is not None else 0.0

    def check(self, schema: TableSchema) -> None:
        self.check_key(schema.key)

    def check_key(self, key: KeySchema) -> Checked:
        """``import_files.check`` against ``key`` (once per key: a plan made again after a
        table was created reads nothing again)."""
        if self.checked is None or self._key != key:
            self.checked = import_files.check(self.found, key, self.strings)
            self._key = key
        return self.checked

    def sources(self, parts: int) -> list[Source]:
        if self.checked is None or self._key is None:
            raise RuntimeError("FilesOrigin.sources before check")
        return list(import_files.sources(self.checked, self._key, self.strings))

    def identity(self) -> str:
        """The SRC with a hash of every file's location and version: a resume of files that
        changed since is refused as another load's."""
        versions = "\n".join(f"{f.url} {f.file.version}" for f in self.found.files)
        digest = hashlib.blake2b(versions.encode(), digest_size=6).hexdigest()
        return f"import:{self.found.source}#{digest}"


@dataclass(frozen=True)
class ImportRequest:
    """What ``import_table`` asks for (environment names not yet resolved)."""

    table: str
    source: str
    env: str | None = None
    storage_env: str | None = None
    mode: CopyMode = "merge"
    strings: bool = False
    create: bool = False
    key: str | None = None
    backup: bool = True
    verify: str = "count"
    max_write_units: Any = None


def _origin(request: ImportRequest, settings: Settings) -> FilesOrigin:
    if not isinstance(request.source, str | Path) or not str(request.source):
        raise UsageProblem(
            "{source}: name the files to import: a file, a folder, a glob or s3://bucket/prefix",
            parameters=("source",),
        )
    storage = environments.resolve(request.storage_env or request.env, settings)
    return FilesOrigin(import_files.locate(str(request.source), storage), request.strings)


def _existing(request: ImportRequest, settings: Settings) -> TableSchema | None:
    """The target's schema, ``None`` when it does not exist."""
    env = environments.resolve(request.env, settings)
    client = Side(env, request.table).client()
    try:
        return read.describe_table(
            client, request.table, env.describe(), policy=policy_from(settings), env=env.label
        )
    except TableNotFound:
        return None


def _created(request: ImportRequest, origin: FilesOrigin, settings: Settings, yes: bool) -> None:
    """``create``: a missing table created keyed by ``key`` (on demand) once every file has
    passed its checks against that key; nothing when the table exists (its own key rules).
    In a protected environment only with ``yes`` (asked before the table is made)."""
    if not request.create:
        if request.key is not None:
            raise UsageProblem(
                "{key} is for a table the import creates: add {create}",
                parameters=("key", "create"),
            )
        return
    existing = _existing(request, settings)
    if existing is not None:
        _same_key(request, existing)
        return
    key = _key_to_create(request)
    origin.check_key(key)
    env = environments.resolve(request.env, settings)
    if env.protected and not yes:
        raise ConfirmationRequired(
            f"env '{literal(env.label)}' is protected: creating table "
            f"'{literal(request.table)}' and importing into it needs {{yes}}",
            parameters=("yes",),
        )
    schema = _new_table(request.table, key)
    tables.create_like(Side(env, request.table).client(), schema, request.table)


def _same_key(request: ImportRequest, existing: TableSchema) -> None:
    """``create`` with ``key`` naming a table that exists: its key must be that key (an import
    writes with the table's own key; another ``key`` given is a mistake, never ignored).

    Raises
    ------
    UsageProblem
        One line: the table's key and the one given."""
    if request.key is None:
        return
    key = import_files.parse_key(request.key)
    if key != existing.key:
        raise UsageProblem(
            f"table '{literal(request.table)}' exists, keyed {literal(existing.key)}, not "
            f"{literal(key)}: leave out {{key}} to import into it, or name another table to "
            "create",
            parameters=("key",),
            table=request.table,
        )


def _key_to_create(request: ImportRequest) -> KeySchema:
    if request.key is None:
        raise UsageProblem(
            f"table '{literal(request.table)}' does not exist; to create it, give its key: "
            "{key} pk:S or pk:S,sk:N (neither an export's manifests nor its lines name the key)",
            parameters=("key",),
        )
    return import_files.parse_key(request.key)


def _new_table(name: str, key: KeySchema) -> TableSchema:
    """An on-demand table keyed ``key``, as ``tables.create_like`` takes a schema."""
    attributes = [a for a in (key.hash, key.range) if a is not None]
    roles = ("HASH", "RANGE")
    raw = {
        "KeySchema": [
            {"AttributeName": a.name, "KeyType": role}
            for a, role in zip(attributes, roles, strict=False)
        ],
        "AttributeDefinitions": [
            {"AttributeName": a.name, "AttributeType": a.type} for a in attributes
        ],
    }
    return TableSchema(name, key, billing_mode="PAY_PER_REQUEST", raw=raw)


def _load_request(request: ImportRequest, origin: FilesOrigin) -> LoadRequest:
    return LoadRequest(
        origin=origin,
        table=request.table,
        env=request.env,
        mode=request.mode,
        backup=request.backup,
        verify=request.verify,
        max_write_units=request.max_write_units,
    )


def plan_import(
    request: ImportRequest, settings: Settings, checkpoint: str | Path | None = None
) -> CopyPlan:
    """The import's plan (a dry run): what SRC holds (files, format per file, items), every
    file checked, the table's rules; nothing written, no table created.

    Raises
    ------
    InvalidFile
        A file that fails a check (one line naming it and the line).
    UsageProblem
        SRC names nothing, or files of no known format; ``create`` without ``key``.
    TableNotFound
        No such table (without ``create``: the message says how the import creates it).
    """
    check_table_name(request.table, "table")
    origin = _origin(request, settings)
    if request.create:
        existing = _existing(request, settings)
        if existing is None:
            key = _key_to_create(request)
            origin.check_key(key)
            return _creation_plan(request, origin, _new_table(request.table, key), settings)
        _same_key(request, existing)
    elif request.key is not None:
        raise UsageProblem(
            "{key} is for a table the import creates: add {create}",
            parameters=("key", "create"),
        )
    try:
        return loading.dry_run(_load_request(request, origin), settings, checkpoint=checkpoint)
    except TableNotFound as missing:
        raise _not_created(missing) from None


def _not_created(missing: TableNotFound) -> TableNotFound:
    """The target's ``TableNotFound`` saying also how the import creates it (``create`` and
    ``key``: neither an export's files nor other files name the key)."""
    return TableNotFound(
        f"{literal(missing)}, or create it with the import: add {{create}} {{key}} pk:S "
        "(or pk:S,sk:N: the files do not name the key)",
        parameters=("create", "key"),
        table=missing.table,
        env=missing.env,
    )


def _creation_plan(
    request: ImportRequest, origin: FilesOrigin, schema: TableSchema, settings: Settings
) -> CopyPlan:
    """The plan of an import into a table it creates (``create``; a dry run): the table to
    be made with its key (on demand), the files checked against that key, every item written
    into it; the rules of every write (a protected environment needs confirming)."""
    env = environments.resolve(request.env, settings)
    target = Side(env, request.table)
    count = origin.item_count()
    plan = CopyPlan(
        request=_load_request(request, origin).copy_request(),
        source=target,
        target=target,
        source_schema=schema,
        target_schema=None,  # created by the import
        slice_request=None,
        source_items=count or 0,
        source_items_exact=count is not None,
        average_item_bytes=origin.average_item_bytes(),
        target_empty=True,
        target_items=0,
        backup=False,
        origin=origin,
    )
    plan.limits = Limits(
        writes=limits.resolve(request.max_write_units, "write", schema, request.table),
        reads=limits.resolve(None, "read", schema, request.table),
    )
    copy_plan.target_rules(plan)
    return plan


def start_import(
    request: ImportRequest,
    settings: Settings,
    *,
    yes: bool = False,
    workers: int | None = None,
    backend: str | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    checkpoint: str | Path | None = None,
    resume: bool | str | Path | None = None,
) -> CopyJob:
    """The import in a ``CopyJob`` (``loading.load`` in its thread), once SRC is found and,
    with ``create``, the table created (after its files' checks); its result an
    ``ImportResult``. Refusals before the job starts are raised here, nothing written."""
    check_table_name(request.table, "table")
    origin = _origin(request, settings)
    if request.create:  # the table is made here, before the job connects: check the cluster
        with cluster.connected(backend, scheduler):  # first (the job connects again)
            pass
    _created(request, origin, settings, yes)
    tally = FileTally(progress, cancel if cancel is not None else threading.Event())
    work = functools.partial(
        logs_refusals("import", log)(_run),
        _load_request(request, origin),
        origin,
        settings,
        tally,
        yes=yes,
        workers=workers,
        backend=backend,
        scheduler=scheduler,
        checkpoint=checkpoint,
        resume=resume,
    )
    return CopyJob(work, tally, name="dynamo-import")


def _run(
    request: LoadRequest, origin: FilesOrigin, settings: Settings, tally: FileTally, **run: Any
) -> ImportResult:
    """``loading.load``, its result (or the one a ``CopyFailed`` carries) made an
    ``ImportResult`` with each file's counts."""
    try:
        result = loading.load(request, settings, tally=tally, **run)
    except TableNotFound as missing:
        raise _not_created(missing) from None
    except CopyFailed as failed:
        if not isinstance(failed.result, CopyResult):
            raise
        outcome = ImportResult.of(failed.result, origin, tally)
        raise CopyFailed(
            outcome.summary_line(), outcome, table=failed.table, env=failed.env
        ) from failed.__cause__
    return ImportResult.of(result, origin, tally)


class FileTally(Tally):
    """The operation's ``Tally``, keeping each write task's final counts by segment (a file's
    place in the import) as they arrive."""

    def __init__(self, progress: Progress | None = None, cancel: threading.Event | None = None):
        super().__init__(progress, cancel)
        self.by_segment: dict[int, TaskResult] = {}

    def receive(self, message: Message) -> None:
        super().receive(message)
        if (
            isinstance(message, Finished)
            and isinstance(message.result, TaskResult)
            and message.result.task == COPY_TASK
        ):
            self.by_segment[message.result.segment] = message.result


@dataclass
class FileCounts:
    """One file of an import: items it holds (as checked), and read, written and failed by
    the write that followed (``None``: its task never reported, e.g. interrupted first)."""

    url: str
    items: int
    read: int | None = None
    written: int | None = None
    failed: int | None = None

    def text(self) -> str:
        if self.read is None:
            return f"{self.items:,} items; not written (its task did not finish)"
        return (
            f"{self.items:,} items: {self.read:,} read, {self.written or 0:,} written, "
            f"{self.failed or 0:,} failed"
        )


@dataclass(repr=False)
class ImportResult(CopyResult):
    """A ``CopyResult`` of an import (``operation="import"``), with each file's counts
    (``files``: items the check found, then read, written and failed by the write)."""

    files: list[FileCounts] = field(default_factory=list)

    @classmethod
    def of(cls, result: CopyResult, origin: FilesOrigin, tally: FileTally) -> ImportResult:
        copied = {f.name: getattr(result, f.name) for f in dataclasses.fields(CopyResult)}
        copied["operation"] = "import"
        checked = origin.checked.files if origin.checked is not None else []
        files = []
        for segment, check in enumerate(checked):
            task = tally.by_segment.get(segment)
            files.append(
                FileCounts(
                    check.file.url,
                    check.items,
                    *((task.items_read, task.written, task.failed) if task else ()),
                )
            )
        return cls(**copied, files=files)

    def rows(self) -> list[tuple[str, Any]]:
        rows = super().rows()
        at = next((i for i, (name, _) in enumerate(rows) if name == "items failed"), len(rows))
        return [
            *rows[: at + 1],
            *(("file", f"{f.url}: {f.text()}") for f in self.files),
            *rows[at + 1 :],
        ]

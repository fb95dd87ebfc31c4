"""Files into a table: what an import's SRC holds, every check before the first write, and the
sources that read the files in the workers.

A SRC (a local path or ``s3://bucket/prefix``; one file, a folder, or a glob) is one of:

- **an export folder**, ours (``dynamo export``) or one DynamoDB's export to S3 wrote, found by
  its ``manifest-summary.json`` anywhere under SRC: ``manifest-files.json`` lists each data file
  (``dataFileS3Key``) with its ``itemCount`` and ``md5Checksum`` (base64 of the MD5 of the
  file's bytes); ``data/*.json.gz`` hold gzipped lines ``{"Item": {...}}`` in DynamoDB JSON; the
  manifests' checksum files (``.md5`` or ``.checksum``, MD5 as hex or base64) are checked where
  present. Only ``DYNAMODB_JSON`` full exports are read (an ION or incremental export is
  refused in one line).
- **files**: JSON Lines (``.jsonl``, ``.ndjson``, ``.json``), CSV (``.csv``) and Parquet
  (``.parquet``, with pyarrow), each optionally gzipped (``.gz``; not Parquet). A JSON Lines
  file is DynamoDB JSON (``{"pk": {"S": "a"}}`` or ``{"Item": {...}}`` lines) or plain JSON,
  decided per file from its first item (``detect``) and stated in the plan.

Types of plain values (plain JSON, CSV, Parquet): key attributes are typed from the table's key
schema (``codec.key_value``: text of digits for N, base64 text for B); other values of plain
JSON and Parquet by the encoder a DataFrame's values go through (``encoding.row_item``: ints
and decimals -> N, floats through their shortest text, bool -> BOOL, str -> S, bytes -> B,
maps -> M, lists -> L, ``None`` inside a container -> NULL, a top-level ``null`` (or
Parquet's NaN) leaves the attribute out, datetimes become ISO 8601 text). JSON numbers are
read as ``Decimal``, so every digit is kept (``0.1`` stays ``0.1``); ``NaN`` and ``Infinity``
are not JSON and refuse their line. CSV cells are text; ``csv_value`` says which
become numbers and booleans (``strings=True`` keeps every non-key cell as text).

``check`` reads every file once, streaming, before anything is written: the MD5 of its bytes
and its item count against the manifest, a truncated gzip, every line (JSON, ``Item``, typed
values), every item (key attributes present and of the table's types, at most 400 KB, numbers
DynamoDB can store) and duplicate keys across the whole import (a set of compact key texts:
memory grows by the key, never by the item). The first problem is raised as one
``InvalidFile`` line naming the file and the line; duplicates name every row of the key.
``FileSource`` is the engine's ``sources.Source`` of one file: the workers read it again
(the bytes checked: ``storage.StoredFile.open`` refuses a file that changed) page by page.
"""

from __future__ import annotations

import base64
import csv
import datetime
import gzip
import hashlib
import io
import json
import math
import re
import shutil
import tempfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import IO, Any, cast

from .. import encoding, lazy
from ..codec import (
    TYPES,
    Item,
    WireItem,
    encode_binaries,
    key_value,
    number_json,
    typed_problem,
)
from ..environments import Environment
from ..errors import DynamoMagicError, InvalidFile, UsageProblem, literal
from ..item_size import MAX_ITEM_SIZE, item_size, number_problem, short_repr
from ..schema import KeyAttribute, KeySchema
from .channels import Channel
from .origins import key_identity
from .sources import Page
from .storage import StoredFile, find

PAGE_ITEMS = 1000  # items a FileSource hands the sink at a time (40 BatchWriteItem calls)
OFFSET = "offset"  # a FileSource's ``last_key``: ``{"offset": {"N": "<items done>"}}``
CHUNK = 1 << 20  # bytes read from a file at a time
STARTED_MARK = "_started"  # the file an export writes first (its summary is written last)
SHOWN_DUPLICATES = 5  # duplicate keys an error names (with every row of each)
SUMMARY = "manifest-summary.json"
FILES_MANIFEST = "manifest-files.json"
CHECKSUM_SUFFIXES = (".md5", ".checksum")
PARQUET_EXTRA = "dynamo_magic[parquet]"  # pyproject.toml's extra that installs pyarrow

# formats of a file
EXPORT = 'DynamoDB export (gzipped {"Item": ...} lines)'
DYNAMODB_JSON = "JSON Lines of DynamoDB JSON"
PLAIN_JSON = "JSON Lines of plain JSON"
CSV = "CSV"
PARQUET = "Parquet"

JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")


@dataclass(frozen=True)
class ImportFile:
    """One file to import: where it is, its ``format`` (a constant above), ``gzipped``, and
    for an export's data file what its manifest says (``items``, ``md5`` base64)."""

    file: StoredFile
    format: str
    gzipped: bool = False
    items: int | None = None
    md5: str | None = None

    @property
    def url(self) -> str:
        return self.file.url


@dataclass(frozen=True)
class Export:
    """An export folder's manifest summary: where it is and what it says."""

    folder: str  # url of the folder holding manifest-summary.json
    export_id: str
    items: int | None  # the summary's itemCount
    table_arn: str = ""
    export_time: str = ""
    summary: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Found:
    """What a SRC holds: its files (each with its format) and, for an export folder, the
    export's summary."""

    source: str
    files: tuple[ImportFile, ...]
    export: Export | None = None


@dataclass
class FileCheck:
    """One file as ``check`` read it: its format (``detected``: the JSON Lines kind found) and
    the items it holds."""

    file: ImportFile
    format: str
    items: int = 0
    bytes: int = 0  # the items' sizes as DynamoDB counts them

    def row(self, base: str = "") -> tuple[str, str]:
        """(file, what it holds) for the plan; the file named from ``base`` (a folder) when
        it is under it."""
        url = self.file.url
        if base and url.startswith(base.rstrip("/") + "/"):
            url = url[len(base.rstrip("/")) + 1 :]
        what = f"{_items(self.items)}, {self.format}"
        if self.file.items is not None:
            what += "; count and MD5 match the manifest"
        return url, what


def _items(count: int) -> str:
    return f"{count:,} item{'' if count == 1 else 's'}"


@dataclass
class Checked:
    """Every file of an import checked: per file its format and items; ``items`` in all."""

    found: Found
    files: list[FileCheck]

    @property
    def items(self) -> int:
        return sum(f.items for f in self.files)

    @property
    def average_item_bytes(self) -> float:
        """The items' average size (DynamoDB's rule), in bytes; 0.0 without items."""
        return sum(f.bytes for f in self.files) / self.items if self.items else 0.0

    def rows(self) -> list[tuple[str, str]]:
        """The plan's rows: what was found, and each file."""
        export = self.found.export
        what = (
            f"export {export.export_id}"
            + (f" of {export.table_arn}" if export.table_arn else "")
            + (f", {_items(export.items)} in its manifest" if export.items is not None else "")
            if export
            else f"{len(self.files)} file{'' if len(self.files) == 1 else 's'}"
        )
        base = export.folder if export else self.found.source
        return [("source", f"{self.found.source}: {what}"), *(f.row(base) for f in self.files)]


# -- finding the files ---------------------------------------------------------------------------
def locate(source: str, env: Environment | None) -> Found:
    """What ``source`` holds: an export folder (its ``manifest-summary.json`` anywhere under
    it) or files of the formats above. ``env`` reaches an ``s3://`` bucket.

    Raises
    ------
    UsageProblem
        Nothing there; two exports under it (name one); a file of no known format; an export
        that is not a full DynamoDB JSON export.
    InvalidFile
        A manifest that is not JSON, does not match its checksum file, or names a data file
        that is missing.
    """
    files = find(source, env)
    summaries = [f for f in files if f.name == SUMMARY]
    if len(summaries) > 1:
        folders = ", ".join(_folder(f) for f in summaries)
        raise UsageProblem(
            f"{source} holds {len(summaries)} exports ({folders}): give one export's folder"
        )
    if summaries:
        return _export(source, summaries[0])
    unfinished = sorted({_folder(f) for f in files if f.name == STARTED_MARK})
    if unfinished:
        folder = unfinished[0]
        destination = folder.rsplit("/AWSDynamoDB/", 1)[0] if "/AWSDynamoDB/" in folder else folder
        raise UsageProblem(
            f"{folder}: an export that did not finish: its {SUMMARY} is missing (it is written "
            "last); finish it with the command that started it and --resume (dynamo export -t "
            f"TABLE -e ENV --to {destination} --resume; resume=True in Python), then import it"
        )
    return Found(source, tuple(_plain(f) for f in files))


def _folder(file: StoredFile) -> str:
    return file.url.rsplit("/", 1)[0] if "/" in file.url else "."


def _plain(file: StoredFile) -> ImportFile:
    name = file.name.lower()
    gzipped = name.endswith(".gz")
    base = name[:-3] if gzipped else name
    if base.endswith(JSON_SUFFIXES):
        return ImportFile(file, DYNAMODB_JSON, gzipped)  # or PLAIN_JSON: ``detect`` decides
    if base.endswith(".csv"):
        return ImportFile(file, CSV, gzipped)
    if base.endswith(".parquet") and not gzipped:
        return ImportFile(file, PARQUET)
    raise UsageProblem(
        f"{file.url}: not a file an import reads; give JSON Lines (.jsonl, .ndjson, .json), "
        "CSV (.csv), each optionally gzipped (.gz), Parquet (.parquet), or an export folder "
        f"(its {SUMMARY})"
    )


def _manifest(file: StoredFile) -> bytes:
    """A manifest's bytes, checked against its checksum file (``.md5``/``.checksum``) where
    there is one."""
    data = file.read_bytes()
    stem = file.name.rsplit(".", 1)[0]
    for suffix in CHECKSUM_SUFFIXES:
        checksum = file.sibling(stem + suffix)
        if not checksum.exists():
            continue
        written = checksum.read_bytes().decode("ascii", "replace").strip()
        digest = hashlib.md5(data)
        if written not in (digest.hexdigest(), base64.b64encode(digest.digest()).decode()):
            raise InvalidFile(
                f"{file.url}: its MD5 does not match {checksum.name} ({written[:40]}): the "
                "manifest is damaged or was changed; export again or restore the file"
            )
    return data


def _export(source: str, summary_file: StoredFile) -> Found:
    try:
        summary = json.loads(_manifest(summary_file))
        if not isinstance(summary, dict):
            raise ValueError
    except ValueError:
        raise InvalidFile(f"{summary_file.url}: not a JSON object (a damaged manifest)") from None
    folder = _folder(summary_file)
    export_id = folder.rsplit("/", 1)[-1]
    output = summary.get("outputFormat", "DYNAMODB_JSON")
    if output != "DYNAMODB_JSON":
        raise UsageProblem(
            f"{folder}: an export in {output}; an import reads DYNAMODB_JSON exports only "
            "(export again with ExportFormat DYNAMODB_JSON)"
        )
    kind = summary.get("exportType", "FULL_EXPORT")
    if kind != "FULL_EXPORT":
        raise UsageProblem(
            f"{folder}: a {kind}; an import reads full exports only (FULL_EXPORT), whose "
            "lines are whole items"
        )
    files_key = str(summary.get("manifestFilesS3Key") or FILES_MANIFEST)
    listing = summary_file.sibling(_relative(files_key, export_id))
    if not listing.exists():
        raise InvalidFile(f"{folder}: its {FILES_MANIFEST} is missing ({listing.url})")
    files = []
    for number, line in enumerate(_manifest(listing).splitlines(), 1):
        if not line.strip():
            continue
        where = f"{listing.url} line {number}"
        try:
            entry = json.loads(line)
            key = str(entry["dataFileS3Key"])
            count = entry["itemCount"]
            md5 = str(entry["md5Checksum"])
            if not isinstance(count, int) or count < 0:
                raise ValueError
        except (ValueError, KeyError, TypeError):
            raise InvalidFile(
                f"{where}: not a data file's entry (JSON with dataFileS3Key, itemCount, "
                "md5Checksum)"
            ) from None
        data = summary_file.sibling(_relative(key, export_id))
        try:
            data = data.stat()
        except UsageProblem:
            raise InvalidFile(f"{where}: its data file {data.url} is missing") from None
        files.append(ImportFile(data, EXPORT, gzipped=key.endswith(".gz"), items=count, md5=md5))
    total = summary.get("itemCount")
    listed = sum(f.items or 0 for f in files)
    if isinstance(total, int) and total != listed:
        raise InvalidFile(
            f"{summary_file.url}: itemCount {total:,}, but {FILES_MANIFEST} lists {listed:,} "
            "items: the export is incomplete or its manifests do not belong together"
        )
    export = Export(
        folder,
        export_id,
        total if isinstance(total, int) else None,
        str(summary.get("tableArn") or ""),
        str(summary.get("exportTime") or ""),
        summary,
    )
    return Found(source, tuple(files), export)


def _relative(key: str, export_id: str) -> str:
    """A manifest's S3 key (``[prefix/]AWSDynamoDB/<id>/data/x.json.gz``) relative to the
    export's folder (``data/x.json.gz``), whatever bucket or prefix it was exported to."""
    marker = f"AWSDynamoDB/{export_id}/"
    at = key.find(marker)
    if at >= 0:
        return key[at + len(marker) :]
    marker = "AWSDynamoDB/"
    at = key.find(marker)
    if at >= 0:  # another export id (a folder renamed): the part after it
        return key[at + len(marker) :].split("/", 1)[-1]
    return key


# -- reading files --------------------------------------------------------------------------------
class _Hashing(io.RawIOBase):
    """A stream's bytes passed on while their MD5 and count are taken."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.md5 = hashlib.md5()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.stream.read(len(buffer))
        self.md5.update(data)
        self.size += len(data)
        buffer[: len(data)] = data
        return len(data)

    def drain(self) -> None:
        """Read what is left (bytes after a gzip's end still count in the MD5)."""
        while data := self.stream.read(CHUNK):
            self.md5.update(data)
            self.size += len(data)

    def close(self) -> None:
        """Closed as a reader's raw stream; the stream itself stays open (its opener closes
        it), so that ``drain`` can still read what the reader left."""
        super().close()


def _binary(file: ImportFile, raw: _Hashing) -> IO[bytes]:
    """The file's bytes, buffered, un-gzipped where it is gzipped."""
    buffered = io.BufferedReader(raw, CHUNK)
    if file.gzipped:
        return cast(IO[bytes], gzip.GzipFile(fileobj=buffered, mode="rb"))
    return cast(IO[bytes], buffered)


def _lines(file: ImportFile, raw: _Hashing) -> Iterator[tuple[int, bytes]]:
    """``(line number, line)`` of a (gzipped) text file's non-empty lines; a truncated or
    damaged gzip is an ``InvalidFile`` naming the file."""
    stream = _binary(file, raw)
    number = 0
    try:
        for number, line in enumerate(stream, 1):
            if line.strip():
                yield number, line
    except EOFError:
        raise InvalidFile(
            f"{file.url}: the gzip is truncated after line {number:,} (an incomplete upload or "
            "copy); copy the file again"
        ) from None
    except (gzip.BadGzipFile, zlib.error, OSError) as exc:
        raise InvalidFile(f"{file.url}: not a readable gzip file ({exc})") from None


class _NotJson(ValueError):
    """``NaN``, ``Infinity`` or ``-Infinity`` in a line: Python's ``json`` reads them as floats,
    but they are not JSON (a top-level NaN would then pass for a missing value, unsaid)."""


def _constant(name: str) -> Any:
    raise _NotJson(name.lstrip("-"))


def _json(file: ImportFile, number: int, line: bytes) -> Any:
    """One line's JSON, numbers as ``Decimal`` (every digit kept).

    Raises
    ------
    InvalidFile
        The line is not JSON (``NaN`` and ``±Infinity`` included), naming the file and line."""
    try:
        return json.loads(line, parse_float=Decimal, parse_constant=_constant)
    except _NotJson as exc:
        raise InvalidFile(
            f"{file.url} line {number:,}: {exc} is not JSON (write null for a missing "
            "value; DynamoDB stores no NaN or infinity)"
        ) from None
    except ValueError as exc:
        raise InvalidFile(f"{file.url} line {number:,}: not JSON ({exc})") from None


def _bad(file: ImportFile, number: int, text: str) -> InvalidFile:
    return InvalidFile(f"{file.url} line {number:,}: {text}")


def _typed_item(file: ImportFile, number: int, data: Any, export: bool) -> WireItem:
    """A DynamoDB JSON line as an item: ``{"Item": {...}}`` (an export's only form) or the
    item itself."""
    if isinstance(data, dict) and "Item" in data and (export or len(data) == 1):
        data = data["Item"]
    elif export:
        raise _bad(file, number, 'no "Item": not a line of a DynamoDB export')
    if not isinstance(data, dict):
        raise _bad(file, number, f"not an item (a JSON object): {short_repr(data)}")
    for name, av in data.items():
        problem = typed_problem(av)
        if problem:
            raise _bad(file, number, f"attribute {name!r}: {problem}")
    return WireItem(data)


def detect(data: Any) -> str:
    """The JSON Lines kind of a file from its first item: DynamoDB JSON when it is
    ``{"Item": {...}}`` or every attribute is a typed value (``{"S": "a"}``), else plain."""
    if isinstance(data, dict) and len(data) == 1 and isinstance(data.get("Item"), dict):
        return DYNAMODB_JSON
    if (
        isinstance(data, dict)
        and data
        and all(isinstance(av, dict) and len(av) == 1 and set(av) <= TYPES for av in data.values())
    ):  # typed values by their shape: a bad one is then named by ``typed_problem``
        return DYNAMODB_JSON
    return PLAIN_JSON


def _key_text(value: Any) -> Any:
    """A key's value as ``codec.key_value`` takes it: a datetime as its ISO 8601 text."""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return value


def plain_item(
    row: dict[str, Any],
    key: KeySchema,
    where: str,
    typed: Callable[[str], dict[str, Any] | None] | None = None,
) -> WireItem:
    """A row of plain values as an item (wire form): key attributes typed by the table's key
    schema (``codec.key_value``), other values by ``encoding.row_item`` (the Types rules a
    DataFrame's values follow: a top-level missing value left out, datetimes as ISO 8601 text,
    numbers exact) or, for CSV's text cells, by ``typed`` (``csv_value``); ``where`` (file and
    line) begins an error's line."""
    keys = {a.name: a for a in (key.hash, key.range) if a is not None}
    typed_keys: dict[str, Any] = {}
    others: dict[str, Any] = {}
    for name, value in row.items():
        name = str(name)
        attribute = keys.get(name)
        if attribute is None:
            others[name] = value
            continue
        if value == "" or value == b"":
            raise InvalidFile(
                f"{where}: key attribute {name!r} is empty (DynamoDB refuses empty keys)"
            )
        if value is None or _is_nan(value) or lazy.is_pandas_na(value):
            continue  # a missing key: the check names it
        try:
            typed_keys[name] = key_value(attribute, _key_text(value), "key")
        except DynamoMagicError as exc:
            raise InvalidFile(f"{where}: column {name!r}: {exc}") from None
    if typed is None:
        try:
            rest: dict[str, Any] = encoding.row_item(others, where)
        except DynamoMagicError as exc:
            raise InvalidFile(str(exc)) from None
    else:
        rest = {n: av for n, v in others.items() if (av := typed(v)) is not None}
    item = encode_binaries(typed_keys)
    return WireItem({n: item[n] if n in item else rest[n] for n in row if n in item or n in rest})


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


_CSV_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?\Z")


def csv_value(text: str, strings: bool = False) -> dict[str, Any] | None:
    """A CSV cell (not a key's) as a typed value, ``None`` (left out) when empty.

    The rules, chosen so a CSV from a spreadsheet or ``dynamo query --format csv`` reads back
    without surprises: a number written the plain way (``-12``, ``0.5``, ``1.50``: digits, an
    optional ``-`` and decimal point, no leading zero, at most 38 significant digits) is a
    number (N, in DynamoDB's canonical form: ``1.50`` is stored as ``1.5``, as DynamoDB stores
    it); exactly ``true`` or ``false`` is a BOOL; everything else is text (S), so that
    ``007``, ``+1``, ``1e5``, ``1,5``, ``NaN``, ``True``, ``yes`` and JSON-looking text stay
    as written. ``strings``: every non-empty cell is text.
    """
    if text == "":
        return None
    if strings:
        return {"S": text}
    if _CSV_NUMBER.match(text) and number_problem(text) is None:
        return {"N": number_json(text)}  # DynamoDB's own form, what it stores: 100.0 is 100
    if text in ("true", "false"):
        return {"BOOL": text == "true"}
    return {"S": text}


def _text_stream(file: ImportFile, raw: _Hashing) -> IO[str]:
    return io.TextIOWrapper(_binary(file, raw), encoding="utf-8-sig", newline="")


def _csv_items(
    file: ImportFile, raw: _Hashing, key: KeySchema, strings: bool
) -> Iterator[tuple[int, WireItem]]:
    text = _text_stream(file, raw)
    reader = csv.reader(text)
    try:
        header = next(reader, None)
        if not header:
            return
        names = [h.strip() for h in header]
        if "" in names or len(set(names)) != len(names):
            raise InvalidFile(
                f"{file.url} line 1: the header needs a distinct name for every column "
                f"(got {short_repr(header)})"
            )
        missing = [n for n in key.names if n not in names]
        if missing:
            raise InvalidFile(
                f"{file.url}: no column for the key attribute {', '.join(map(repr, missing))} "
                f"(its header: {', '.join(names)})"
            )

        def typed(value: str) -> dict[str, Any] | None:
            return csv_value(value, strings)

        for cells in reader:
            number = reader.line_num
            if not any(cells):
                continue
            if len(cells) != len(names):
                raise _bad(file, number, f"{len(cells)} cells for {len(names)} columns")
            row = dict(zip(names, cells, strict=True))
            yield number, plain_item(row, key, f"{file.url} line {number:,}", typed)
    except UnicodeDecodeError as exc:
        raise InvalidFile(f"{file.url}: not UTF-8 text ({exc.reason})") from None
    except csv.Error as exc:
        raise _bad(file, reader.line_num, f"not CSV ({exc})") from None
    except EOFError:
        raise InvalidFile(f"{file.url}: the gzip is truncated; copy the file again") from None
    except (gzip.BadGzipFile, zlib.error) as exc:
        raise InvalidFile(f"{file.url}: not a readable gzip file ({exc})") from None


def _parquet_items(
    file: ImportFile, raw: _Hashing, key: KeySchema
) -> Iterator[tuple[int, WireItem]]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise UsageProblem(
            f"{file.url}: reading Parquet needs pyarrow: pip install '{PARQUET_EXTRA}'"
        ) from None
    with tempfile.TemporaryFile() as local:  # pyarrow seeks: an S3 stream is copied first
        shutil.copyfileobj(raw, local, CHUNK)
        local.seek(0)
        try:
            parquet = pq.ParquetFile(local)
            number = 0
            for batch in parquet.iter_batches(batch_size=PAGE_ITEMS):
                for row in _parquet_rows(batch):
                    number += 1
                    where = f"{file.url} row {number:,}"
                    yield number, plain_item(row, key, where)
        except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
            if isinstance(exc, DynamoMagicError):
                raise
            raise InvalidFile(f"{file.url}: not a readable Parquet file ({exc})") from None


def _parquet_rows(batch: Any) -> list[dict[str, Any]]:
    """A record batch's rows as Python values; float32 (float16) columns' values as numpy's
    own scalars, which ``encoding`` writes as their shortest text (``to_pylist`` widens them
    to Python floats: 0.1 would be written 0.10000000149011612, as ``put_df`` never does)."""
    rows: list[dict[str, Any]] = batch.to_pylist()
    for name, column in zip(batch.schema.names, batch.columns, strict=True):
        if str(column.type) in ("float", "halffloat"):  # pyarrow's names of float32, float16
            narrow = column.to_numpy(zero_copy_only=False)
            for row, value in zip(rows, narrow, strict=True):
                if row[name] is not None:  # a null stays missing
                    row[name] = value
    return rows


def items(
    file: ImportFile,
    raw: _Hashing,
    key: KeySchema,
    strings: bool = False,
    checked: bool = False,
) -> Iterator[tuple[int, WireItem]]:
    """``(line or row number, item)`` of every item of ``file`` read from ``raw`` (its bytes),
    in wire form; a line that is not an item is an ``InvalidFile`` naming file and line.
    (Key attributes, sizes and duplicates are ``check``'s.) ``checked``: these bytes passed
    ``check`` already (``StoredFile.open`` refuses them changed), so DynamoDB JSON lines are
    taken as they are, without checking every typed value again."""
    if file.format == CSV:
        yield from _csv_items(file, raw, key, strings)
        return
    if file.format == PARQUET:
        yield from _parquet_items(file, raw, key)
        return
    kind = file.format
    decided = kind != DYNAMODB_JSON  # a JSON Lines file's kind: from its first item, once
    for number, line in _lines(file, raw):
        data = _json(file, number, line)
        if not decided:
            kind, decided = detect(data), True
        if kind == PLAIN_JSON:
            if not isinstance(data, dict):
                raise _bad(file, number, f"not an object: {short_repr(data)}")
            where = f"{file.url} line {number:,}"
            yield number, plain_item(data, key, where)
        elif checked:
            whole = "Item" in data and (kind == EXPORT or len(data) == 1)
            yield number, WireItem(data["Item"] if whole else data)
        else:
            yield number, _typed_item(file, number, data, export=kind == EXPORT)


def first_format(file: ImportFile) -> str:
    """The format of ``file`` as the plan states it (a JSON Lines file's kind from its first
    line; ``DYNAMODB_JSON`` for an empty one)."""
    if file.format != DYNAMODB_JSON:
        return file.format
    with file.file.open() as raw:
        for number, line in _lines(file, _Hashing(raw)):
            return detect(_json(file, number, line))
    return DYNAMODB_JSON


# -- the check before the first write -------------------------------------------------------------
def key_problem(item: WireItem, key: KeySchema) -> str | None:
    """What keeps ``item`` out of a table keyed by ``key`` (a key attribute missing, of
    another type or empty), or ``None``."""
    for attribute in (key.hash, key.range):
        if attribute is None:
            continue
        av = item.get(attribute.name)
        if av is None:
            return f"no key attribute {attribute.name!r} ({attribute.type})"
        tag = next(iter(av))
        if tag != attribute.type:
            return (
                f"key attribute {attribute.name!r} is {tag}; the table's key is "
                f"{attribute.type} ({short_repr(av[tag])})"
            )
        if av[tag] in ("", b""):
            return f"key attribute {attribute.name!r} is empty (DynamoDB refuses empty keys)"
    return None


compact_key = key_identity  # an item's key as short text, numbers by value (``origins``)


def _key_shown(item: WireItem, names: tuple[str, ...]) -> str:
    return ", ".join(f"{n}={next(iter(item[n].values()))!s}" for n in names)


def check(found: Found, key: KeySchema, strings: bool = False) -> Checked:
    """Read every file of ``found`` once, streaming, and check all of it before anything is
    written (see the module's docstring); returns each file's format and items.

    Raises
    ------
    InvalidFile
        The first problem, in one line naming the file and the line (for duplicate keys, each
        key with every row that holds it); ``FileChanged`` for a file changed while read.
    UsageProblem
        Parquet without pyarrow.
    """
    seen: set[str] = set()
    repeated: set[str] = set()
    names = key.names
    checks = []
    for file in found.files:
        kind = first_format(file)
        file = replace(file, format=kind)
        count = total = 0
        with file.file.open() as raw:
            hashing = _Hashing(raw)
            for number, item in items(file, hashing, key, strings):
                problem = key_problem(item, key)
                size = 0
                if problem is None:
                    size = item_size(item)
                    if size > MAX_ITEM_SIZE:
                        problem = (
                            f"the item is {size:,} bytes; DynamoDB stores at most "
                            f"{MAX_ITEM_SIZE:,} (400 KB)"
                        )
                if problem:
                    raise InvalidFile(f"{file.url} line {number:,}: {problem}")
                text = compact_key(item, names)
                if text in seen:
                    repeated.add(text)
                else:
                    seen.add(text)
                count += 1
                total += size
            hashing.drain()
        _check_manifest(file, count, hashing)
        checks.append(FileCheck(file, kind, count, total))
    if repeated:
        raise _duplicates(found, key, strings, repeated)
    return Checked(found, checks)


def _check_manifest(file: ImportFile, count: int, hashing: _Hashing) -> None:
    if file.md5 is not None:
        md5 = base64.b64encode(hashing.md5.digest()).decode()
        if md5 != file.md5:
            raise InvalidFile(
                f"{file.url}: its MD5 is {md5}, the manifest says {file.md5}: the file is "
                "damaged or was changed; copy it again"
            )
    if file.items is not None and count != file.items:
        raise InvalidFile(
            f"{file.url}: {count:,} items, the manifest says {file.items:,}: the file is "
            "incomplete or does not belong to this export"
        )


def _duplicates(found: Found, key: KeySchema, strings: bool, repeated: set[str]) -> InvalidFile:
    """The rows of each duplicate key (a second pass over the files, keeping only those)."""
    shown = sorted(repeated)[:SHOWN_DUPLICATES]
    rows: dict[str, list[str]] = {k: [] for k in shown}
    labels: dict[str, str] = {}
    for file in found.files:
        file = replace(file, format=first_format(file))
        with file.file.open() as raw:
            for number, item in items(file, _Hashing(raw), key, strings):
                text = compact_key(item, key.names)
                if text in rows:
                    rows[text].append(f"{file.file.name} line {number:,}")
                    labels[text] = _key_shown(item, key.names)
    listed = "; ".join(f"{labels[k]} ({', '.join(rows[k])})" for k in shown)
    more = len(repeated) - len(shown)
    return InvalidFile(
        f"{len(repeated):,} {'keys appear' if len(repeated) > 1 else 'key appears'} more than "
        f"once: {listed}"
        + (f"; and {more:,} more" if more > 0 else "")
        + " (an item per key: remove the repeats)"
    )


# -- the engine's source of one file ---------------------------------------------------------------
@dataclass(frozen=True)
class FileSource:
    """One checked file as the engine reads it in a worker (a ``sources.Source``): its items
    page by page (``PAGE_ITEMS`` at a time), exactly as ``check`` read them. ``segment``: the
    file's place in the import (names its checkpoints). Every page but the last carries
    ``last_key`` ``{"offset": {"N": "k"}}`` (items of the file done after it); a source made
    with that ``start_key`` skips those ``k`` items (a resume)."""

    file: ImportFile
    key: KeySchema
    segment: int = 0
    strings: bool = False
    start_key: Item | None = None

    def pages(self, policy: Any, channel: Channel) -> Iterator[Page]:
        skip = int(self.start_key[OFFSET]["N"]) if self.start_key else 0
        done = 0
        page: list[WireItem] = []
        held: list[WireItem] | None = None  # a full page, yielded once another item follows
        with self.file.file.open() as raw:
            for _, item in items(self.file, _Hashing(raw), self.key, self.strings, True):
                done += 1
                if done <= skip:
                    continue
                if held is not None:
                    yield Page(held, len(held), {OFFSET: {"N": str(done - 1 - len(page))}})
                    held = None
                    if channel.stopped():
                        return
                page.append(item)
                if len(page) >= PAGE_ITEMS:
                    held, page = page, []
        last = (held or []) + page
        if last:
            yield Page(last, len(last))


def sources(checked: Checked, key: KeySchema, strings: bool = False) -> list[FileSource]:
    """One source per checked file (empty files too: they read nothing)."""
    return [FileSource(f.file, key, segment, strings) for segment, f in enumerate(checked.files)]


def parse_key(spec: str) -> KeySchema:
    """A key schema written ``pk:S`` or ``pk:S,sk:N`` (for a table an import creates)."""
    parts = [p.strip() for p in spec.split(",") if p.strip()]
    attributes = []
    for part in parts:
        name, _, kind = part.rpartition(":")
        kind = kind.strip().upper()
        if not name or kind not in ("S", "N", "B"):
            raise UsageProblem(
                f"{{key}}: {literal(part)!r} is not NAME:TYPE (TYPE S, N or B), e.g. pk:S,sk:N",
                parameters=("key",),
            )
        attributes.append(KeyAttribute(name.strip(), kind))
    if not 1 <= len(attributes) <= 2:
        raise UsageProblem(
            "{key}: give the partition key and an optional sort key: pk:S,sk:N",
            parameters=("key",),
        )
    return KeySchema(attributes[0], attributes[1] if len(attributes) == 2 else None)


__all__ = [
    "CSV",
    "DYNAMODB_JSON",
    "EXPORT",
    "PARQUET",
    "PLAIN_JSON",
    "Checked",
    "Export",
    "FileSource",
    "Found",
    "ImportFile",
    "InvalidFile",
    "check",
    "csv_value",
    "locate",
    "parse_key",
    "sources",
]

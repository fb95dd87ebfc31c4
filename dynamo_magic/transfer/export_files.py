"""The files of an export in DynamoDB's own export format, in a local folder or an S3 bucket:
the sink every scan segment writes (``DataFileSink``), the manifests, where they go.

The layout is the one DynamoDB's export to S3 writes (its "table export output format"), so an
export of either kind can be read by the same importer; a local folder gets the same layout::

    DEST/AWSDynamoDB/<export id>/_started                 empty: DEST was writable
    DEST/AWSDynamoDB/<export id>/data/<name>.json.gz      one per scan segment (or slice)
    DEST/AWSDynamoDB/<export id>/manifest-files.json      one JSON line per data file
    DEST/AWSDynamoDB/<export id>/manifest-files.md5       its MD5 (hex); also as .checksum
    DEST/AWSDynamoDB/<export id>/manifest-summary.json    the export; written last
    DEST/AWSDynamoDB/<export id>/manifest-summary.md5     its MD5 (hex); also as .checksum

A data file is gzipped lines ``{"Item": {...}}``, each item in DynamoDB JSON exactly as the
wire gave it (``WireItem``: binaries as base64 text, numbers as their text): nothing is decoded
or converted. A segment without items writes a gzip file of no lines. Files are written page by
page (memory does not grow with the table), each segment's in its own worker; into a local
folder directly (as ``NAME.part``, renamed when whole), into S3 from a temporary file through
boto3's managed transfer (``upload_file``: multipart above ``MULTIPART_BYTES``).
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import json
import os
import secrets
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..dynamodb import clients
from ..dynamodb.retry import RetryPolicy
from ..environments import Environment
from ..errors import UsageProblem, literal, translate
from .channels import Channel
from .sources import Page

if TYPE_CHECKING:
    from .messages import TaskResult

EXPORT_FOLDER = "AWSDynamoDB"  # DynamoDB's folder of exports under the export prefix
MANIFEST_VERSION = "2020-06-30"  # the ``version`` of DynamoDB's manifest-summary.json
OUTPUT_FORMAT = "DYNAMODB_JSON"
EXPORT_TYPE = "FULL_EXPORT"
CHECKSUM_SUFFIXES = (".md5", ".checksum")  # each manifest's MD5, under both names
MULTIPART_BYTES = 64 * 1024 * 1024  # S3 uploads of larger files go in parts of this size
GZIP_LEVEL = 6  # zlib's default: about 4x smaller DynamoDB JSON at ~40 MB/s a core


def new_export_id() -> str:
    """An export id shaped like DynamoDB's: 14 digits of epoch milliseconds, a dash, 8 hex
    digits (``01712345678901-a1b2c3d4``)."""
    return f"{int(time.time() * 1000):014d}-{secrets.token_hex(4)}"


def md5_base64(digest: bytes) -> str:
    """An MD5 digest as manifest-files.json's ``md5Checksum`` writes it: base64 of its bytes."""
    return base64.b64encode(digest).decode()


@dataclass(frozen=True)
class Stored:
    """What storing a file gave: its ETag (S3's; a local file's is its MD5 in hex, as S3 gives
    a file uploaded in one part) and the server-side encryption S3 applied, if any."""

    etag: str
    sse_algorithm: str | None = None
    sse_kms_key_id: str | None = None


@dataclass(frozen=True)
class Destination:
    """Where an export goes: a local folder (``bucket`` ``None``, ``root`` its absolute path) or
    an S3 bucket and key prefix (``root``, ``""`` for the bucket's top), written with the
    credentials and endpoint of ``env`` (the storage environment). Small and picklable: every
    worker stores its own data file.

    Paths given to its methods are relative to the destination (``AWSDynamoDB/<id>/...``).
    """

    root: str
    bucket: str | None = None
    env: Environment | None = None

    @classmethod
    def parse(cls, to: str, env: Environment) -> Destination:
        """``to`` as given: ``s3://bucket[/prefix]`` or a local folder (``~`` expanded).

        Raises
        ------
        UsageProblem
            An empty destination, an ``s3://`` URL without a bucket.
        """
        text = str(to).strip()
        if not text:
            raise UsageProblem(
                "{to} is empty: give a folder or s3://bucket/prefix", parameters=("to",)
            )
        if text.lower().startswith("s3://"):
            bucket, _, prefix = text[5:].partition("/")
            if not bucket:
                raise UsageProblem(
                    f"{{to}} {literal(text)} names no bucket: give s3://bucket/prefix",
                    parameters=("to",),
                )
            return cls(prefix.strip("/"), bucket, env)
        return cls(str(Path(text).expanduser().absolute()))

    @property
    def url(self) -> str:
        """The destination as a user names it (``s3://bucket/prefix`` or the folder)."""
        return self.location("")

    def key(self, relative: str) -> str:
        """The S3 key (or the local path) of ``relative``."""
        if self.bucket is None:
            return str(Path(self.root, relative)) if relative else self.root
        return "/".join(part for part in (self.root, relative) if part)

    def manifest_key(self, relative: str) -> str:
        """How the manifests name a file: its S3 key (prefix included, as DynamoDB writes
        ``dataFileS3Key``); for a local folder, its path relative to the folder."""
        return self.key(relative) if self.bucket is not None else relative

    def location(self, relative: str) -> str:
        """A URL of ``relative`` for messages: ``s3://bucket/key`` or the local path."""
        if self.bucket is None:
            return self.key(relative)
        return f"s3://{self.bucket}/{self.key(relative)}".rstrip("/")

    def _s3(self) -> Any:
        assert self.env is not None, "an S3 destination has its storage environment"
        return clients.s3_client(self.env)

    def check(self, folder: str) -> None:
        """Refuse a destination the export cannot write, before anything is written: a local
        path that is a file or whose folder cannot be created or written; a bucket that does not
        exist or that ``env`` may not reach; an export folder ``folder`` that holds files.

        Raises
        ------
        UsageProblem
            With one line saying what to do.
        DynamoMagicError
            What S3 answered otherwise (``CredentialsMissing``, ``EndpointUnreachable``, ...).
        """
        if self.bucket is None:
            self._check_folder(folder)
        else:
            self._check_bucket(folder)

    def _check_folder(self, folder: str) -> None:
        root = Path(self.root)
        existing = next((p for p in (root, *root.parents) if p.exists()), None)
        if existing is None or not existing.is_dir():
            raise UsageProblem(
                f"{{to}} {literal(self.root)}: {literal(existing)} is a file, not a folder; "
                "give a folder",
                parameters=("to",),
            )
        if not os.access(existing, os.W_OK | os.X_OK):
            raise UsageProblem(
                f"{{to}} {literal(self.root)}: folder {literal(existing)} is not writable; "
                "give a folder you may write",
                parameters=("to",),
            )
        target = Path(self.key(folder))
        if target.exists() and any(target.iterdir()):
            raise UsageProblem(
                f"{{to}}: export folder {literal(target)} exists and holds files; "
                "give another destination",
                parameters=("to",),
            )

    def _check_bucket(self, folder: str) -> None:
        import botocore.exceptions as bx

        assert self.env is not None and self.bucket is not None
        where = f"bucket '{self.bucket}' in {self.env.describe()}"
        client = self._s3()
        try:
            client.head_bucket(Bucket=self.bucket)
            found = client.list_objects_v2(
                Bucket=self.bucket, Prefix=self.key(folder) + "/", MaxKeys=1
            )
        except bx.ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status == 404 or exc.response.get("Error", {}).get("Code") in (
                "404",
                "NoSuchBucket",
            ):
                raise UsageProblem(
                    f"{literal(where)} does not exist: create it, or give another {{to}} "
                    "(or {storage_env}: the environment whose account holds it)",
                    parameters=("to", "storage_env"),
                ) from exc
            if status == 403:
                raise UsageProblem(
                    f"{literal(where)}: access denied; give {{storage_env}}, an environment "
                    "whose credentials may write it",
                    parameters=("storage_env",),
                ) from exc
            raise translate(exc, f"check {where}") from exc
        except bx.BotoCoreError as exc:
            raise translate(exc, f"check {where}") from exc
        if found.get("KeyCount", 0):
            raise UsageProblem(
                f"{{to}}: {literal(self.location(folder))} holds files; give another destination",
                parameters=("to",),
            )

    def work_file(self, relative: str) -> Path:
        """Where a file is written before it is stored: beside its place (``NAME.part``) in a
        local folder, a new temporary file for S3."""
        if self.bucket is None:
            path = Path(self.key(relative))
            path.parent.mkdir(parents=True, exist_ok=True)
            return path.with_name(path.name + ".part")
        handle, name = tempfile.mkstemp(prefix="dynamo-export-", suffix=".json.gz")
        os.close(handle)
        return Path(name)

    def store(self, work: Path, relative: str, md5_hex: str) -> Stored:
        """Move the finished ``work`` file (``work_file``) to ``relative``: renamed into place
        locally, uploaded (and the temporary file removed) to S3.

        Raises
        ------
        DynamoMagicError
            S3 refused the upload (translated, naming the object).
        """
        if self.bucket is None:
            os.replace(work, self.key(relative))
            return Stored(md5_hex)
        from boto3.s3.transfer import TransferConfig

        key = self.key(relative)
        config = TransferConfig(
            multipart_threshold=MULTIPART_BYTES, multipart_chunksize=MULTIPART_BYTES
        )
        try:
            with _s3_errors(f"upload {self.location(relative)}"):
                self._s3().upload_file(str(work), self.bucket, key, Config=config)
        finally:
            work.unlink(missing_ok=True)
        return self._stored(relative)

    def put(self, data: bytes, relative: str) -> Stored:
        """Write ``data`` as the file ``relative`` (a manifest, ``_started``).

        Raises
        ------
        UsageProblem
            A local file that cannot be written.
        DynamoMagicError
            S3 refused it (translated, naming the object).
        """
        md5_hex = hashlib.md5(data).hexdigest()
        if self.bucket is None:
            path = Path(self.key(relative))
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            except OSError as exc:
                raise UsageProblem(
                    f"cannot write {literal(path)} ({literal(exc.strerror or exc)}); give "
                    "another {to}",
                    parameters=("to",),
                ) from exc
            return Stored(md5_hex)
        with _s3_errors(f"write {self.location(relative)}"):
            self._s3().put_object(Bucket=self.bucket, Key=self.key(relative), Body=data)
        return self._stored(relative)

    def kept_problem(self, relative: str, file: DataFile) -> str | None:
        """Why the data file ``relative``, stored by an earlier run of the export as ``file``,
        cannot be kept by a resume (``"missing"``, ``"changed (...)"``), or ``None``: it is
        there with the size and MD5 (local: read and hashed; S3: the ETag and size it reported
        when stored) saved in the checkpoint.

        Raises
        ------
        DynamoMagicError
            S3 answered otherwise than found or not found (translated, naming the object).
        """
        if self.bucket is None:
            path = Path(self.key(relative))
            if not path.is_file():
                return "missing"
            size = path.stat().st_size
            if size != file.size:
                return f"changed ({size:,} bytes, {file.size:,} when stored)"
            digest = hashlib.md5()
            with path.open("rb") as data:
                for chunk in iter(lambda: data.read(1 << 20), b""):
                    digest.update(chunk)
            return None if md5_base64(digest.digest()) == file.md5 else "changed (its MD5)"
        import botocore.exceptions as bx

        try:
            head = self._s3().head_object(Bucket=self.bucket, Key=self.key(relative))
        except bx.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return "missing"
            raise translate(exc, f"check {self.location(relative)}") from exc
        except bx.BotoCoreError as exc:
            raise translate(exc, f"check {self.location(relative)}") from exc
        size = int(head.get("ContentLength", -1))
        if size != file.size:
            return f"changed ({size:,} bytes, {file.size:,} when stored)"
        etag = str(head.get("ETag", "")).strip('"')
        return None if etag == file.etag else "changed (its ETag)"

    def _stored(self, relative: str) -> Stored:
        """The ETag and encryption S3 reports for the object just written."""
        with _s3_errors(f"read back {self.location(relative)}"):
            head = self._s3().head_object(Bucket=self.bucket, Key=self.key(relative))
        return Stored(
            str(head.get("ETag", "")).strip('"'),
            head.get("ServerSideEncryption"),
            head.get("SSEKMSKeyId"),
        )


@contextlib.contextmanager
def _s3_errors(context: str) -> Any:
    """botocore's errors of an S3 call as the package's, one line naming what was done."""
    import botocore.exceptions as bx

    try:
        yield
    except (bx.ClientError, bx.BotoCoreError) as exc:
        raise translate(exc, context) from exc


@dataclass(frozen=True)
class DataFile:
    """One data file of an export: a line of manifest-files.json (``manifest_line``).

    Parameters
    ----------
    segment : int
        The scan segment it holds (0 for a slice).
    key : str
        ``dataFileS3Key``: its S3 key, or its path relative to a local destination.
    items : int
        ``itemCount``: the lines (items) it holds.
    md5 : str
        ``md5Checksum``: base64 of the MD5 of the file's bytes (the gzip file).
    etag : str
        ``etag``: S3's ETag of the object (a local file: its MD5 in hex).
    size : int
        The file's size, in bytes.
    """

    segment: int
    key: str
    items: int
    md5: str
    etag: str
    size: int
    sse_algorithm: str | None = None
    sse_kms_key_id: str | None = None

    def manifest_line(self) -> str:
        """Its line of manifest-files.json, fields as DynamoDB writes them."""
        return json.dumps(
            {
                "itemCount": self.items,
                "md5Checksum": self.md5,
                "etag": self.etag,
                "dataFileS3Key": self.key,
            },
            separators=(",", ":"),
        )


class _Hashing:
    """A binary file that keeps the MD5 and size of what is written through it."""

    def __init__(self, raw: Any):
        self.raw = raw
        self.md5 = hashlib.md5()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.md5.update(data)
        self.size += len(data)
        written: int = self.raw.write(data)
        return written

    def flush(self) -> None:
        self.raw.flush()


@dataclass(frozen=True)
class DataFileSink:
    """Write every item of a task, as ``{"Item": ...}`` lines, into the gzip file ``relative``
    of ``destination`` (``AWSDynamoDB/<id>/data/<name>.json.gz``); the task's result gets the
    file's manifest entry (``TaskResult.files``)."""

    destination: Destination
    relative: str
    segment: int = 0

    def open(self, policy: RetryPolicy, channel: Channel) -> DataFileWriter:
        return DataFileWriter(self, channel)


class DataFileWriter:
    """An open ``DataFileSink``: a gzip stream into its work file, page by page (each page's
    items reported ``written`` as soon as they are in the stream); ``close`` finishes the file
    and stores it, unless the task was stopped (then the work file is removed: a stopped
    export writes no manifest, its data files are not an export)."""

    def __init__(self, sink: DataFileSink, channel: Channel):
        self.sink = sink
        self.channel = channel
        self.items = 0
        self.work = sink.destination.work_file(sink.relative)
        self._raw = self.work.open("wb")
        self._hashing = _Hashing(self._raw)
        self._gzip = gzip.GzipFile(
            filename="", mode="wb", fileobj=self._hashing, compresslevel=GZIP_LEVEL, mtime=0
        )

    def write(self, page: Page) -> None:
        if not page.items:
            return
        dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        lines = "".join(f'{{"Item":{dumps(item)}}}\n' for item in page.items)
        self._gzip.write(lines.encode("utf-8"))
        self.items += len(page.items)
        self.channel.progressed(len(page.items), "written")

    def close(self, result: TaskResult) -> None:
        self._gzip.close()
        self._raw.close()
        if result.stopped:
            self.work.unlink(missing_ok=True)
            return
        destination, relative = self.sink.destination, self.sink.relative
        md5 = self._hashing.md5.digest()
        stored = destination.store(self.work, relative, md5.hex())
        result.written += self.items
        result.files.append(
            DataFile(
                segment=self.sink.segment,
                key=destination.manifest_key(relative),
                items=self.items,
                md5=md5_base64(md5),
                etag=stored.etag,
                size=self._hashing.size,
                sse_algorithm=stored.sse_algorithm,
                sse_kms_key_id=stored.sse_kms_key_id,
            )
        )


def data_file_name(segment: int, total: int) -> str:
    """The name of segment ``segment``'s data file (of ``total``)."""
    return f"segment-{segment:05d}-of-{total:05d}.json.gz"


def write_manifests(
    destination: Destination, folder: str, files: list[DataFile], summary: dict[str, Any]
) -> str:
    """Write ``folder``'s manifest-files.json (a line per file, in segment order), then
    manifest-summary.json (``summary`` with ``manifestFilesS3Key`` and ``itemCount`` added),
    each followed by its MD5 files (hex, under ``CHECKSUM_SUFFIXES``). The summary comes last:
    a folder with one is a whole export. Returns the summary's location.

    Raises
    ------
    DynamoMagicError
        A file could not be written.
    """
    ordered = sorted(files, key=lambda f: f.segment)
    listing = "".join(f.manifest_line() + "\n" for f in ordered).encode()
    files_name = f"{folder}/manifest-files.json"
    _put_with_checksums(destination, listing, files_name)
    body = {
        **summary,
        "manifestFilesS3Key": destination.manifest_key(files_name),
        "itemCount": sum(f.items for f in ordered),
    }
    summary_name = f"{folder}/manifest-summary.json"
    _put_with_checksums(destination, json.dumps(body, indent=None).encode(), summary_name)
    return destination.location(summary_name)


def _put_with_checksums(destination: Destination, data: bytes, relative: str) -> None:
    destination.put(data, relative)
    md5_hex = hashlib.md5(data).hexdigest().encode()
    stem = relative.removesuffix(".json")
    for suffix in CHECKSUM_SUFFIXES:
        destination.put(md5_hex, stem + suffix)

"""Files to read, local or in S3: where an import's files are and how to stream their bytes.

A ``StoredFile`` is a small picklable description (it travels to a worker inside a task): a
local path, or an S3 object (bucket, key, the ``Environment`` whose credentials and endpoint
reach the bucket). ``open()`` streams its bytes (never a whole file in memory) and refuses a
file that changed since it was listed: an import checks every file before its first write and
reads it again to write it, so the second read must see the bytes the first one checked (the
local file's size and modification time, the S3 object's ETag, sent as ``IfMatch``).

``find(source, env)`` lists what a SRC names: one file, a folder (every file under it), a glob
(``data/*.csv``, ``**`` for any depth), each local or ``s3://bucket/prefix``.
"""

from __future__ import annotations

import fnmatch
import glob
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import botocore.exceptions as bx

from ..dynamodb import clients
from ..environments import Environment
from ..errors import UsageProblem, client_errors, literal, translate

S3_SCHEME = "s3://"
GLOB_CHARACTERS = "*?["


class FileChanged(UsageProblem):
    """A file changed between the import's check and its write."""


@dataclass(frozen=True)
class StoredFile:
    """One file: ``path`` (local) or ``bucket`` + ``key`` (S3, read as ``env``).

    ``size`` in bytes; ``version``: what identifies these bytes (an S3 ETag, a local file's
    modification time in nanoseconds), checked when the file is opened again.
    """

    path: str = ""
    bucket: str = ""
    key: str = ""
    env: Environment | None = None
    size: int = 0
    version: str = ""

    @property
    def url(self) -> str:
        """Where the file is, as a user writes it: a path or ``s3://bucket/key``."""
        return f"{S3_SCHEME}{self.bucket}/{self.key}" if self.bucket else self.path

    @property
    def name(self) -> str:
        """The file's own name (its last path part)."""
        return (self.key if self.bucket else self.path).rstrip("/").rsplit("/", 1)[-1]

    def sibling(self, relative: str) -> StoredFile:
        """The file at ``relative`` from this file's folder (not looked up: size unknown)."""
        if self.bucket:
            folder = self.key.rsplit("/", 1)[0] + "/" if "/" in self.key else ""
            return StoredFile(bucket=self.bucket, key=folder + relative, env=self.env)
        return StoredFile(path=os.path.join(os.path.dirname(self.path), relative))

    def stat(self) -> StoredFile:
        """This file with its size and version as stored now (``UsageProblem`` if missing)."""
        if self.bucket:
            with client_errors(f"read {self.url}"):
                try:
                    head = _s3(self.env).head_object(Bucket=self.bucket, Key=self.key)
                except bx.ClientError as exc:
                    if _missing(exc):
                        raise UsageProblem(f"{self.url}: no such file") from None
                    raise
            return StoredFile(
                bucket=self.bucket,
                key=self.key,
                env=self.env,
                size=int(head["ContentLength"]),
                version=str(head["ETag"]),
            )
        try:
            info = os.stat(self.path)
        except OSError as exc:
            raise UsageProblem(f"{self.path}: {exc.strerror or exc}") from None
        return StoredFile(path=self.path, size=info.st_size, version=str(info.st_mtime_ns))

    def exists(self) -> bool:
        """The file is there (S3: a HEAD answers; local: a regular file)."""
        try:
            self.stat()
        except UsageProblem:
            return False
        return True

    def open(self) -> IO[bytes]:
        """The file's bytes as a stream (read in chunks; close it). With a ``version``, a file
        that changed since it was listed is refused (``FileChanged``)."""
        if self.bucket:
            request: dict[str, Any] = {"Bucket": self.bucket, "Key": self.key}
            if self.version:
                request["IfMatch"] = self.version
            with client_errors(f"read {self.url}"):
                try:
                    body: IO[bytes] = _s3(self.env).get_object(**request)["Body"]
                except bx.ClientError as exc:
                    if "PreconditionFailed" in str(exc) or _status(exc) == 412:
                        raise self._changed() from None
                    if _missing(exc):
                        raise UsageProblem(f"{self.url}: no such file") from None
                    raise
            return body
        try:
            stream = open(self.path, "rb")  # noqa: SIM115 - the caller closes it
        except OSError as exc:
            raise UsageProblem(f"{self.path}: {exc.strerror or exc}") from None
        if self.version and str(os.fstat(stream.fileno()).st_mtime_ns) != self.version:
            stream.close()
            raise self._changed()
        return stream

    def read_bytes(self) -> bytes:
        """The whole file (for small files only: manifests, checksum files)."""
        with self.open() as stream:
            return stream.read()

    def _changed(self) -> FileChanged:
        return FileChanged(
            f"{self.url} changed after it was checked; run the import again to check it anew"
        )


def _s3(env: Environment | None) -> Any:
    if env is None:
        raise UsageProblem("an s3:// location needs an environment to reach its bucket")
    return clients.s3_client(env)


def _status(exc: bx.ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


def _missing(exc: bx.ClientError) -> bool:
    code = exc.response.get("Error", {}).get("Code", "")
    return code in ("NoSuchKey", "404", "NotFound") or _status(exc) == 404


def split_s3(url: str) -> tuple[str, str]:
    """``s3://bucket/prefix`` as ``(bucket, prefix)``; ``UsageProblem`` without a bucket."""
    rest = url[len(S3_SCHEME) :]
    bucket, _, prefix = rest.partition("/")
    if not bucket:
        raise UsageProblem(f"{url!r} names no bucket: write s3://bucket/prefix")
    return bucket, prefix


def find(source: str, env: Environment | None) -> list[StoredFile]:
    """Every file ``source`` names, sorted by location: the file itself, every file under a
    folder or prefix (at any depth), or every file a glob matches. Raises ``UsageProblem``
    naming ``source`` when it names nothing."""
    found = _find_s3(source, env) if source.startswith(S3_SCHEME) else _find_local(source)
    if not found:
        raise UsageProblem(f"{source}: no such file or folder, or nothing in it")
    return sorted(found, key=lambda f: f.url)


def _find_local(source: str) -> list[StoredFile]:
    if any(c in source for c in GLOB_CHARACTERS):
        paths = [p for p in glob.glob(source, recursive=True) if os.path.isfile(p)]
    elif os.path.isdir(source):
        paths = [
            os.path.join(folder, name)
            for folder, _, names in os.walk(source)
            for name in names
            if not name.startswith(".")
        ]
    elif os.path.isfile(source):
        paths = [source]
    else:
        return []
    return [StoredFile(path=p).stat() for p in paths]


def _find_s3(source: str, env: Environment | None) -> list[StoredFile]:
    bucket, prefix = split_s3(source)
    pattern = None
    if any(c in prefix for c in GLOB_CHARACTERS):
        pattern = prefix
        cut = min(prefix.find(c) for c in GLOB_CHARACTERS if c in prefix)
        prefix = prefix[:cut]
    objects = list(_list_objects(env, bucket, prefix))
    if pattern is not None:
        objects = [o for o in objects if fnmatch.fnmatchcase(o["Key"], pattern)]
    elif prefix and not prefix.endswith("/"):
        # "s3://b/x" is the object x, or the folder x/ (never x1, x2: another name)
        exact = [o for o in objects if o["Key"] == prefix]
        objects = exact or [o for o in objects if o["Key"].startswith(prefix + "/")]
    return [
        StoredFile(bucket=bucket, key=o["Key"], env=env, size=o["Size"], version=o["ETag"])
        for o in objects
        if not o["Key"].endswith("/")
    ]


def _list_objects(env: Environment | None, bucket: str, prefix: str) -> Iterator[dict[str, Any]]:
    """The objects under ``prefix``; a bucket that does not exist or may not be listed is
    one line of advice (which environment reaches it), as an export's check says it."""
    try:
        pages = _s3(env).get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        for page in pages:
            yield from page.get("Contents", [])
    except bx.ClientError as exc:
        where = f"bucket '{bucket}'" + (f" in {env.describe()}" if env is not None else "")
        code = exc.response.get("Error", {}).get("Code")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code == "NoSuchBucket" or status == 404:
            raise UsageProblem(
                f"{literal(where)} does not exist: check the name in {{source}}, or give "
                "{storage_env}: the environment whose account holds it",
                parameters=("source", "storage_env"),
            ) from exc
        if code == "AccessDenied" or status == 403:
            raise UsageProblem(
                f"{literal(where)}: access denied; give {{storage_env}}, an environment whose "
                "credentials may read it",
                parameters=("storage_env",),
            ) from exc
        raise translate(exc, f"list s3://{bucket}/{prefix}") from exc
    except bx.BotoCoreError as exc:
        raise translate(exc, f"list s3://{bucket}/{prefix}") from exc

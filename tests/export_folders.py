"""Export folders in DynamoDB's documented layout, built by the tests themselves (as AWS's export
to S3 writes them: ``[prefix/]AWSDynamoDB/<export id>/`` with ``manifest-summary.json``,
``manifest-files.json``, their checksum files, ``_started`` and ``data/*.json.gz``), so an
import is tested without depending on ``dynamo export``."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

EXPORT_ID = "01700000000000-a1b2c3d4"
TABLE_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"


def gzipped_lines(items: list[dict[str, Any]]) -> bytes:
    """The bytes of a data file: gzipped ``{"Item": ...}`` lines."""
    text = "".join(json.dumps({"Item": item}) + "\n" for item in items)
    return gzip.compress(text.encode())


def write_export(
    root: Path,
    files: list[list[dict[str, Any]]],
    *,
    export_id: str = EXPORT_ID,
    prefix: str = "",
    checksum: str = ".md5",
    hex_checksums: bool = True,
) -> Path:
    """An export of ``files`` (each a list of items, DynamoDB JSON) under ``root``; returns the
    export's folder. ``prefix``: the S3 prefix the keys in the manifests carry (``"exports/"``)."""
    folder = root / "AWSDynamoDB" / export_id
    (folder / "data").mkdir(parents=True)
    (folder / "_started").write_bytes(b"")
    lines = []
    for number, items in enumerate(files):
        data = gzipped_lines(items)
        name = f"{number:04d}abcdefghij.json.gz"
        (folder / "data" / name).write_bytes(data)
        digest = hashlib.md5(data)
        entry = {
            "itemCount": len(items),
            "md5Checksum": base64.b64encode(digest.digest()).decode(),
            "etag": digest.hexdigest(),
            "dataFileS3Key": f"{prefix}AWSDynamoDB/{export_id}/data/{name}",
        }
        lines.append(json.dumps(entry))
    listing = ("\n".join(lines) + "\n").encode()
    summary = {
        "version": "2020-06-30",
        "exportArn": f"{TABLE_ARN}/export/{export_id}",
        "startTime": "2026-12-07T10:00:00.000Z",
        "endTime": "2026-12-07T10:05:00.000Z",
        "tableArn": TABLE_ARN,
        "tableId": "12345a12-abcd-123a-ab12-1234abc12345",
        "exportTime": "2026-12-07T10:00:00.000Z",
        "s3Bucket": "exports",
        "s3Prefix": prefix.rstrip("/") or None,
        "s3SseAlgorithm": "AES256",
        "s3SseKmsKeyId": None,
        "manifestFilesS3Key": f"{prefix}AWSDynamoDB/{export_id}/manifest-files.json",
        "billedSizeBytes": 0,
        "itemCount": sum(map(len, files)),
        "outputFormat": "DYNAMODB_JSON",
        "exportType": "FULL_EXPORT",
    }
    summary_bytes = json.dumps(summary, indent=2).encode()
    for name, data in (("manifest-files", listing), ("manifest-summary", summary_bytes)):
        (folder / f"{name}.json").write_bytes(data)
        digest = hashlib.md5(data)
        text = digest.hexdigest() if hex_checksums else base64.b64encode(digest.digest()).decode()
        (folder / f"{name}{checksum}").write_text(text)
    return folder


def upload(client: Any, root: Path, bucket: str, prefix: str = "") -> None:
    """Every file under ``root`` to ``s3://bucket/prefix``, at the same relative keys."""
    for path in sorted(root.rglob("*")):
        if path.is_file():
            client.put_object(
                Bucket=bucket,
                Key=prefix + path.relative_to(root).as_posix(),
                Body=path.read_bytes(),
            )


def data_files(folder: Path) -> list[Path]:
    """The export's data files, in order."""
    return sorted((folder / "data").glob("*.json.gz"))

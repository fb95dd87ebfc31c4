"""The import's checks before its first write, on files as they are found (local folders; S3 in
tests/test_import.py): every refusal is one line naming the file and the line."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from export_folders import data_files, gzipped_lines, write_export

from dynamo_magic.errors import UsageProblem
from dynamo_magic.schema import KeyAttribute, KeySchema
from dynamo_magic.transfer import import_files
from dynamo_magic.transfer.import_files import (
    CSV,
    DYNAMODB_JSON,
    EXPORT,
    PLAIN_JSON,
    InvalidFile,
    check,
    csv_value,
    locate,
)

KEY = KeySchema(KeyAttribute("pk", "S"), KeyAttribute("sk", "N"))


def item(pk: str, sk: int, **more: Any) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"N": str(sk)}, **more}


FILES = [
    [item("a", 1, v={"S": "x"}), item("a", 2, b={"B": "AAE="})],
    [],  # an empty segment: an empty gzip file
    [item("b", 1, m={"M": {"n": {"N": "12345678901234567890123456789012345678"}}})],
]


def checked(source: Path | str, key: KeySchema = KEY, strings: bool = False) -> Any:
    return check(locate(str(source), None), key, strings)


@pytest.fixture
def src(tmp_path: Path) -> Path:
    """An empty folder for the test's files (``tmp_path`` holds the test's AWS config too)."""
    folder = tmp_path / "src"
    folder.mkdir()
    return folder


def one_line(error: pytest.ExceptionInfo[BaseException]) -> str:
    text = str(error.value)
    assert "\n" not in text
    return text


# -- export folders ------------------------------------------------------------------------------
def test_an_export_is_found_under_its_parent_and_every_file_checked(src: Path) -> None:
    folder = write_export(src / "dump", FILES)
    for source in (folder, src / "dump", src, folder / "manifest-summary.json"):
        result = checked(source)
        assert result.found.export is not None
        assert result.found.export.export_id == folder.name
        assert [f.items for f in result.files] == [2, 0, 1]
        assert {f.format for f in result.files} == {EXPORT}
        assert result.items == 3


def test_aws_layout_with_prefix_and_checksum_files(src: Path) -> None:
    """Keys in the manifests carry the S3 prefix the export went to; .checksum files hold a
    base64 MD5: both read."""
    folder = write_export(src, FILES, prefix="2026-Dec/", checksum=".checksum", hex_checksums=False)
    assert checked(folder).items == 3


def test_export_items_are_read_exactly(src: Path) -> None:
    folder = write_export(src, FILES)
    found = locate(str(folder), None)
    read = [
        item
        for f in import_files.sources(check(found, KEY), KEY)
        for page in f.pages(None, _NoStop())
        for item in page.items
    ]
    assert read == [i for items in FILES for i in items]


class _NoStop:
    def stopped(self) -> bool:
        return False


def test_bad_md5_is_refused_naming_the_file(src: Path) -> None:
    folder = write_export(src, FILES)
    last = data_files(folder)[2]
    # the same items, written again with another compression level: other bytes, other MD5
    text = gzip.decompress(last.read_bytes())
    last.write_bytes(gzip.compress(text, compresslevel=1, mtime=1))
    with pytest.raises(InvalidFile) as error:
        checked(folder)
    assert last.name in one_line(error) and "MD5" in one_line(error)


def test_a_file_whose_count_differs_from_the_manifest_is_refused(src: Path) -> None:
    folder = write_export(src, FILES)
    listing = folder / "manifest-files.json"
    entries = [json.loads(line) for line in listing.read_text().splitlines()]
    entries[0]["itemCount"] = 3
    listing.write_text("".join(json.dumps(e) + "\n" for e in entries))
    (folder / "manifest-files.md5").unlink()
    summary = json.loads((folder / "manifest-summary.json").read_text())
    summary["itemCount"] = 4
    (folder / "manifest-summary.json").write_text(json.dumps(summary))
    (folder / "manifest-summary.md5").unlink()
    with pytest.raises(InvalidFile) as error:
        checked(folder)
    assert data_files(folder)[0].name in one_line(error)
    assert "2 items, the manifest says 3" in one_line(error)


def test_summary_count_against_the_files_manifest(src: Path) -> None:
    folder = write_export(src, FILES)
    summary = json.loads((folder / "manifest-summary.json").read_text())
    summary["itemCount"] = 99
    (folder / "manifest-summary.json").write_text(json.dumps(summary))
    (folder / "manifest-summary.md5").unlink()
    with pytest.raises(InvalidFile) as error:
        checked(folder)
    assert "itemCount 99" in one_line(error)


def test_a_manifest_that_does_not_match_its_checksum_file(src: Path) -> None:
    folder = write_export(src, FILES)
    (folder / "manifest-files.json").write_text((folder / "manifest-files.json").read_text() + "\n")
    with pytest.raises(InvalidFile) as error:
        checked(folder)
    assert "manifest-files.json" in one_line(error) and "manifest-files.md5" in one_line(error)


def test_truncated_gzip_is_refused(src: Path) -> None:
    items = [item("a", n, v={"S": "x" * 100}) for n in range(200)]
    folder = write_export(src, [items])
    (data,) = data_files(folder)
    data.write_bytes(data.read_bytes()[:-200])
    with pytest.raises(InvalidFile) as error:
        checked(folder)
    assert data.name in one_line(error) and "truncated" in one_line(error)


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("not json", "not JSON"),
        ('{"pk": {"S": "a"}, "sk": {"N": "3"}}', 'no "Item"'),
        ('{"Item": {"pk": {"S": "a"}, "sk": {"N": "x3"}}}', "not a number"),
        ('{"Item": {"pk": {"S": "a"}, "sk": {"N": "3"}, "s": {"SS": []}}}', "empty set"),
        ('{"Item": {"pk": {"S": "a"}, "sk": {"N": "3"}, "t": {"Q": 1}}}', "unknown type"),
    ],
)
def test_a_bad_line_is_refused_naming_file_and_line(src: Path, line: str, says: str) -> None:
    folder = write_export(src, [[item("a", 1), item("a", 2)]])
    (data,) = data_files(folder)
    text = gzip.decompress(data.read_bytes()).decode() + line + "\n"
    _rewrite(folder, data, text.encode())
    with pytest.raises(InvalidFile) as error:
        checked(folder)
    assert f"{data.name} line 3" in one_line(error) and says in one_line(error)


def _rewrite(folder: Path, data: Path, text: bytes) -> None:
    """Replace a data file and fix its manifest entry (MD5, count), so only the line is bad."""
    import base64
    import hashlib

    body = gzip.compress(text)
    data.write_bytes(body)
    listing = folder / "manifest-files.json"
    entries = [json.loads(line) for line in listing.read_text().splitlines()]
    for entry in entries:
        if entry["dataFileS3Key"].endswith(data.name):
            entry["md5Checksum"] = base64.b64encode(hashlib.md5(body).digest()).decode()
            entry["itemCount"] = text.decode().count("\n")
    listing.write_text("".join(json.dumps(e) + "\n" for e in entries))
    (folder / "manifest-files.md5").unlink()
    summary = json.loads((folder / "manifest-summary.json").read_text())
    summary["itemCount"] = sum(e["itemCount"] for e in entries)
    (folder / "manifest-summary.json").write_text(json.dumps(summary))
    (folder / "manifest-summary.md5").unlink()


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        ({"sk": {"N": "9"}}, "no key attribute 'pk'"),
        ({"pk": {"N": "1"}, "sk": {"N": "9"}}, "key attribute 'pk' is N; the table's key is S"),
        ({"pk": {"S": ""}, "sk": {"N": "9"}}, "empty"),
        ({"pk": {"S": "a"}, "sk": {"N": "9"}, "big": {"S": "x" * 410_000}}, "409,6"),
    ],
)
def test_items_the_table_would_refuse(src: Path, bad: dict[str, Any], says: str) -> None:
    folder = write_export(src, [[item("a", 1)], [item("b", 1), bad]])
    with pytest.raises(InvalidFile) as error:
        checked(folder)
    assert f"{data_files(folder)[1].name} line 2" in one_line(error)
    assert says in one_line(error)


def test_duplicate_keys_across_files_name_every_row(src: Path) -> None:
    folder = write_export(
        src, [[item("a", 1), item("b", 1)], [item("c", 1), item("a", 1, v={"S": "2"})]]
    )
    with pytest.raises(InvalidFile) as error:
        checked(folder)
    first, second = (f.name for f in data_files(folder))
    assert one_line(error).startswith("1 key appear")
    assert f"pk=a, sk=1 ({first} line 1, {second} line 2)" in one_line(error)


def test_two_exports_under_one_source_are_refused(src: Path) -> None:
    write_export(src, FILES)
    write_export(src, FILES, export_id="01700000000001-ffffffff")
    with pytest.raises(UsageProblem) as error:
        checked(src)
    assert "2 exports" in one_line(error)


@pytest.mark.parametrize(
    ("field", "value"), [("outputFormat", "ION"), ("exportType", "INCREMENTAL_EXPORT")]
)
def test_exports_an_import_cannot_read(src: Path, field: str, value: str) -> None:
    folder = write_export(src, FILES)
    summary = json.loads((folder / "manifest-summary.json").read_text())
    summary[field] = value
    (folder / "manifest-summary.json").write_text(json.dumps(summary))
    (folder / "manifest-summary.md5").unlink()
    with pytest.raises(UsageProblem) as error:
        checked(folder)
    assert value in one_line(error)


def test_a_missing_data_file_is_refused(src: Path) -> None:
    folder = write_export(src, FILES)
    data_files(folder)[1].unlink()
    with pytest.raises(InvalidFile) as error:
        checked(folder)
    assert "missing" in one_line(error) and "manifest-files.json line 2" in one_line(error)


# -- JSON Lines, CSV ---------------------------------------------------------------------------
def test_json_lines_kind_is_detected_per_file(src: Path) -> None:
    (src / "a.jsonl").write_text(json.dumps(item("a", 1)) + "\n")
    (src / "b.ndjson").write_text(json.dumps({"Item": item("b", 1)}) + "\n")
    (src / "c.json").write_text('{"pk": "c", "sk": 1, "price": 0.1, "tags": ["x", null]}\n')
    result = checked(src)
    assert [(Path(f.file.url).name, f.format) for f in result.files] == [
        ("a.jsonl", DYNAMODB_JSON),
        ("b.ndjson", DYNAMODB_JSON),
        ("c.json", PLAIN_JSON),
    ]
    (c,) = import_files.sources(result, KEY)[2:]
    (page,) = c.pages(None, _NoStop())
    assert page.items == [
        {
            "pk": {"S": "c"},
            "sk": {"N": "1"},
            "price": {"N": "0.1"},
            "tags": {"L": [{"S": "x"}, {"NULL": True}]},
        }
    ]


def test_plain_json_keys_typed_from_the_table_and_nulls_left_out(src: Path) -> None:
    (src / "x.jsonl.gz").write_bytes(
        gzip.compress(b'{"pk": 7, "sk": "12", "gone": null, "n": 12345678901234567890.5}\n')
    )
    result = checked(src)
    (source,) = import_files.sources(result, KEY)
    (page,) = source.pages(None, _NoStop())
    assert page.items == [
        {"pk": {"S": "7"}, "sk": {"N": "12"}, "n": {"N": "12345678901234567890.5"}}
    ]


def test_plain_json_wrong_key_type_is_refused(src: Path) -> None:
    (src / "x.jsonl").write_text('{"pk": "a", "sk": 1}\n{"pk": "a", "sk": "two"}\n')
    with pytest.raises(InvalidFile) as error:
        checked(src)
    assert "x.jsonl line 2" in one_line(error) and "'sk'" in one_line(error)


CSV_TEXT = (
    "pk,sk,price,zip,flag,Flag,note,big,exp\n"
    "a,1,1.50,007,true,True,,123456789012345678901234567890123456789,1e5\n"
    'b,2,-3,0,false,yes,"x, y",12,+1\n'
)


def test_csv_types(src: Path) -> None:
    (src / "t.csv").write_text(CSV_TEXT)
    result = checked(src)
    assert [(f.format, f.items) for f in result.files] == [(CSV, 2)]
    (source,) = import_files.sources(result, KEY)
    (page,) = source.pages(None, _NoStop())
    assert page.items[0] == {
        "pk": {"S": "a"},
        "sk": {"N": "1"},
        "price": {"N": "1.5"},  # DynamoDB's canonical form, as it stores it
        "zip": {"S": "007"},
        "flag": {"BOOL": True},
        "Flag": {"S": "True"},
        "big": {"S": "123456789012345678901234567890123456789"},  # 39 digits: text
        "exp": {"S": "1e5"},
    }
    assert page.items[1]["note"] == {"S": "x, y"} and page.items[1]["exp"] == {"S": "+1"}
    assert page.items[1]["zip"] == {"N": "0"} and page.items[1]["flag"] == {"BOOL": False}


def test_csv_strings_keeps_every_non_key_cell_as_text(src: Path) -> None:
    (src / "t.csv").write_text(CSV_TEXT)
    (source,) = import_files.sources(checked(src, strings=True), KEY, strings=True)
    (page,) = source.pages(None, _NoStop())
    assert page.items[0]["sk"] == {"N": "1"}  # a key keeps the table's type
    assert page.items[0]["price"] == {"S": "1.50"} and page.items[0]["flag"] == {"S": "true"}


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("pk,v\na,1\n", "no column for the key attribute 'sk'"),
        ("pk,sk\na,1\nb,x\n", "t.csv line 3"),
        ("pk,sk\na,1\n,2\n", "t.csv line 3: key attribute 'pk' is empty"),
        ("pk,sk,v\na,1,2\na,1,3\n", "pk=a, sk=1 (t.csv line 2, t.csv line 3)"),
        ("pk,sk\na,1,9\n", "t.csv line 2: 3 cells for 2 columns"),
    ],
)
def test_csv_refusals(src: Path, text: str, says: str) -> None:
    (src / "t.csv").write_text(text)
    with pytest.raises(InvalidFile) as error:
        checked(src)
    assert says in one_line(error)


def test_csv_value_rules() -> None:
    assert csv_value("") is None
    assert csv_value("0.5") == {"N": "0.5"}
    assert csv_value("-0") == {"N": "0"}  # DynamoDB's canonical form, as it stores them
    assert csv_value("100.0") == {"N": "100"} and csv_value("1.50") == {"N": "1.5"}
    for text in ("00", "1.", ".5", "1e3", "NaN", "inf", " 1", "TRUE", "null"):
        assert csv_value(text) == {"S": text}


def test_unknown_files_are_refused(src: Path) -> None:
    (src / "a.csv").write_text("pk,sk\na,1\n")
    (src / "notes.txt").write_text("hello")
    with pytest.raises(UsageProblem) as error:
        checked(src)
    assert "notes.txt" in one_line(error)


def test_a_glob_names_files(src: Path) -> None:
    (src / "a.csv").write_text("pk,sk\na,1\n")
    (src / "b.csv").write_text("pk,sk\nb,1\n")
    (src / "notes.txt").write_text("hello")
    assert checked(src / "*.csv").items == 2


def test_nothing_there(src: Path) -> None:
    with pytest.raises(UsageProblem) as error:
        checked(src / "nope")
    assert "nope" in one_line(error)


def test_a_file_changed_after_the_check_is_not_read(src: Path) -> None:
    (src / "a.jsonl").write_text(json.dumps(item("a", 1)) + "\n")
    result = checked(src)
    (src / "a.jsonl").write_text(json.dumps(item("z", 1)) + "\n")
    import os

    os.utime(src / "a.jsonl", ns=(1, 1))
    (source,) = import_files.sources(result, KEY)
    with pytest.raises(UsageProblem) as error:
        list(source.pages(None, _NoStop()))
    assert "changed after it was checked" in one_line(error)


def test_parquet(src: Path) -> None:
    pa = pytest.importorskip("pyarrow")  # the test extra installs it: never skipped in CI
    import datetime
    from decimal import Decimal

    import pyarrow.parquet as pq

    table = pa.table(
        {
            "pk": ["a", "b"],
            "sk": [1, 2],
            "price": [0.1, None],
            "exact": pa.array([Decimal("1.10"), Decimal("2")], pa.decimal128(5, 2)),
            "ok": [True, False],
            "blob": [b"\x00\x01", None],
            "tags": [["x", "y"], []],
            "when": [datetime.datetime(2026, 1, 2, 3, 4, 5), None],
        }
    )
    pq.write_table(table, src / "t.parquet")
    result = checked(src)
    (source,) = import_files.sources(result, KEY)
    (page,) = source.pages(None, _NoStop())
    assert page.items == [
        {
            "pk": {"S": "a"},
            "sk": {"N": "1"},
            "price": {"N": "0.1"},
            "exact": {"N": "1.1"},  # the encoder writes DynamoDB's canonical form
            "ok": {"BOOL": True},
            "blob": {"B": "AAE="},
            "tags": {"L": [{"S": "x"}, {"S": "y"}]},
            "when": {"S": "2026-01-02T03:04:05"},
        },
        {
            "pk": {"S": "b"},
            "sk": {"N": "2"},
            "exact": {"N": "2"},
            "ok": {"BOOL": False},
            "tags": {"L": []},
        },
    ]


def test_gzipped_lines_helper_matches_the_layout() -> None:
    assert gzip.decompress(gzipped_lines([item("a", 1)])).decode().startswith('{"Item": ')


def test_file_pages_carry_offsets_and_a_resume_starts_after_one(src: Path) -> None:
    (src / "a.jsonl").write_text("".join(json.dumps(item("a", n)) + "\n" for n in range(2500)))
    (source,) = import_files.sources(checked(src), KEY)
    pages = list(source.pages(None, _NoStop()))
    assert [(p.count, p.last_key) for p in pages] == [
        (1000, {"offset": {"N": "1000"}}),
        (1000, {"offset": {"N": "2000"}}),
        (500, None),
    ]
    resumed = replace(source, start_key={"offset": {"N": "1000"}})
    pages = list(resumed.pages(None, _NoStop()))
    assert [p.count for p in pages] == [1000, 500]
    assert pages[0].items[0] == item("a", 1000)


def test_a_json_lines_file_keeps_the_kind_of_its_first_item(src: Path) -> None:
    """A DynamoDB JSON file whose later line is plain JSON is refused at that line (its kind
    is decided once, from the first item), not read as two kinds."""
    (src / "a.jsonl").write_text(json.dumps(item("a", 1)) + "\n" + '{"pk": "b", "sk": 2}\n')
    with pytest.raises(InvalidFile) as error:
        checked(src)
    assert "a.jsonl line 2" in one_line(error) and "not a typed value" in one_line(error)

"""The example notebooks (``notebooks/``) run top to bottom against the demo, in a real kernel.

The demo (two moto servers, ``demo-prod`` and ``demo-dev``, each with the table ``shop``) is
started once for the module; each notebook gets freshly seeded data. Every notebook is executed
with nbclient, whose kernel inherits the demo's variables (``AWS_CONFIG_FILE`` ...), and any
error fails the test. What the cells show is compared with what the servers hold, read with plain
boto3 clients (the test's own view, not dynamo_magic's).
"""

from __future__ import annotations

import ast
import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NAMES = ("quickstart.ipynb", "copy.ipynb", "api.ipynb")
TABLE = "shop"

Key = tuple[str, str]


# ---- the demo, its data as the servers hold it ----------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from dynamo_magic.demo import start_demo

    started = start_demo(tmp_path_factory.mktemp("demo"))
    try:
        yield started
    finally:
        started.stop()


def reseed(demo: Any) -> None:
    """Both servers emptied and seeded again: each notebook starts from the same data."""
    from dynamo_magic.demo import data

    demo.prod.reset()
    demo.dev.reset()
    data.seed(demo.prod.client(), demo.dev.client())


def comparable(value: Any) -> Any:
    """A typed value as boto3's client returns it, with sets sorted (a set has no order)."""
    if isinstance(value, dict):
        return {
            k: sorted(v) if k in ("SS", "NS", "BS") else comparable(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [comparable(v) for v in value]
    return value


def scan_items(client: Any, table: str = TABLE) -> dict[Key, dict[str, Any]]:
    """Every item of ``table`` by its key, as boto3's client returns them (sets sorted)."""
    items: dict[Key, dict[str, Any]] = {}
    for page in client.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        for item in page["Items"]:
            items[(item["pk"]["S"], item["sk"]["S"])] = comparable(item)
    return items


def query_keys(client: Any, pk: str, **extra: Any) -> list[Key]:
    """The keys of a query of partition ``pk`` (a ``status`` for the GSI ``by_status``), in the
    server's order."""
    index = extra.pop("IndexName", None)
    key_name = "status" if index == "by_status" else "pk"
    request: dict[str, Any] = {
        "TableName": TABLE,
        "KeyConditionExpression": f"#k = :v{extra.pop('condition', '')}",
        "ExpressionAttributeNames": {"#k": key_name, **extra.pop("names", {})},
        "ExpressionAttributeValues": {":v": {"S": pk}, **extra.pop("values", {})},
        **extra,
    }
    if index:
        request["IndexName"] = index
    items = client.query(**request)["Items"]
    return [(i["pk"]["S"], i["sk"]["S"]) for i in items]


# ---- running a notebook ---------------------------------------------------------------------


@pytest.fixture
def run(demo: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``run(name, checks)``: the notebook executed (with ``checks`` appended as code cells) in
    a kernel that sees the demo's environments. The caller seeds."""
    import nbclient

    for name, value in demo.variables.items():
        monkeypatch.setenv(name, value)
    # as under `make demo` (no activated venv): the `dynamo` command's folder first, as the demo
    # puts it on its JupyterLab's PATH
    bin_dir = str(Path(sys.executable).parent)
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p != bin_dir]
    monkeypatch.setenv("PATH", os.pathsep.join([bin_dir, *path]))

    def execute(name: str | Path, checks: list[str]) -> nbformat.NotebookNode:
        notebook = nbformat.read(NOTEBOOKS / name, as_version=4)  # a Path: that file
        notebook.cells += [nbformat.v4.new_code_cell(source) for source in checks]
        client = nbclient.NotebookClient(
            notebook,
            timeout=600,
            kernel_name="python3",
            resources={"metadata": {"path": str(NOTEBOOKS)}},
        )
        client.execute()  # raises CellExecutionError on the first cell that fails
        return notebook

    return execute


def text(cell: nbformat.NotebookNode) -> str:
    """Everything a cell printed or showed as text."""
    parts = []
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            parts.append(output["text"])
        elif output["output_type"] == "error":
            parts.append(f"{output['ename']}: {output['evalue']}")
        else:
            parts.append(output.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def cell(notebook: nbformat.NotebookNode, start: str) -> nbformat.NotebookNode:
    """The one code cell whose source starts with ``start``."""
    found = [c for c in notebook.cells if c.cell_type == "code" and c.source.startswith(start)]
    assert len(found) == 1, f"{len(found)} cells start with {start!r}"
    return found[0]


def line(shown: str, prefix: str) -> str:
    """The first line of ``shown`` that starts with ``prefix`` (progress bars come before)."""
    found = [x for x in shown.splitlines() if x.startswith(prefix)]
    assert found, f"no line starts with {prefix!r} in:\n{shown}"
    return found[0]


def printed_json(notebook: nbformat.NotebookNode, index: int) -> Any:
    """The JSON that the appended check cell ``index`` (negative) printed."""
    return json.loads(text(notebook.cells[index]))


def no_error_outputs(notebook: nbformat.NotebookNode) -> None:
    """No error output anywhere, and no `dynamo` command reported one (a `!` cell's failure
    does not stop a notebook)."""
    for code in (c for c in notebook.cells if c.cell_type == "code"):
        assert all(o["output_type"] != "error" for o in code.outputs), code.source
        if "!dynamo" in code.source:
            shown = text(code)
            assert shown.strip(), f"{code.source}: no output"
            assert "Error:" not in shown and "Traceback" not in shown, (code.source, shown)


# ---- the notebooks as committed -------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_notebooks_are_committed_without_outputs(name: str) -> None:
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code, f"{name} has no code cell"
    assert [c.source[:40] for c in code if c.outputs or c.execution_count is not None] == []
    assert "widgets" not in notebook.metadata, "saved widget state is an output: clear it"
    markdown = [c for c in notebook.cells if c.cell_type == "markdown"]
    assert notebook.cells[0].cell_type == "markdown" and notebook.cells[0].source.startswith("# ")
    assert len(markdown) * 3 >= len(code), f"{name}: too few explanations between code cells"


def test_the_notebook_folder_holds_exactly_the_example_notebooks() -> None:
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(NAMES)


# ---- executed against the demo --------------------------------------------------------------


@pytest.mark.timeout(900)
def test_quickstart_runs_and_shows_what_the_server_holds(run: Any, demo: Any) -> None:
    reseed(demo)
    notebook = run(
        "quickstart.ipynb",
        [
            "import json\nprint(json.dumps([pages.number, pages.has_next(), later.number,"
            " later.first()[['pk', 'sk']].values.tolist()]))",
            "print(json.dumps(early_orders[['pk', 'sk']].values.tolist()))",
            "print(json.dumps(sorted(set(panel.result.pk)) + [len(panel.result)]))",
        ],
    )
    no_error_outputs(notebook)
    prod = demo.prod.client()
    pages_shown_and_resumed(notebook, query_keys(prod, "CUSTOMER#c001"))

    assert text(cell(notebook, "dm.list_environments()")).count("demo-") >= 2
    assert "'demo-dev'" in text(cell(notebook, "dm.list_environments()"))
    assert "['shop']" in text(cell(notebook, 'dm.list_tables(env="demo-prod")'))

    partition = query_keys(prod, "CUSTOMER#c001")
    shown = text(cell(notebook, "%dynamo_query shop CUSTOMER#c001 --env demo-prod"))
    assert shown.startswith(f"{len(partition)} item(s) from shop, query")
    assert len(partition) >= 6  # the profile and at least 5 orders

    early = query_keys(
        prod,
        "CUSTOMER#c001",
        condition=" AND begins_with(sk, :s)",
        values={":s": {"S": "ORDER#2024-0"}},
    )
    assert [tuple(k) for k in printed_json(notebook, -2)] == early

    between = query_keys(
        prod,
        "CUSTOMER#c001",
        condition=" AND sk BETWEEN :a AND :b",
        values={":a": {"S": "ORDER#2024-03"}, ":b": {"S": "ORDER#2024-07"}},
    )
    shown = text(cell(notebook, "%dynamo_query shop CUSTOMER#c001 --sk ORDER#2024-03 --sk-op"))
    assert shown.startswith(f"{len(between)} item(s) from shop, query")
    assert all(sk in shown for _, sk in between)

    shipped = query_keys(
        prod,
        "SHIPPED",
        IndexName="by_status",
        condition=" AND begins_with(#c, :d)",
        names={"#c": "created"},
        values={":d": {"S": "2024"}},
        ScanIndexForward=False,
        Limit=10,
    )
    shown = text(cell(notebook, "%dynamo_query shop SHIPPED --index by_status"))
    assert shown.startswith(f"{len(shipped)} item(s) from shop (index by_status), query")
    assert all(sk in shown for _, sk in shipped)

    big = query_keys(
        prod,
        "CUSTOMER#c001",
        IndexName="by_total",
        condition=" AND #t >= :n",
        names={"#t": "total"},
        values={":n": {"N": "200"}},
        ScanIndexForward=False,
    )
    shown = text(cell(notebook, "%dynamo_query shop CUSTOMER#c001 --index by_total"))
    assert shown.startswith(f"{len(big)} item(s) from shop (index by_total), query"), shown
    assert big and all(sk in shown for _, sk in big)

    statuses: dict[str, int] = {}
    for item in scan_items(prod).values():
        if item["sk"]["S"].startswith("ORDER#"):
            statuses[item["status"]["S"]] = statuses.get(item["status"]["S"], 0) + 1
    unique_cell = cell(notebook, "%dynamo_query shop --scan --filter")
    shown = text(unique_cell)
    for status, count in statuses.items():
        assert re.search(rf"\b{status}\s+S\s+{count}\b", shown), (status, count, shown)
    assert any("image/png" in o.get("data", {}) for o in unique_cell.outputs)
    assert any(
        "image/png" in o.get("data", {})
        for o in cell(notebook, "%dynamo_query shop DELIVERED --index by_status --plot").outputs
    )

    profile = prod.get_item(
        TableName=TABLE, Key={"pk": {"S": "CUSTOMER#c001"}, "sk": {"S": "PROFILE"}}
    )["Item"]
    shown = text(cell(notebook, "%%dynamo_query"))
    assert shown.startswith("1 item(s) from shop, partiql")
    assert profile["name"]["S"] in shown and profile["email"]["S"] in shown

    c002 = query_keys(prod, "CUSTOMER#c002")
    assert printed_json(notebook, -1) == ["CUSTOMER#c002", len(c002)]
    for start in ("panel = dm.QueryPanel", "%dynamo_panel query"):
        data = cell(notebook, start).outputs[-1]["data"]
        assert "application/vnd.jupyter.widget-view+json" in data


def pages_shown_and_resumed(notebook: nbformat.NotebookNode, partition: list[Key]) -> None:
    """The quickstart's paging cells: pages of 3 of c001's partition (its keys in the server's
    order), the key after page 2 and the page read from it, the magic's one page and the option
    it prints for the next."""
    assert len(partition) > 6  # a third page
    first = text(cell(notebook, 'pages = dm.pages("shop", "CUSTOMER#c001", page_size=3)'))
    second = text(cell(notebook, "pages.next()"))
    for shown, keys in ((first, partition[:3]), (second, partition[3:6])):
        assert all(sk in shown for _, sk in keys), (keys, shown)
        assert not any(sk in shown for _, sk in partition[6:]), shown
    resumed = text(cell(notebook, "print(pages.summary_line())"))
    assert resumed.startswith("page 2: 3 item(s) from shop, query"), resumed
    assert "more follow" in resumed
    key = {"pk": {"S": partition[5][0]}, "sk": {"S": partition[5][1]}}
    assert json.loads(ast.literal_eval(resumed.splitlines()[-1])) == key
    number, more, later_number, later_keys = printed_json(notebook, -3)
    assert (number, more, later_number) == (2, True, 1)
    assert [tuple(k) for k in later_keys] == partition[6:9]
    assert all(sk in text(cell(notebook, "later = dm.pages(")) for _, sk in partition[6:9])

    magic = text(cell(notebook, "%dynamo_query shop CUSTOMER#c001 --page-size 3"))
    assert line(magic, "page 1: ").startswith("page 1: 3 item(s) from shop, query"), magic
    option = line(magic, "next page: ").removeprefix("next page: --start-after ")
    assert json.loads(option.strip("'")) == {
        "pk": {"S": partition[2][0]},
        "sk": {"S": partition[2][1]},
    }


@pytest.mark.timeout(900)
def test_copy_notebook_copies_verifies_and_restores(run: Any, demo: Any) -> None:
    reseed(demo)
    prod_before = scan_items(demo.prod.client())
    dev_before = scan_items(demo.dev.client())
    dev_only = set(dev_before) - set(prod_before)
    assert dev_only, "the demo's dev must hold items that prod lacks"

    notebook = run("copy.ipynb", [])
    no_error_outputs(notebook)

    assert f"{len(dev_only)} item(s) only in demo-dev" in text(cell(notebook, "def keys(env)"))
    assert "copy OK" in text(
        cell(
            notebook,
            "%dynamo_copy shop --source demo-prod --target demo-dev --pk CUSTOMER#c001 --yes",
        )
    )
    assert text(cell(notebook, "prod_c001 =")).endswith("True")
    # after the whole-table copy, dev held exactly prod's items
    whole = text(cell(notebook, "result = %dynamo_copy"))
    assert "verification full: OK" in line(whole, f"copy OK: {len(prod_before):,} written")
    counts = text(cell(notebook, "counts = "))
    assert counts == f"{{'demo-prod': {len(prod_before)}, 'demo-dev': {len(prod_before)}}}"
    assert text(cell(notebook, "dev_only & keys")) == "set()"
    line(text(cell(notebook, "%dynamo_restore shop --env demo-dev --backup")), "restore OK")
    assert text(cell(notebook, "dev_only <= keys")).startswith("True")
    line(text(cell(notebook, "copier.pk.value")), "copy OK: ")
    # a job cancelled mid-way, then resume=True: the new table ends exactly prod's
    stopped = text(cell(notebook, "class CancelAfter:"))
    line(stopped, "copy INTERRUPTED: ")
    checkpoint = line(stopped, "checkpoint: ").removeprefix("checkpoint: ")
    resumed = text(cell(notebook, "resumed = dm.copy("))
    assert "verification full: OK" in line(resumed, "copy OK: ")
    read = f"read by both runs: {len(prod_before)} of {len(prod_before)}"
    assert line(resumed, "read by both runs: ") == read
    assert scan_items(demo.dev.client(), "shop-resumed") == prod_before
    assert checkpoint.endswith(".json")

    # the end state: dev as it was (the restore undid the whole copy), but for the two
    # customers copied one by one (c001 with the magic before the backup, c002 with the panel)
    copied = ("CUSTOMER#c001", "CUSTOMER#c002")
    expected = {k: v for k, v in dev_before.items() if k[0] not in copied}
    expected |= {k: v for k, v in prod_before.items() if k[0] in copied}
    assert scan_items(demo.dev.client()) == expected
    assert scan_items(demo.prod.client()) == prod_before  # the source is never written


@pytest.mark.timeout(900)
def test_api_notebook_runs_the_python_api_and_the_cli(run: Any, demo: Any) -> None:
    reseed(demo)
    prod_before = scan_items(demo.prod.client())
    dev_before = scan_items(demo.dev.client())

    notebook = run("api.ipynb", [])
    no_error_outputs(notebook)

    refused = text(cell(notebook, "try:\n    dm.copy("))
    assert refused.startswith("ConfirmationRequired - ") and "yes" in refused
    done = text(cell(notebook, "done = dm.copy("))
    line(done, f"copy OK: {len(prod_before):,} written")
    assert text(cell(notebook, 'dm.count("shop", env=PROD) == dm.count')) == "True"
    line(text(cell(notebook, "restored = dm.restore(")), "restore OK")

    c001 = query_keys(demo.prod.client(), "CUSTOMER#c001")
    shown = text(cell(notebook, "!dynamo query -t shop CUSTOMER#c001"))
    assert all(sk in shown for _, sk in c001 if sk.startswith("ORDER#2024-0"))
    lines = text(cell(notebook, "!dynamo query -t shop SHIPPED")).splitlines()
    rows = [json.loads(line) for line in lines if line.startswith("{")]
    assert len(rows) == 3 and {row["status"] for row in rows} == {"SHIPPED"}

    # the CLI's restore of the newest backup (taken by the CLI's slice copy, after the in-place
    # restore had put dev back as it was) holds dev's seeded items, c001 as dev had it
    tables = demo.dev.client().list_tables()["TableNames"]
    (new_table,) = [t for t in tables if t.startswith("shop-restored-")]  # a new name each run
    (files_table,) = [t for t in tables if t.startswith("shop-files-")]
    assert set(tables) == {TABLE, new_table, files_table}
    restored = scan_items(demo.dev.client(), new_table)
    assert restored == dev_before
    final = scan_items(demo.dev.client())
    copied = {k: v for k, v in prod_before.items() if k[0] == "CUSTOMER#c001"}
    assert final == {k: v for k, v in dev_before.items() if k[0] != "CUSTOMER#c001"} | copied

    # Files and DataFrames: prod exported, imported into a new dev table, a CSV of two new
    # customers loaded, and one of them edited in a frame and written back
    line(text(cell(notebook, "exported = dm.export_table(")), "export OK")
    files = scan_items(demo.dev.client(), files_table)
    new = {("CUSTOMER#c900", "PROFILE"), ("CUSTOMER#c901", "PROFILE")}
    assert {k: v for k, v in files.items() if k not in new} == prod_before  # every type kept
    assert files[("CUSTOMER#c900", "PROFILE")]["credit"] == {"N": "25"}  # 12.5, doubled
    assert files[("CUSTOMER#c901", "PROFILE")] == {
        "pk": {"S": "CUSTOMER#c901"},
        "sk": {"S": "PROFILE"},
        "name": {"S": "Grace"},
        "credit": {"N": "100"},
    }


# ---- the README's newcomer path -------------------------------------------------------------

README = NOTEBOOKS.parent / "README.md"
DOCS = NOTEBOOKS.parent / "docs"
BINDER = (
    "https://mybinder.org/v2/gh/dynamo-magic/dynamo_magic/HEAD"
    "?urlpath=lab/tree/notebooks/quickstart.ipynb"
)


def readme_section(heading: str, page: Path = README) -> str:
    """The text under ``heading`` (a whole line) up to the next heading of any level."""
    text_ = page.read_text()
    start = text_.index(f"\n{heading}\n") + len(heading) + 2
    end = re.search(r"\n#{1,6} ", text_[start:])
    return text_[start : start + end.start()] if end else text_[start:]


def test_readme_links_binder_the_repository_and_the_notebooks() -> None:
    import tomllib

    text_ = README.read_text()
    first_lines = text_.splitlines()[:5]
    assert any(f"]({BINDER})" in line and "badge" in line for line in first_lines), first_lines
    assert text_.count(BINDER) >= 2  # the badge's link and the launch link in "Start here"
    assert "make demo" in text_.split("## ", 2)[1]  # the first section's first command
    urls = tomllib.loads((NOTEBOOKS.parent / "pyproject.toml").read_text())["project"]["urls"]
    owner_repo = re.search(r"/gh/([^/]+/[^/]+)/", BINDER)
    assert owner_repo is not None
    assert urls["Repository"] == f"https://github.com/{owner_repo.group(1)}"
    assert urls["Binder"] == BINDER
    linked = set(re.findall(r"\(notebooks/([\w-]+\.ipynb)\)", text_))
    assert linked == set(NAMES)
    assert (NOTEBOOKS.parent / BINDER.split("lab/tree/")[1]).is_file()


def test_docs_iam_section_names_every_dynamodb_call_the_package_makes() -> None:
    """Every DynamoDB operation the package calls (but the demo's seeding) is in the IAM
    permissions section (docs/environments.md), by its IAM action name: a new call without its
    permission fails."""
    package = NOTEBOOKS.parent / "dynamo_magic"
    source = "\n".join(
        p.read_text() for p in package.rglob("*.py") if "demo" not in p.relative_to(package).parts
    )
    methods = set(re.findall(r"\bclient\.([a-z_]+)\(", source))
    methods |= set(re.findall(r"get_paginator\(\"([a-z_]+)\"\)", source))
    methods |= set(re.findall(r"\"(query|scan|batch_write_item|batch_get_item)\"", source))
    methods |= {"execute_statement"} if "execute_statement" in source else set()
    methods -= {"get_paginator", "get_waiter", "get_caller_identity"}  # no DynamoDB action
    assert {"query", "scan", "batch_write_item", "create_backup"} <= methods
    actions = {"".join(w.capitalize() for w in m.split("_")) for m in methods}
    actions = {"PartiQLSelect" if a == "ExecuteStatement" else a for a in actions}
    section = readme_section("## IAM permissions", DOCS / "environments.md")
    assert sorted(a for a in actions if f"`{a}`" not in section) == []
    read_only = json.loads(re.findall(r"```json\n(.*?)```", section, re.DOTALL)[0])
    allowed: set[str] = set()
    for statement in read_only["Statement"]:
        listed = statement["Action"]
        allowed |= {
            a.removeprefix("dynamodb:") for a in ([listed] if isinstance(listed, str) else listed)
        }
    query_calls = {"DescribeTable", "Query", "Scan", "PartiQLSelect", "ListTables"}
    assert query_calls <= allowed
    assert not any(a.startswith(("Put", "Delete", "Update", "Create", "Restore")) for a in allowed)
    assert "BatchWriteItem" not in allowed


@pytest.mark.timeout(900)
def test_readme_tour_runs_against_the_demo(run: Any, demo: Any, tmp_path: Path) -> None:
    """The 30-second tour's Python blocks, as cells of one notebook, against the demo."""
    reseed(demo)
    prod_items = scan_items(demo.prod.client())
    blocks = re.findall(r"```python\n(.*?)```", readme_section("### A 30-second tour"), re.DOTALL)
    assert len(blocks) == 4, blocks  # one query, one panel, one copy (its plan, then the copy)
    tour = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(b) for b in blocks])
    nbformat.write(tour, tmp_path / "tour.ipynb")
    notebook = run(tmp_path / "tour.ipynb", [])
    no_error_outputs(notebook)
    early = [k for k in prod_items if k[0] == "CUSTOMER#c001" and k[1].startswith("ORDER#2024-0")]
    assert text(notebook.cells[0]).startswith(f"{len(early)} item(s) from shop, query")
    assert "widget-view+json" in str(notebook.cells[1].outputs)
    assert text(notebook.cells[2]).startswith("Copy plan (nothing written)")
    line(text(notebook.cells[3]), f"copy OK: {len(prod_items):,} written")
    assert scan_items(demo.dev.client()) == prod_items


def test_readme_tour_terminal_commands_run_against_the_demo(demo: Any, tmp_path: Path) -> None:
    """The tour's `dynamo` lines, as processes with the demo's variables (as exported)."""
    import shlex
    import subprocess

    reseed(demo)
    prod_items = scan_items(demo.prod.client())
    (bash,) = re.findall(r"```bash\n(.*?)```", readme_section("### A 30-second tour"), re.DOTALL)
    commands = [shlex.split(x) for x in bash.splitlines() if x.strip()]
    assert [c[:2] for c in commands] == [
        ["dynamo", "query"],
        ["dynamo", "copy"],
        ["dynamo", "copy"],
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | demo.variables
    outputs: list[tuple[str, str]] = []  # stdout, stderr
    for command in commands:
        done = subprocess.run(
            [str(Path(sys.executable).parent / "dynamo"), *command[1:]],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            cwd=tmp_path,
        )
        assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-2000:])
        outputs.append((done.stdout, done.stderr))
    early = [k for k in prod_items if k[0] == "CUSTOMER#c001" and k[1].startswith("ORDER#2024-0")]
    assert outputs[0][1].startswith(f"{len(early)} item(s) from shop, query")  # the summary
    assert all(sk in outputs[0][0] for _, sk in early)  # the items, on stdout
    assert outputs[1][0].startswith("Copy plan (nothing written)")
    line("\n".join(outputs[2]), f"copy OK: {len(prod_items):,} written")
    assert scan_items(demo.dev.client()) == prod_items


def test_readme_is_short_and_links_into_every_docs_page() -> None:
    """The README is what a visitor needs first; each page of the manual is linked from it and
    each relative link goes to a file that exists (the docs build checks links inside docs/)."""
    text_ = README.read_text()
    assert len(text_.splitlines()) <= 200
    linked = set(re.findall(r"\]\(((?:docs|notebooks)/[^)#]*)", text_))
    assert all((NOTEBOOKS.parent / link).exists() for link in linked), linked
    pages = {f"docs/{p.name}" for p in DOCS.glob("*.md") if p.name != "index.md"}
    assert pages <= linked, pages - linked

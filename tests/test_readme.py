"""The docs' "From Python" page (docs/python.md): its examples run as written against the demo
(``start_demo``: table ``shop`` in ``demo-prod`` and ``demo-dev``, as ``make demo`` seeds it),
and every function and keyword it names exists with that name."""

from __future__ import annotations

import ast
import contextlib
import inspect
import io
import re
import textwrap
from pathlib import Path
from typing import Any

import dynamo_magic as dm
from dynamo_magic.demo import data

from conftest import client_for

PAGE = Path(__file__).resolve().parent.parent / "docs" / "python.md"
SECTION = "# From Python"


def api_section(text: str) -> str:
    """The page's text, from its title."""
    return text[text.index(f"{SECTION}\n") :]


def python_blocks(section: str) -> list[str]:
    # a block inside a list item is indented with it
    return [textwrap.dedent(b) for b in re.findall(r"```python\n(.*?)```", section, re.DOTALL)]


def code_spans(section: str) -> list[tuple[str, str, bool]]:
    """``name(...)`` code spans of public functions: ``(name, text inside the parentheses,
    whether it is a signature)``; a signature has a return annotation or a bare ``*``, the
    other spans are calls (``fetch(count=True)``)."""
    spans = re.findall(r"`([a-z_]+)\((.*?)\)( -> [^`]*)?`", section, re.DOTALL)
    return [
        (name, " ".join(text.split()), bool(returns) or "*" in text.split(", "))
        for name, text, returns in spans
        if name in dm.__all__
    ]


def problems(section: str) -> list[str]:
    """Every function or keyword the section names that ``dynamo_magic`` lacks."""
    found: list[str] = []
    for block in python_blocks(section):
        for node in ast.walk(ast.parse(block)):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            owner = node.func.value
            if not (isinstance(owner, ast.Name) and owner.id in ("dm", "dynamo_magic")):
                continue
            function = getattr(dm, node.func.attr, None)
            if function is None:
                found.append(f"dynamo_magic.{node.func.attr} does not exist")
                continue
            parameters = inspect.signature(function).parameters
            found += [
                f"{node.func.attr}() has no parameter {k.arg}"
                for k in node.keywords
                if k.arg not in parameters
            ]
    for name, text, is_signature in code_spans(section):
        parameters = inspect.signature(getattr(dm, name)).parameters
        if text == "...":
            continue
        if is_signature:
            listed = ast.parse(f"def f({text.replace('...', '')}): pass").body[0]
            assert isinstance(listed, ast.FunctionDef)
            args = listed.args
            names = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
        else:
            call = ast.parse(f"f({text})", mode="eval").body
            assert isinstance(call, ast.Call)
            names = [k.arg for k in call.keywords if k.arg]
        found += [f"{name}() has no parameter {n}" for n in names if n not in parameters]
        if is_signature and "..." not in text and names != list(parameters):
            found.append(f"{name}() lists {names}, the function has {list(parameters)}")
    return found


def test_every_function_and_keyword_the_section_names_exists():
    section = api_section(PAGE.read_text())
    assert len(python_blocks(section)) >= 4
    assert sum(signature for *_, signature in code_spans(section)) >= 15
    assert problems(section) == []


def test_the_check_fails_on_a_parameter_that_does_not_exist():
    """The check above can fail: a renamed keyword, a removed function, a wrong signature."""
    bad = (
        f"{SECTION}\n```python\ndf = dm.query('t', select=['a'])\nplan = dm.copy_plan('t')\n```\n"
        "- `copy(table, *, source, target, dry_run=False) -> CopyResult`\n"
        "- `head(table, pk=None, n=5, *, env=None) -> DataFrame`\n"
        "- `fetch(count=True, chunked=True)`\n"
    )
    assert problems(bad) == [
        "query() has no parameter select",
        "dynamo_magic.copy_plan does not exist",
        "copy() has no parameter dry_run",
        "copy() lists ['table', 'source', 'target', 'dry_run'], the function has "
        + str(list(inspect.signature(dm.copy).parameters)),
        "head() lists ['table', 'pk', 'n', 'env'], the function has "
        + str(list(inspect.signature(dm.head).parameters)),
        "fetch() has no parameter chunked",
    ]


def test_the_examples_run(demo_running: data.ShopData) -> None:
    """Each block of the page, in order, as a user types it after ``make demo``; what the page
    says the examples give is what they gave, computed from the demo's data."""
    demo = demo_running
    c001 = [item for item in demo.prod if item["pk"]["S"] == "CUSTOMER#c001"]
    lines_qty = sum(int(item["qty"]["N"]) for item in demo.prod if "qty" in item)
    namespace: dict[str, Any] = {}
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        for block in python_blocks(api_section(PAGE.read_text())):
            exec(compile(block, str(PAGE), "exec"), namespace)
    assert namespace["n"] == len(c001) == 8  # the page says 8
    assert namespace["total"] == lines_qty
    assert namespace["found"].kind == "unique" and namespace["found"].count is None
    statuses = {item["status"]["S"] for item in c001 if "status" in item}
    assert set(namespace["found"].frame["status"].dropna()) == statuses  # and missing: a row
    assert f"{len(c001)} item(s) from shop, query" in printed.getvalue()
    assert isinstance(namespace["restored"], dm.RestoreResult) and namespace["restored"].in_place
    # the slice copy backed demo-dev up first; restored into shop-restored, then emptied
    assert namespace["deleted"].deleted == len(demo.dev)
    assert "table 'shop'" in printed.getvalue()
    dev = client_for("demo-dev")
    assert sorted(dev.list_tables()["TableNames"]) == ["shop", "shop-copy", "shop-restored"]
    # the job's slice copy, waited for: customer c001's items in a table of their own
    assert namespace["copied"].outcome == dm.Outcome.SUCCESS and namespace["copied"].written == 8
    # the in-place restore put demo-dev's table back as it was before the copy
    assert dm.count("shop", env="demo-dev") == len(demo.dev)


def test_the_api_reference_documents_every_public_name() -> None:
    """docs/reference/api.md has an autodoc entry for each name ``dynamo_magic`` exports (and
    the panels), so a new public function or type cannot be left out of the reference."""
    reference = (PAGE.parent / "reference" / "api.md").read_text()
    documented = set(
        re.findall(
            r"^\.\. (?:auto(?:function|class|exception|data)|py:data):: (\w+)$", reference, re.M
        )
    )
    assert sorted(set(dm.__all__) - documented) == []

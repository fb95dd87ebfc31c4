"""``snippets.code_for``: each text, read back by its own front end's parser (the magic's, the
CLI's argparse, Python's ``ast``), gives exactly the keywords of the call; a keyword a front end
has no form for is said, never dropped."""

from __future__ import annotations

import ast
import json
import shlex
from decimal import Decimal
from typing import Any

import pytest

from dynamo_magic import cli, snippets
from dynamo_magic.notebook.magics import DynamoMagic, _parse_given, _words
from dynamo_magic.options import RUN_ONLY, api_kwargs, partition_key

QUERIES = [
    {"table": "shop", "env": "demo-prod", "pk": "CUSTOMER#c001"},
    {
        "table": "shop",
        "env": "demo-prod",
        "index": "by_status",
        "pk": "paid",
        "sk_op": "between",
        "sk": "2024-01",
        "sk2": "2024-12 #x",
        "filter": "status = 'paid' AND total > 5",
        "columns": "pk,addr.city",
        "limit": 10,
    },
    {"table": "t.1-x", "env": "dev", "pk": "-5", "filter": 'note = "it\'s $HOME"'},
    {"table": "events", "env": "dev", "pk": 7, "sk_op": ">=", "sk": Decimal("1.5")},
    {"table": "orders", "env": "dev", "pk": "c1", "columns": ["qty", "address.city"]},
]
COPIES = [
    {"table": "shop", "source": "demo-prod", "target": "demo-dev"},
    {
        "table": "orders",
        "source": "acct-a",
        "target": "prod-b",
        "target_table": "orders copy",
        "mode": "merge",
        "pk": "c1",
        "sk_op": "begins_with",
        "sk": "2024",
        "workers": 3,
        "max_write_units": "50%",
        "max_read_units": "10",
        "backup": False,
        "copy_settings": True,
        "resume": True,
        "yes": True,
    },
]


def _as_text(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Every value as text, as a shell word carries it (the api types key values; columns as
    a list are the same as ``a,b``)."""
    return {
        k: v if isinstance(v, bool) else ",".join(v) if isinstance(v, list) else str(v)
        for k, v in kwargs.items()
    }


def _magic_kwargs(line: str, command: str) -> dict[str, Any]:
    load, line = line.split("\n")
    assert load == "%load_ext dynamo_magic"
    magic, *rest = _words(line)[0]
    method = getattr(DynamoMagic, magic.lstrip("%"))
    args, _ = _parse_given(method.parser, rest, command)
    table = args.table or args.table_option
    kwargs = api_kwargs(command, args) | {"table": table}
    if command == "query":
        kwargs["pk"] = partition_key(args.pk_word, args.pk)
    return {k: v for k, v in kwargs.items() if v not in (None, False) or k == "backup"}


def _cli_kwargs(command_line: str, command: str) -> dict[str, Any]:
    words = shlex.split(command_line)
    assert words[0] == "dynamo"
    args = cli.build_parser().parse_args(words[1:])
    kwargs = api_kwargs(command, args)
    if command == "query":
        kwargs["pk"] = partition_key(args.pk_word, args.pk)
    return {k: v for k, v in kwargs.items() if v not in (None, False) or k == "backup"}


def _python_kwargs(code: str, function: str) -> dict[str, Any]:
    tree = ast.parse(code)
    call = tree.body[-1].value  # type: ignore[attr-defined]
    assert ast.unparse(call.func) == f"dynamo_magic.{function}"
    namespace = {"Decimal": Decimal}
    kwargs = {k.arg: eval(ast.unparse(k.value), namespace) for k in call.keywords}
    return {"table": ast.literal_eval(call.args[0]), **kwargs}


@pytest.mark.parametrize("kwargs", QUERIES)
def test_a_query_reads_back_the_same_in_every_front_end(kwargs):
    code = snippets.code_for("query", kwargs)
    assert set(code) == {"magic", "python", "cli"}
    assert _python_kwargs(code["python"], "query") == kwargs
    assert _as_text(_magic_kwargs(code["magic"], "query")) == _as_text(kwargs)
    assert _as_text(_cli_kwargs(code["cli"], "query")) == _as_text(kwargs)
    # no comment line: nothing left out
    assert len(code["magic"].splitlines()) == 2 and len(code["cli"].splitlines()) == 1


@pytest.mark.parametrize("kwargs", COPIES)
def test_a_copy_and_its_plan_read_back_the_same(kwargs):
    defaults = {"mode": "replace", "backup": True}
    copy = snippets.code_for("copy", kwargs)
    assert _python_kwargs(copy["python"], "copy") == kwargs
    assert _as_text(_magic_kwargs(copy["magic"], "copy")) == _as_text(defaults | kwargs)
    assert _as_text(_cli_kwargs(copy["cli"], "copy")) == _as_text(defaults | kwargs)
    assert "--dry-run" not in copy["magic"] + copy["cli"]

    planned = {k: v for k, v in kwargs.items() if k not in RUN_ONLY}
    plan = snippets.code_for("plan_copy", planned)
    assert "\nplan = dynamo_magic.plan_copy(" in plan["python"]
    assert _python_kwargs(plan["python"], "plan_copy") == planned
    for text in (plan["magic"], plan["cli"]):
        assert text.endswith(" --dry-run")
    assert len(plan["magic"].splitlines()) == 2  # no comment line: nothing left out
    assert _as_text(_cli_kwargs(plan["cli"], "copy")) == _as_text(defaults | planned)


def test_long_python_calls_take_a_line_per_keyword_and_short_ones_one():
    short = snippets.code_for("query", QUERIES[0])["python"]
    assert short == (
        'import dynamo_magic\ndf = dynamo_magic.query("shop", pk="CUSTOMER#c001", '
        'env="demo-prod")'.replace('"', "'")
    )
    long = snippets.code_for("query", QUERIES[1])["python"]
    assert long.splitlines()[1] == "df = dynamo_magic.query("
    assert long.splitlines()[2] == "    'shop',"


def test_a_decimal_key_brings_its_import():
    code = snippets.code_for("query", QUERIES[3])["python"]
    assert code.splitlines()[:2] == ["import dynamo_magic", "from decimal import Decimal"]
    assert "sk=Decimal('1.5')" in code


def test_a_keyword_with_no_form_is_said_not_dropped():
    def upper(item: dict[str, Any]) -> dict[str, Any]:
        return item

    code = snippets.code_for(
        "copy", {"table": "orders", "source": "a", "target": "b", "transform": upper}
    )
    assert "transform=upper" in code["python"]  # the notebook's function, by its name
    assert code["magic"].endswith(" --transform upper")
    assert code["cli"].startswith("# transform: the dynamo command has no form for this value")
    lambdas = snippets.code_for(
        "copy", {"table": "orders", "source": "a", "target": "b", "transform": lambda i: i}
    )
    assert lambdas["python"].splitlines()[1].startswith("# transform: pass the function itself")
    assert lambdas["magic"].splitlines()[1].startswith("# transform: the magic has no form")
    importable = snippets.code_for(
        "copy", {"table": "o", "source": "a", "target": "b", "transform": json.dumps}
    )
    assert "--transform json:dumps" in importable["cli"]
    text = snippets.code_for(
        "copy", {"table": "o", "source": "a", "target": "b", "transform": "m:f"}
    )
    assert "--transform m:f" in text["cli"] and "transform='m:f'" in text["python"]


def test_put_df_has_no_dynamo_command_and_says_so():
    code = snippets.code_for("put_df", {"table": "orders", "df": object(), "env": "dev"}, "frame")
    assert code["magic"] == "%load_ext dynamo_magic\n%dynamo_put frame orders --env dev"
    assert code["python"].splitlines()[-1] == (
        "result = dynamo_magic.put_df(frame, 'orders', env='dev')"
    )
    assert code["cli"].startswith("# the dynamo command has no 'put'")


def test_unknown_functions_and_keywords_are_refused():
    with pytest.raises(ValueError, match="no code for 'scan'"):
        snippets.code_for("scan", {"table": "t"})
    with pytest.raises(ValueError, match="lack 'table'"):
        snippets.code_for("query", {"env": "dev"})
    with pytest.raises(ValueError, match="no keyword 'bogus'"):
        snippets.code_for("query", {"table": "t", "bogus": 1})

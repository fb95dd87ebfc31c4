"""Inputs that contradict each other, or that nothing would use, are refused in one line
before any request: an empty key value, an option given twice (``--select`` and
``--columns``), ``--segments`` without a scan, ``--count`` with what shapes items, a sort-key
operator without its value. The same refusal in the Python API (``InvalidQuery``), the magics
(``UsageError``) and the CLI (``Error: ...``, exit 2).

Both "accounts" sit behind a recording proxy (``tests/proxy.py``): a refused input must send
no request at all, not even DescribeTable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from IPython.core.error import UsageError

import dynamo_magic as dm
from dynamo_magic.codec import key_value
from dynamo_magic.errors import InvalidQuery
from dynamo_magic.schema import KeyAttribute

from conftest import use_profiles
from proxy import FaultProxy
from tables import (
    blobs_items,
    create_blobs,
    create_events,
    create_orders,
    events_items,
    orders_items,
    put_all,
)

COPY = {"source": "dev", "target": "acct-b"}


@pytest.fixture(scope="module")
def loaded(moto_pair) -> Iterator[tuple[FaultProxy, FaultProxy]]:
    """Server A (orders, events, blobs) and server B, each behind a recording proxy, set up
    once for the module (nothing here writes)."""
    a, b = moto_pair
    a.reset()
    b.reset()
    client = a.client()
    for create, name, items in (
        (create_orders, "orders", orders_items()),
        (create_events, "events", events_items(1, 3)),
        (create_blobs, "blobs", blobs_items(2)),
    ):
        create(client)
        put_all(client, name, items)
    with FaultProxy(a.url) as proxy_a, FaultProxy(b.url) as proxy_b:
        yield proxy_a, proxy_b


@pytest.fixture
def proxies(loaded, isolated_aws, monkeypatch) -> tuple[FaultProxy, FaultProxy]:
    """The profiles dev/acct-a pointing at server A's proxy, acct-b at B's; no call recorded
    yet."""
    proxy_a, proxy_b = loaded
    endpoints = {"default": proxy_a.url, "dev": proxy_a.url, "acct-a": proxy_a.url}
    use_profiles({**endpoints, "acct-b": proxy_b.url}, isolated_aws, monkeypatch)
    for proxy in loaded:
        proxy.calls.clear()
    return loaded


def no_requests(proxies: tuple[FaultProxy, FaultProxy]) -> None:
    assert [c.op for p in proxies for c in p.calls] == []


def pk_empty(flag: str) -> str:
    return (
        f"the partition key value ({flag}) cannot be empty: DynamoDB requires a non-empty key "
        f"value; give one, or leave {flag} out"
    )


def sk_empty(flag: str) -> str:
    return (
        f"the sort key value ({flag}) cannot be empty: DynamoDB requires a non-empty key value; "
        f"give one, or leave {flag} out"
    )


# -- the Python API --------------------------------------------------------------------------
def _api_cases() -> dict[str, tuple[Callable[[], Any], str]]:
    segments_query = (
        "segments splits a parallel scan; a query reads its partition in one sequence: "
        "drop segments"
    )
    return {
        "query pk ''": (lambda: dm.query("orders", "", env="dev"), pk_empty("pk")),
        "query pk b''": (lambda: dm.query("blobs", b"", env="dev"), pk_empty("pk")),
        "query N pk ''": (lambda: dm.query("events", "", env="dev"), pk_empty("pk")),
        "query sk ''": (lambda: dm.query("orders", "c1", sk="", env="dev"), sk_empty("sk")),
        "query sk2 ''": (
            lambda: dm.query("orders", "c1", sk="a", sk_op="between", sk2="", env="dev"),
            "the sort key value (sk2) cannot be empty: DynamoDB requires a non-empty key value; "
            "give the upper bound, or drop sk_op between and its bounds",
        ),
        "query sk '' between": (
            lambda: dm.query("orders", "c1", sk="", sk_op="between", sk2="b", env="dev"),
            "the sort key value (sk) cannot be empty: DynamoDB requires a non-empty key value; "
            "give the lower bound, or drop sk_op between and its bounds",
        ),
        "query sk '' begins_with": (
            lambda: dm.query("orders", "c1", sk="", sk_op="begins_with", env="dev"),
            "the sort key value (sk) cannot be empty: DynamoDB requires a non-empty key value; "
            "give one, or leave sk and sk_op out",
        ),
        "fetch pk ''": (lambda: dm.fetch("orders", "", env="dev"), pk_empty("pk")),
        "count pk ''": (lambda: dm.count("events", "", env="dev"), pk_empty("pk")),
        "head pk ''": (lambda: dm.head("orders", "", env="dev"), pk_empty("pk")),
        "unique pk ''": (lambda: dm.unique("orders", "status", "", env="dev"), pk_empty("pk")),
        "explore pk ''": (lambda: dm.explore("orders", "", env="dev"), pk_empty("pk")),
        "iter_frames pk ''": (lambda: dm.iter_frames("orders", "", env="dev"), pk_empty("pk")),
        "plan_copy pk ''": (lambda: dm.plan_copy("orders", pk="", **COPY), pk_empty("pk")),
        "copy pk ''": (lambda: dm.copy("orders", pk="", yes=True, **COPY), pk_empty("pk")),
        "copy sk ''": (
            lambda: dm.copy("orders", pk="c1", sk="", yes=True, **COPY),
            sk_empty("sk"),
        ),
        "segments on a query": (
            lambda: dm.fetch("orders", "c1", segments=4, env="dev"),
            segments_query,
        ),
        "segments on a count by key": (
            lambda: dm.count("orders", "c1", segments=4, env="dev"),
            segments_query,
        ),
        "segments on a preview": (
            lambda: dm.explore("orders", segments=4, env="dev"),
            "segments splits a parallel scan: add scan, or drop segments",
        ),
        "count and columns": (
            lambda: dm.fetch("orders", "c1", count=True, columns="total", env="dev"),
            "count returns a number, no items, so columns has nothing to select: drop one of them",
        ),
        "count and head": (
            lambda: dm.explore("orders", "c1", count=True, head=3, env="dev"),
            "count returns a number, no items, so head has nothing to shape: drop one of them "
            "(to count at most N items, use limit)",
        ),
        "count and flatten": (
            lambda: dm.fetch("orders", "c1", count=True, flatten=True, env="dev"),
            "count returns a number, no items, so flatten has nothing to shape",
        ),
        "count and numbers": (
            lambda: dm.explore("orders", "c1", count=True, numbers="float", env="dev"),
            "count returns a number, no items, so numbers has nothing to shape",
        ),
        "operator without sk": (
            lambda: dm.query("orders", "c1", sk_op="between", env="dev"),
            "sk_op compares the sort key with sk: give sk too, or drop sk_op",
        ),
        "sk2 without between": (
            lambda: dm.query("orders", "c1", sk="a", sk2="b", env="dev"),
            "sk2 is only for sk_op between (its upper bound): add sk_op between, or drop sk2",
        ),
        "copy: operator without a slice": (
            lambda: dm.plan_copy("orders", sk_op="=", **COPY),
            "a sort-key condition selects a slice: give pk too",
        ),
        "copy: index without a slice": (
            lambda: dm.copy("orders", index="status-total", yes=True, **COPY),
            "index selects a slice of an index: give pk too",
        ),
        "copy: segments of a slice": (
            lambda: dm.copy("orders", pk="c1", segments=4, yes=True, **COPY),
            "segments splits the scan of a whole-table copy; a slice (pk) is read by one query: "
            "drop segments",
        ),
    }


API_CASES = _api_cases()


@pytest.mark.parametrize("case", sorted(API_CASES))
def test_the_api_refuses_before_any_request(proxies, case):
    call, message = API_CASES[case]
    with pytest.raises(InvalidQuery) as refused:
        call()
    assert str(refused.value).startswith(message)
    assert "\n" not in str(refused.value)
    no_requests(proxies)


@pytest.mark.parametrize(
    ("type_", "value"), [("S", ""), ("B", b""), ("B", ""), ("B", bytearray()), ("N", "")]
)
def test_an_empty_key_value_is_refused_naming_the_key(type_, value):
    """Where the table's key is known (a key condition being written), the refusal names the
    key attribute, for every key type."""
    with pytest.raises(InvalidQuery) as refused:
        key_value(KeyAttribute("customer", type_), value, "partition key")
    assert str(refused.value) == (
        "the partition key 'customer' cannot be empty: DynamoDB requires a non-empty key value"
    )


def test_panels_send_no_operator_without_a_sort_key_value(proxies):
    """A panel's operator dropdown always holds a value: it is sent only with a sort-key
    value, so a query or copy without one is not refused for it."""
    panel = dm.QueryPanel(env="dev", table="orders")
    panel.pk.value, panel.sk_op.value = "c1", "between"
    assert panel.kwargs()["sk_op"] is None
    panel.run_button.click()
    assert panel.error is None and len(panel.result) == 10
    copier = dm.CopyPanel(source="dev", target="acct-b", table="orders")
    copier.sk_op.value = ">="
    assert copier.plan_kwargs()["sk_op"] is None
    copier.sk.value = "2024-01-05"
    assert copier.plan_kwargs()["sk_op"] == ">="


# -- the magics ------------------------------------------------------------------------------
MAGIC_CASES = {
    ("dynamo_query", "orders --select total --columns qty"): (
        "argument --columns/--select: given twice, as --select total and as --columns qty: "
        "give it once (several attributes in one: A,B)"
    ),
    ("dynamo_query", "orders --pk c1 -pk c2"): (
        "argument -pk/--pk: given twice, as --pk c1 and as -pk c2: give it once"
    ),
    ("dynamo_query", "orders c1 --limit 2 --limit 3"): "argument --limit: given twice",
    ("dynamo_query", "orders c1 -o a --out b"): "argument -o/--out: given twice",
    ("dynamo_copy", "-t orders -t events --source dev --target acct-b"): (
        "argument -t/--table: given twice, as -t orders and as -t events"
    ),
    ("dynamo_panel", "copy orders --source dev --source acct-b"): (
        "argument -src/--source: given twice"
    ),
    ("dynamo_restore", "orders --env dev --yes"): "--yes is for a restore: add --into NEW_TABLE",
    ("dynamo_query", "orders c1 --segments 4"): (
        "--segments splits a parallel scan; a query reads its partition in one sequence: "
        "drop --segments"
    ),
    ("dynamo_query", "orders --segments 4"): (
        "--segments splits a parallel scan: add --scan, or drop --segments"
    ),
    ("dynamo_query", "orders c1 --count --select total"): (
        "--count returns a number, no items, so --select has nothing to select: drop one of them"
    ),
    ("dynamo_query", "orders c1 --count --head 3"): (
        "--count returns a number, no items, so --head has nothing to shape: drop one of them "
        "(to count at most N items, use --limit)"
    ),
    ("dynamo_query", "orders c1 --sk-op between"): (
        "--sk-op compares the sort key with --sk: give --sk too, or drop --sk-op"
    ),
    ("dynamo_query", "orders ''"): pk_empty("--pk"),
    ("dynamo_query", "orders --pk ''"): pk_empty("--pk"),
    ("dynamo_query", "orders c1 --sk ''"): sk_empty("--sk"),
    ("dynamo_query", "orders '' --ui"): pk_empty("--pk"),
    ("dynamo_copy", "orders --source dev --target acct-b --pk '' --yes"): pk_empty("--pk"),
    ("dynamo_copy", "orders --source dev --target acct-b --pk '' --dry-run"): pk_empty("--pk"),
    ("dynamo_copy", "orders --source dev --target acct-b --pk c1 --segments 4 --dry-run"): (
        "--segments splits the scan of a whole-table copy; a slice (--pk) is read by one query: "
        "drop --segments"
    ),
    ("dynamo_restore", "orders --env dev --backup nightly"): (
        "--backup is for a restore: add --into NEW_TABLE or --in-place (without them, "
        "%dynamo_restore lists the backups)"
    ),
}


@pytest.mark.parametrize(("magic", "line"), sorted(MAGIC_CASES))
def test_the_magics_refuse_in_one_line_before_any_request(proxies, shell, magic, line):
    with pytest.raises(UsageError) as refused:
        shell.run_line_magic(magic, line)
    assert str(refused.value).startswith(MAGIC_CASES[magic, line])
    assert "\n" not in str(refused.value)
    no_requests(proxies)


def test_the_partiql_cell_refuses_an_option_given_twice(proxies, shell):
    for line in ("--env dev -e acct-b", "--limit 2 --limit 3"):
        # worded as the line form words it: the one option table's parser refuses it
        twice = r"^%%dynamo_query: argument (-e/)?--(env|limit): given twice, as .*: give it once$"
        with pytest.raises(UsageError, match=twice):
            shell.run_cell_magic("dynamo_query", line, 'SELECT * FROM "orders"')
    no_requests(proxies)


def test_an_option_given_twice_with_one_value_is_one_request(proxies, shell):
    frame = shell.run_line_magic("dynamo_query", "orders c1 --select total --columns total")
    assert list(frame.columns) == ["customer", "order-date", "total"] and len(frame) == 10


# -- the dynamo command ----------------------------------------------------------------------
CLI_CASES = {
    ("query", "-t", "orders", "--select", "a", "--columns", "b"): (
        "argument --columns/--select: given twice, as --select a and as --columns b"
    ),
    ("query", "-t", "orders", "c1", "--segments", "4"): "--segments splits a parallel scan",
    ("query", "-t", "orders", "--segments", "4"): (
        "--segments splits a parallel scan: add --scan, or drop --segments"
    ),
    ("query", "-t", "orders", "c1", "--count", "--columns", "total"): (
        "--count returns a number, no items, so --columns has nothing to select"
    ),
    ("query", "-t", "orders", "c1", "--count", "--flatten"): (
        "--count returns a number, no items, so --flatten has nothing to shape"
    ),
    ("query", "-t", "orders", ""): pk_empty("--pk"),
    ("query", "-t", "orders", "--pk", ""): pk_empty("--pk"),
    ("query", "-t", "orders", "c1", "--sk", ""): sk_empty("--sk"),
    ("query", "-t", "orders", "c1", "--sk-op", "between", "--sk", "a", "--sk2", ""): (
        "the sort key value (--sk2) cannot be empty: DynamoDB requires a non-empty key value; "
        "give the upper bound, or drop --sk-op between and its bounds"
    ),
    ("query", "-t", "blobs", ""): pk_empty("--pk"),
    ("copy", "-t", "orders", "--source", "dev", "--target", "acct-b", "--pk", ""): pk_empty("--pk"),
    ("copy", "-t", "orders", "--source", "dev", "--target", "acct-b", "--sk-op", "="): (
        "a sort-key condition selects a slice: give --pk too"
    ),
    ("copy", "-t", "orders", "--source", "dev", "--target", "acct-b", "--pk", "c1"): None,
}


@pytest.mark.parametrize("argv", [a for a in CLI_CASES if CLI_CASES[a] is not None])
def test_the_cli_refuses_in_one_line_with_exit_2_before_any_request(proxies, in_process, argv):
    refused = in_process(*argv)
    assert refused.returncode == 2
    assert refused.stdout == ""
    assert refused.stderr.startswith(f"Error: {CLI_CASES[argv]}")
    assert refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
    no_requests(proxies)


def test_the_cli_refuses_segments_of_a_slice_in_a_dry_run_too(proxies, in_process):
    copy = ("copy", "-t", "orders", "--source", "dev", "--target", "acct-b", "--pk", "c1")
    for extra in ((), ("--dry-run",)):
        refused = in_process(*copy, "--segments", "4", *extra)
        assert refused.returncode == 2 and refused.stderr == (
            "Error: --segments splits the scan of a whole-table copy; a slice (--pk) is read by "
            "one query: drop --segments\n"
        )
    no_requests(proxies)
    planned = in_process(*copy, "--dry-run")  # the slice alone is fine
    assert planned.returncode == 0 and "pk='c1'" in planned.stdout

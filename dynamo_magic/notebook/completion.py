"""Tab completion in the magics' lines, through IPython's matcher API (version 2).

After ``%dynamo_query `` or ``-t`` it offers the chosen (or default) environment's tables; after
``--env``/``-e``, ``--source``, ``--target`` environment names; after ``--index`` the table's GSIs
and LSIs; after ``--columns``, ``--unique``, ``--filter`` (and ``--plot``) attribute names: the
table's and its indexes' keys, and the columns of the last result the magic returned for that
table; a word starting with ``-`` completes to the magic's flags. Other Python completions are
suppressed on a magic's line, where they mean nothing.

Lookups (ListTables, DescribeTable) are cached for ``CACHE_SECONDS`` and run in a thread the
completer waits for at most ``LOOKUP_SECONDS``: a slow or unreachable endpoint never freezes the
kernel (no suggestions this time; the answer, when it comes, serves the next Tab). A lookup that
fails offers nothing, silently: completion is a hint, never an error.

IPython's own API: ``IPCompleter.custom_matchers`` and ``completion_matcher(api_version=2)``
(provisional in IPython, stable since 8.6); JupySQL and ``%%bigquery`` complete the same way.
"""

from __future__ import annotations

import re
import shlex
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from IPython.core.completer import CompletionContext, SimpleCompletion, completion_matcher

from .. import api
from ..options import command_options

LOOKUP_SECONDS = 1.0  # the longest a Tab waits for a lookup (then: no suggestions this time)
CACHE_SECONDS = 60.0  # a table list or schema is looked up again after this
MAGICS = {
    "dynamo_query": "query",
    "dynamo_copy": "copy",
    "dynamo_restore": "restore",
    "dynamo_export": "export",
}
# flags every magic has besides its command's options (magics.py declares them)
EXTRA_FLAGS = {
    "query": ("-t", "--table", "-o", "--out", "--ui"),
    "copy": ("-t", "--table", "-o", "--out", "--ui"),
    "restore": ("-t", "--table"),
    "export": ("-t", "--table", "-o", "--out"),
}
ENVIRONMENT_FLAGS = frozenset(
    {"-e", "--env", "-src", "--source", "-tgt", "--target", "--storage-env"}
)
TABLE_FLAGS = frozenset({"-t", "--table"})
INDEX_FLAGS = frozenset({"-i", "--index"})
ATTRIBUTE_FLAGS = frozenset({"--columns", "--select", "-u", "--unique", "--filter", "--plot"})
_MAGIC_LINE = re.compile(r"^\s*%{1,2}(dynamo_\w+)\s")
_FRAGMENT = re.compile(r"[^\s,'\"=()<>!]*$")  # the part of the word being typed


class Lookups:
    """Cached lookups run in a background thread, waited for ``LOOKUP_SECONDS`` at most.

    Each environment's lookups run in a thread of their own (a key's second element names the
    environment): an endpoint that never answers holds up its own environment's suggestions
    (its calls wait for botocore's timeouts), never another's."""

    def __init__(self, wait: float = LOOKUP_SECONDS, keep: float = CACHE_SECONDS):
        self.wait, self.keep = wait, keep
        self._pools: dict[Any, ThreadPoolExecutor] = {}
        self._found: dict[tuple[Any, ...], tuple[float, Future[list[str]]]] = {}
        self._lock = threading.Lock()

    def _pool(self, key: tuple[Any, ...]) -> ThreadPoolExecutor:
        """The thread of ``key``'s environment (called under the lock)."""
        group = key[1] if len(key) > 1 else None
        if group not in self._pools:
            self._pools[group] = ThreadPoolExecutor(1, thread_name_prefix="dynamo-completion")
        return self._pools[group]

    def get(self, key: tuple[Any, ...], look_up: Callable[[], list[str]]) -> list[str]:
        """``look_up()``'s answer for ``key``: cached, or asked for now and waited for a
        moment; ``[]`` when it is slow (it is kept for the next call) or fails."""
        now = time.monotonic()
        with self._lock:
            cached = self._found.get(key)
            if cached is None or now - cached[0] > self.keep or _failed(cached[1]):
                cached = (now, self._pool(key).submit(look_up))
                self._found[key] = cached
        try:
            return cached[1].result(timeout=self.wait)
        except FutureTimeout:
            return []
        except Exception:  # a hint, never an error: nothing to offer
            return []

    def clear(self) -> None:
        with self._lock:
            self._found.clear()


def _failed(future: Future[list[str]]) -> bool:
    return future.done() and future.exception() is not None


class MagicCompleter:
    """What the magics' matcher (``install``) answers on every Tab (``complete``), and what it
    remembers: each table's last result columns (``remember``)."""

    def __init__(self, lookups: Lookups | None = None):
        self.lookups = lookups or Lookups()
        self._columns: dict[str, list[str]] = {}

    def remember(self, table: str, columns: Iterable[str]) -> None:
        """The columns of the last result read from ``table`` (in any environment: a table of
        that name usually has the same attributes in each): offered as attribute names after
        ``--columns``, ``--unique`` and ``--filter``."""
        self._columns[table] = [str(c) for c in columns]

    def clear(self) -> None:
        """Forget every lookup and every remembered result (the next Tab asks again)."""
        self.lookups.clear()
        self._columns.clear()

    def complete(self, context: CompletionContext) -> dict[str, Any]:
        """The matcher's answer (IPython's ``SimpleMatcherResult``): on a magic's line, what
        may come at the cursor, other completions suppressed (IPython suppresses them only when
        there is something to offer); elsewhere nothing."""
        text = context.text_until_cursor
        found = _MAGIC_LINE.match(text)
        command = MAGICS.get(found.group(1)) if found else None
        if found is None or command is None:
            return {"completions": [], "suppress": False}
        fragment = _FRAGMENT.search(text)
        typed = fragment.group(0) if fragment else ""
        words = _words(text[found.end() :])
        before = words[:-1] if typed and words and words[-1].endswith(typed) else words
        candidates = self.candidates(command, before, typed)
        chosen = sorted({c for c in candidates if c.startswith(typed)})
        return {
            "completions": [SimpleCompletion(c, type="dynamo") for c in chosen],
            "matched_fragment": typed,
            "suppress": True,
        }

    def candidates(self, command: str, before: list[str], typed: str) -> list[str]:
        """What may come next on a ``command`` magic's line after the words ``before``."""
        previous = before[-1] if before else None
        if previous in ENVIRONMENT_FLAGS:
            return self._environments()
        if previous in TABLE_FLAGS:
            return self._tables(_env_for_table(command, before))
        if previous in INDEX_FLAGS:
            return self._indexes(before, command)
        if previous in ATTRIBUTE_FLAGS:
            return self._attributes(before, command)
        if typed.startswith("-"):
            return _flags(command)
        if previous is not None and previous.startswith("-") and _takes_value(command, previous):
            return []  # a value nothing here knows how to complete (a key, a number)
        if command in ("query", "copy", "export") and not _positionals(command, before):
            return self._tables(_env_for_table(command, before))  # the first word: the table
        return []

    def _environments(self) -> list[str]:
        return self.lookups.get(("environments",), api.list_environments)

    def _tables(self, env: str | None) -> list[str]:
        return self.lookups.get(("tables", env), lambda: api.list_tables(env))

    def _schema_names(self, table: str, env: str | None, what: str) -> list[str]:
        def look_up() -> list[str]:
            schema = api.describe(table, env)
            if what == "indexes":
                return list(schema.indexes)
            names = list(schema.key.names)
            for index in schema.indexes.values():
                names += index.key.names
            return names

        return self.lookups.get((what, env, table), look_up)

    def _indexes(self, before: list[str], command: str) -> list[str]:
        table = _table_of(before, command)
        if table is None:
            return []
        return self._schema_names(table, _env_for_table(command, before), "indexes")

    def _attributes(self, before: list[str], command: str) -> list[str]:
        table = _table_of(before, command)
        if table is None:
            return []
        env = _env_for_table(command, before)
        return [*self._schema_names(table, env, "keys"), *self._columns.get(table, [])]


def _words(text: str) -> list[str]:
    """The line's words as the magic will parse them (an unclosed quote: split on spaces)."""
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def _flags(command: str) -> list[str]:
    flags = [f for option in command_options(command, "magic") for f in option.flags]
    return [*flags, *EXTRA_FLAGS.get(command, ())]


def _takes_value(command: str, flag: str) -> bool:
    if flag in ("-t", "--table", "-o", "--out"):
        return True
    for option in command_options(command, "magic"):
        if flag in option.flags:
            return option.type is not bool
    return False


def _positionals(command: str, words: list[str]) -> list[str]:
    """The words that are not flags or flags' values."""
    found, skip = [], False
    for word in words:
        if skip:
            skip = False
        elif word.startswith("-") and len(word) > 1 and not _is_number(word):
            skip = _takes_value(command, word)
        else:
            found.append(word)
    return found


def _is_number(word: str) -> bool:
    try:
        float(word)
    except ValueError:
        return False
    return True


def _value_of(words: list[str], flags: Iterable[str]) -> str | None:
    names = set(flags)
    for at, word in enumerate(words[:-1]):
        if word in names:
            return words[at + 1]
    return None


def _table_of(words: list[str], command: str) -> str | None:
    """The table the line names (``-t T`` or the first positional word)."""
    named = _value_of(words, TABLE_FLAGS)
    if named is not None:
        return named
    positionals = _positionals(command, words)
    return positionals[0] if positionals else None


def _env_for_table(command: str, words: list[str]) -> str | None:
    """The environment whose tables the line's table is one of: ``--env``, or a copy's
    ``--source``; ``None``: the default."""
    flags = ("-src", "--source") if command == "copy" else ("-e", "--env")
    return _value_of(words, flags)


def install(shell: Any) -> MagicCompleter:
    """Add the magics' matcher to ``shell``'s completer (once: a second call returns the
    ``MagicCompleter`` already there)."""
    matchers = shell.Completer.custom_matchers
    for matcher in matchers:
        if isinstance(getattr(matcher, "completer", None), MagicCompleter):
            return matcher.completer  # type: ignore[no-any-return]
    made = MagicCompleter()

    # priority: before jedi and the Python matchers, whose results it suppresses on its lines
    @completion_matcher(identifier="dynamo_magic", priority=10, api_version=2)
    def dynamo_magic_matcher(context: CompletionContext) -> dict[str, Any]:
        return made.complete(context)

    dynamo_magic_matcher.completer = made
    matchers.append(dynamo_magic_matcher)
    return made

"""A copy's transform: the user's function applied to every item on the way, in the workers.

The function receives one item as Python values (``codec.from_attribute`` with ``Decimal``
numbers: ``str``, ``Decimal``, ``bytes``, ``bool``, ``None``, sets, dicts, lists) and returns
an item (a dict of the same kinds of values), a list of items (fan-out) or ``None`` (drop the
item; an empty list too). ``ItemTransform`` wraps it for a task (``tasks.Task.transform``):
``apply`` decodes a page's wire items, calls the function, encodes what it returns back into
wire items (``codec.to_attribute``) and checks each one's key against the target's key schema:

- an exception in the function (or a value that is not an item) stops the copy with
  ``TransformFailed`` naming the function, the item's key and the exception in one line; the
  page of that item is never checkpointed, so a resume starts again at it;
- an item whose key does not fit the target (a key attribute missing, of another type, or
  empty) is a failure: saved to the failed-items file as a put request, counted, and the copy
  goes on (for a verification, ``failed`` is ``None``: it is only left out of the count).

``name_of`` is a function's identity (``module:qualname``): what the plan shows and what a
checkpoint records (a resume with another function is refused; the same function with its
code fixed is not: fixing it is why a copy stopped by a transform is resumed). ``resolve``
turns the ``transform`` keyword (a callable, or ``"module:function"`` text as the CLI gives
it) into the function, importing the module with the current folder on ``sys.path`` as
``python -m`` does.
"""

from __future__ import annotations

import functools
import importlib
import json
import logging
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..codec import AttributeValue, WireItem, encode_binaries, from_attribute, to_attribute, type_of
from ..errors import InvalidQuery, TransformFailed, literal
from ..schema import KeyAttribute, KeySchema
from .channels import Channel
from .messages import Failed, TaskResult, Transformed
from .sinks import FailedItemsFile
from .sources import Page

# The user's function: one item (Python values) in; an item, a list of items or None out.
ItemFunction = Callable[[dict[str, Any]], Any]

log = logging.getLogger(__name__)


def name_of(function: Callable[..., Any]) -> str:
    """A function's identity, ``module:qualname`` (``scrub:scrub_emails``,
    ``__main__:scrub`` for one defined in a notebook); a ``functools.partial`` is named after
    its function, a callable object after its class."""
    target = function.func if isinstance(function, functools.partial) else function
    module = getattr(target, "__module__", None) or type(target).__module__
    qualname = getattr(target, "__qualname__", None) or type(target).__qualname__
    return f"{module}:{qualname}"


def resolve(transform: object) -> ItemFunction | None:
    """The ``transform`` keyword as a function: ``None``, a callable, or ``"module:function"``
    text (``load``).

    Raises
    ------
    InvalidQuery
        Anything else, or text ``load`` refuses (one line naming ``transform``).
    """
    if transform is None:
        return None
    if isinstance(transform, str):
        return load(transform)
    if callable(transform):
        return transform
    raise InvalidQuery(
        "{transform} must be a function (item -> item, list of items or None) or "
        f"'module:function' text, not {literal(repr(transform))}",
        parameters=("transform",),
    )


def load(spec: str) -> ItemFunction:
    """The function ``spec`` names, ``module:function`` (``function`` may be dotted:
    ``module:Class.method``), importing ``module`` with the current folder first on
    ``sys.path`` as ``python -m`` does (worker processes started later inherit that path).

    Raises
    ------
    InvalidQuery
        ``spec`` is not ``module:function``, the module cannot be found or fails to import,
        it lacks the function, or what it names is not callable (one line each).
    """
    module_name, colon, attribute = spec.strip().partition(":")
    if not colon or not module_name or not attribute:
        raise _refused(
            spec,
            "is not module:function (e.g. scrub:scrub_emails for a function scrub_emails "
            "in scrub.py in the current folder)",
        )
    here = os.getcwd()
    if here not in sys.path and "" not in sys.path:
        sys.path.insert(0, here)
    try:
        found: Any = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise _refused(
                spec,
                f"no module named '{exc.name}' (looked in the current folder {here} "
                "and on the Python path)",
            ) from None
        raise _refused(spec, f"importing '{module_name}' failed: {_one_line(exc)}") from None
    except Exception as exc:  # a syntax error, an error at its import
        raise _refused(spec, f"importing '{module_name}' failed: {_one_line(exc)}") from None
    for part in attribute.split("."):
        try:
            found = getattr(found, part)
        except AttributeError:
            raise _refused(spec, f"'{module_name}' has no attribute '{attribute}'") from None
    if not callable(found):
        raise _refused(spec, f"is a {type(found).__name__}, not a function")
    function: ItemFunction = found
    return function


def _refused(spec: str, problem: str) -> InvalidQuery:
    return InvalidQuery(
        f"{{transform}} {literal(repr(spec))} {literal(problem)}", parameters=("transform",)
    )


def _one_line(error: BaseException) -> str:
    return f"{type(error).__name__}: {' '.join(str(error).split())}".rstrip(": ")


@dataclass(frozen=True)
class ItemTransform:
    """The user's ``function`` as a copy task applies it (``tasks.Task.transform``); picklable
    when the function is (loky pickles a function defined in ``__main__``, a notebook's, by
    value; one of a module by reference, imported in the worker).

    ``name``: its identity (``name_of``); ``key``: the target's key schema, which every item
    it returns must fit; ``failed``: where items that do not fit are saved (a copy), or
    ``None`` (a verification: left out of the count).
    """

    function: ItemFunction
    name: str
    key: KeySchema
    failed: FailedItemsFile | None = None

    def apply(self, page: Page, result: TaskResult, channel: Channel) -> Page:
        """``page``'s items transformed: the items to write (``Page.count``: how many), with the
        source page's ``last_key``. Adds to ``result`` the source items dropped, the items
        produced (every item the function returned), of those the ones whose key does not fit
        the target (``unfit``: not handed on) and, for a copy, the items failed (those unfit
        ones, saved now, before the page's checkpoint). The page's dropped and produced items
        are reported on ``channel`` (``Transformed``) however it ends, so a copy the function
        stopped still counts what it returned.

        Raises
        ------
        TransformFailed
            The function raised, or returned something that is not an item, a list of items
            or ``None``: one line with the function, the item's key and the error.
        """
        out: list[WireItem] = []
        bad: list[dict[str, Any]] = []
        dropped = 0
        try:
            for item in page.items:
                made = self._call(item)
                if not made:
                    dropped += 1
                for new in made:
                    (out if self.fits(new) else bad).append(new)
        finally:  # counted even when the function raised on an item of the page
            produced = len(out) + len(bad)
            result.dropped += dropped
            result.produced = (result.produced or 0) + produced
            result.unfit += len(bad)
            if dropped or produced:
                channel.send(Transformed(result.task, dropped, produced))
        if bad and self.failed is not None:
            self.failed.save([{"PutRequest": {"Item": item}} for item in bad])
            result.failed += len(bad)
            channel.send(Failed(len(bad), self.failed.path))
            log.warning(
                "transform %s: %d item(s) whose key does not fit the target's key (%s) saved to %s",
                self.short_name,
                len(bad),
                self.key,
                self.failed.path,
            )
        return Page(out, len(out), page.last_key)

    @property
    def short_name(self) -> str:
        """The function's name without its module (``scrub_emails``), as messages name it."""
        return self.name.rpartition(":")[2]

    def fits(self, item: WireItem) -> bool:
        """Whether ``item`` has every key attribute of the target, of its type, not empty."""
        for attribute in _attributes(self.key):
            value = item.get(attribute.name)
            if value is None or type_of(value) != attribute.type:
                return False
            if attribute.type in ("S", "B") and not value[attribute.type]:
                return False
        return True

    def _call(self, item: WireItem) -> list[WireItem]:
        """The function's items for ``item`` (wire form; none when it drops it)."""
        try:
            made = self.function({name: from_attribute(av, "decimal") for name, av in item.items()})
        except Exception as error:
            raise self._failed(item, _one_line(error)) from error
        if made is None:
            return []
        many = made if isinstance(made, list | tuple) else [made]
        items = []
        for one in many:
            if not isinstance(one, Mapping):
                raise self._failed(
                    item,
                    f"it returned a {type(one).__name__}: give back an item (a dict), a list "
                    "of items or None",
                )
            try:
                items.append(encode_binaries({str(k): to_attribute(v) for k, v in one.items()}))
            except Exception as error:  # a value DynamoDB cannot hold (an empty set, NaN, ...)
                raise self._failed(
                    item, f"it returned an item DynamoDB cannot store: {_one_line(error)}"
                ) from error
        return items

    def _failed(self, item: WireItem, problem: str) -> TransformFailed:
        names = [name for name in self.key.names if name in item]
        key = ", ".join(f"{json.dumps(name)}: {_key_json(item[name])}" for name in names)
        return TransformFailed(f"transform {self.short_name} failed on item {{{key}}}: {problem}")


def _attributes(key: KeySchema) -> tuple[KeyAttribute, ...]:
    return (key.hash,) + ((key.range,) if key.range else ())


def _key_json(value: AttributeValue) -> str:
    """A key value (S, N or B, wire form) as JSON: text quoted, a number as it is, binary as
    its base64 text (without importing numpy or pandas, as ``codec.json_text`` would)."""
    ((tag, text),) = value.items()
    return str(text) if tag == "N" else json.dumps(text)

"""Verification of a copy: count (or digest) both sides' items and compare.

replace/truncate: equal counts (``count``) or equal counts and sums of content hashes
(``full``); merge: the target holds at least as many items (``count``), or every source item
unchanged (``full``: ``sinks.ContainsSink`` looks each one up in the target).

Each side is read by ``tasks.Task``s with a counting sink, on the same workers as the copy.

With a transform the target is compared with the source *as the transform makes it*: the
source's tasks read its items in full (never Select COUNT, nor the plan's count) and apply
the same function before counting or hashing them (``item_transform``), so a scrub, a drop, a
fan-out or a re-key verifies like a plain copy. Items whose transformed key does not fit the
target are left out (the copy counted them as failed); a function that returns different
items for the same input (random or time-dependent values) fails a ``full`` verification.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .channels import Channel
from .digest import DIGEST_MODULUS
from .messages import TaskResult
from .operation import Tally
from .parallel import Progress
from .plan import CopyPlan
from .result import Verification
from .scopes import source_reads, target_reads
from .sinks import ContainsSink, CountSink, DigestSink, FailedItemsFile
from .sources import FullItems, Side, Source, TableSource, table_sources
from .tasks import Task, run_task
from .transforms import ItemTransform

if TYPE_CHECKING:
    from .engine import Engine


@dataclass(frozen=True)
class VerifyTask:
    """Count (or digest) one segment of one side; ``role`` says which side it belongs to."""

    role: str  # "source" or "target"
    task: Task

    @property
    def name(self) -> str:
        """What it is, as a Dask dashboard shows it: ``verify-source``, ``verify-target``."""
        return f"verify-{self.role}"


def item_transform(plan: CopyPlan, failed: FailedItemsFile | None = None) -> ItemTransform | None:
    """The plan's transform as tasks apply it (``None``: no transform): items whose key does
    not fit the target saved to ``failed`` (a copy), or left out (``None``: a verification)."""
    function = plan.request.transform
    if function is None:
        return None
    name = plan.transform_name or ""
    return ItemTransform(function, name, plan.source_schema.key, failed)


def verify_tasks(
    role: str, side: Side, method: str, plan: CopyPlan, engine: Engine
) -> list[VerifyTask]:
    """Tasks counting (``count``: Select COUNT) or digesting (``full``) ``side`` (of the slice;
    of a load's partitions); the source's items transformed first where the copy has a
    transform (read in full). A load's source is its origin, read again."""
    full = method == "full"
    transform = item_transform(plan) if role == "source" else None
    whole = full or transform is not None
    reads: list[Source] = list(table_sources(side, engine.segments, plan.slice_request))
    if role == "source" and plan.origin is not None:
        reads = source_reads(plan, engine.segments)
    elif role == "target" and plan.partition_keys is not None:
        reads = list(target_reads(plan, engine.segments))
    return [
        VerifyTask(
            role,
            Task(
                f"verify {role}",
                source if whole else _counting(source),
                DigestSink() if full else CountSink(),
                engine.policy,
                transform,
            ),
        )
        for source in reads
    ]


def _counting(source: Source) -> Source:
    """``source`` counting with Select COUNT where it is a table's (an origin's is read)."""
    if isinstance(source, TableSource):
        return dataclasses.replace(source, count_only=True)
    return source


def verify_segment(task: VerifyTask, channel: Channel) -> tuple[str, TaskResult]:
    """Runs in a worker: one side's segment counted (digested)."""
    return task.role, run_task(task.task, channel)


@dataclass
class SideCount:
    """One side's verification figures, summed over its segments."""

    count: int = 0
    digest: int = 0  # sum of item hashes modulo DIGEST_MODULUS (``full`` only)

    def add(self, part: TaskResult) -> None:
        self.count += part.handed_on
        self.digest = (self.digest + part.digest) % DIGEST_MODULUS


def source_verify_tasks(plan: CopyPlan, engine: Engine) -> list[VerifyTask]:
    """The source's share of the verification, when it needs one: ``full`` digests, or a
    ``count`` where the plan's is not exact (merge ``full`` reads the target per source item,
    so it waits for the copy)."""
    method = plan.request.verify
    if method == "none" or (plan.request.mode == "merge" and method == "full"):
        return []
    if plan.target_lacks_index or (plan.request.mode == "merge" and _looked_up(plan)):
        return []  # merge: looked up item by item (``verify``)
    if method == "count" and plan.source_items_exact and plan.request.transform is None:
        return []
    return verify_tasks("source", plan.source, method, plan, engine)


def verify(
    plan: CopyPlan,
    engine: Engine,
    progress: Progress | Tally,
    copied: int | None = None,
    source: SideCount | None = None,
    resumed: bool = False,
) -> Verification:
    """Compare source and target (slice). replace/truncate: equal counts (``count``) or equal
    keys and content hashes (``full``); merge: the target holds at least (``count``) or
    exactly (``full``) every source item.

    The source count a ``count`` verification compares with is never only what the copy
    itself read (``copied``): a read that ended short would copy, and count, too few. Where
    the plan's count is exact (a slice's Select COUNT, a table the plan counted or sampled
    whole) the target is compared with it; otherwise the source is read again by its own
    scans: ``source``, counted by the engine alongside the copy (``source_verify_tasks``),
    or, without it, here in the same ``parallel.run`` as the target so both sides' scans
    overlap. ``copied`` differing from the source count is named in the detail. ``progress``
    is told of the phase: a copy's ``operation.Tally``, or a bar of its own.

    ``resumed``: ``copied`` adds up the reads of several runs (a resumed copy), so it may
    exceed the source's count by the items the source lost between them (the replace-mode
    deletes took them out of the target): that is named, not a mismatch.
    """
    tally = progress if isinstance(progress, Tally) else Tally(progress)
    method = plan.request.verify
    if method == "none":
        return Verification("none")
    if plan.request.mode == "merge" and (
        method == "full" or plan.target_lacks_index or _looked_up(plan)
    ):
        return _verify_contains(plan, engine, tally, method)
    planned = method == "count" and plan.source_items_exact and plan.request.transform is None
    tasks = verify_tasks("target", plan.target, method, plan, engine)
    labels = [plan.target.env.label]
    if source is None and not planned:  # counted here, the two sides' scans overlapping
        tasks += source_verify_tasks(plan, engine)
        labels.insert(0, "origin" if plan.origin is not None else plan.source.env.label)
    tally.start(f"verify {' and '.join(labels)}", None)
    sums = {"source": source if source is not None else SideCount(), "target": SideCount()}
    for role, part in tally.run(verify_segment, tasks, engine):
        sums[role].add(part)
    source_count = plan.source_items if planned else sums["source"].count
    target_count = sums["target"].count
    detail = ""
    if copied is not None and copied < source_count:
        detail = f"the copy read {copied:,} of {source_count:,} source items"
    elif copied is not None and copied > source_count and resumed:
        detail = (
            f"the runs of this copy read {copied:,} source items, {copied - source_count:,} "
            "of them gone from the source since"
        )
        copied = None  # the counts (and a full verification's digests) decide
    elif copied is not None and copied > source_count:
        detail = f"the copy read {copied:,} source items, more than the {source_count:,} counted"
    if plan.request.mode == "merge":
        ok = target_count >= source_count and (copied is None or copied >= source_count)
        return Verification(method, source_count, target_count, ok, _transformed(plan, detail))
    ok = source_count == target_count and sums["source"].digest == sums["target"].digest
    ok = ok and (copied is None or copied == source_count)
    if not ok and source_count == target_count and not detail:
        detail = "contents differ"
    return Verification(method, source_count, target_count, ok, _transformed(plan, detail))


def _looked_up(plan: CopyPlan) -> bool:
    """A merge load into a table that held items: its items are looked up by key (found
    unchanged), which costs what the load wrote, not a count of the whole table (which
    could not tell the load's items from the others anyway)."""
    return plan.origin is not None and not plan.target_empty


def _transformed(plan: CopyPlan, detail: str) -> str:
    """``detail`` saying, with a transform, that the source was counted as it makes it."""
    if plan.request.transform is None:
        return detail
    note = f"source as transform {plan.transform_name} makes it"
    return f"{detail}; {note}" if detail else note


def _verify_contains(
    plan: CopyPlan, engine: Engine, tally: Tally, method: str = "full"
) -> Verification:
    """Merge: every source item (of the slice; whole items where the index projects only some
    attributes) looked up in the target by its table key, found unchanged. ``method`` names
    the verification asked for (``count`` where the target lacks the slice's index)."""
    index = plan.request.index
    partial = index is not None and plan.source_schema.index(index).projection != "ALL"
    sink = ContainsSink(plan.target, plan.key_names)
    tasks = [
        Task(
            "verify",
            FullItems(source, plan.source, plan.key_names) if partial else source,
            sink,
            engine.policy,
            item_transform(plan),
        )
        for source in source_reads(plan, engine.segments)
    ]
    tally.start("verify", plan.source_items)
    parts = tally.run(run_task, tasks, engine)
    checked = sum(p.handed_on for p in parts)
    missing = sum(p.missing for p in parts)
    found = f"{missing:,} source item(s) missing or different in the target" if missing else ""
    how = "" if method == "full" else "each item looked up in the target by key"  # as planned
    detail = "; ".join(part for part in (found, how) if part)
    return Verification(method, checked, checked - missing, not missing, _transformed(plan, detail))

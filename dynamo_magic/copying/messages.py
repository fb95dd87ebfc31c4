"""What copy workers report while they work: small typed messages, sent as things happen.

A worker sends them through its ``channels.Channel``; in the caller the engine's ``_Tally``
consumes them (counts per kind, checkpoints, failures) and passes progress on to a bar.
What a worker reported stays counted even when its task then fails and never returns its
``TaskResult``.

- ``Progressed``: items done, by kind (``"written"``, ``"deleted"``, ``"read"``);
- ``Retried``: calls sent again (botocore's quick retries and ours, reads and writes);
- ``Checkpoint``: a task's source segment and the last key fully handled (resume point);
- ``Failed``: items that could not be written after all retries, saved to a file;
- ``Logged``: a log record of a worker process, re-emitted by the caller's logging (``logs``);
- ``Finished``: a task's final result: what the worker function returned, carried back by the
  backend and handed to the consumer by ``parallel.run`` as the last message of that task.

A resume (next issues) reads the ``Checkpoint``s a stopped copy collected and starts each
unfinished segment's source from its key (``sources.TableSource.start_key``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ..codec import Item

if TYPE_CHECKING:
    from .tasks import TaskResult

Kind = Literal["written", "deleted", "read"]


@dataclass(frozen=True)
class Progressed:
    """``count`` more items done, of ``kind``: written (puts), deleted, or read (verification)."""

    count: int
    kind: Kind = "written"


@dataclass(frozen=True)
class Retried:
    """``count`` more calls sent again (a page read again, a batch sent again, by botocore's
    quick retries or by ``dynamodb.retry``), reported when the retry is made, not when the
    task ends."""

    count: int


@dataclass(frozen=True)
class Checkpoint:
    """Every item of segment ``segment`` of task ``task`` up to ``last_key`` is handled: written
    to the sink, or saved to the failed-items file. ``last_key`` is DynamoDB's
    ``LastEvaluatedKey`` in boto3's client form (``Item``: binaries as bytes), ready to be sent
    back as ``ExclusiveStartKey``; ``None`` means the segment is finished."""

    task: str
    segment: int
    last_key: Item | None


@dataclass(frozen=True)
class Failed:
    """``count`` more items could not be written after all retries; they were appended to
    ``path`` (JSON lines of write requests, never dropped)."""

    count: int
    path: str


@dataclass(frozen=True)
class Logged:
    """A log record of a worker process: its fields, picklable (``logs.portable``), handed to
    the caller's logger of the same name by ``parallel.run`` (``logs.emit``)."""

    record: dict[str, Any]


@dataclass(frozen=True)
class Finished:
    """A task's final result: a ``TaskResult`` (``tasks.run_task``), or what another worker
    function returned."""

    result: TaskResult | Any


Message = Progressed | Retried | Checkpoint | Failed | Logged | Finished

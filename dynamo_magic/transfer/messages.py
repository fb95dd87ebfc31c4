"""What copy workers report while they work: small typed messages, sent as things happen.

A worker sends them through its ``channels.Channel``; in the caller ``operation.Tally``
consumes them (counts per kind, checkpoints, failures) and passes progress on to a bar.
What a worker reported stays counted even when its task then fails and never returns its
``TaskResult``.

- ``Progressed``: items done, by kind (``"written"``, ``"deleted"``, ``"read"``);
- ``Read``: items read from a task's source (a job's progress: ``CopyJob.progress``);
- ``Transformed``: source items a task's transform dropped, and the items it returned;
- ``Retried``: calls sent again (botocore's quick retries and ours, reads and writes);
- ``Checkpoint``: a task's source segment and the last key fully handled (resume point);
- ``Failed``: items that could not be written after all retries, saved to a file;
- ``Logged``: a log record of a worker process, re-emitted by the caller's logging (``logs``);
- ``Finished``: a task's final result (a ``TaskResult``: what one task did): what the worker
  function returned, carried back by the backend and handed to the consumer by
  ``parallel.run`` as the last message of that task.

The caller saves a copy's ``Checkpoint``s in its checkpoint file (``checkpoints``); a resume
starts each unfinished segment's source from its key (``sources.TableSource.start_key``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ..codec import Item

Kind = Literal["written", "deleted", "read"]


@dataclass(frozen=True)
class Progressed:
    """``count`` more items done, of ``kind``: written (puts), deleted, or read (verification)."""

    count: int
    kind: Kind = "written"


@dataclass(frozen=True)
class Read:
    """``count`` more items read from the source of task ``task`` (``"copy"``, ``"delete"``,
    ...), before any transform: one message a page."""

    task: str
    count: int


@dataclass(frozen=True)
class Transformed:
    """Task ``task``'s transform took one more page: ``dropped`` source items it dropped (it
    returned ``None`` or ``[]``) and ``produced`` items it returned, whatever became of them
    (written, failed the target's key check, or never written: the copy stopped first).
    Sent even when the function then raised on an item of the page (what it returned before
    counts)."""

    task: str
    dropped: int
    produced: int


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
    back as ``ExclusiveStartKey``; ``None`` means the segment is finished. ``read``: items
    the task has read from its source so far, this page's included (a resume's checkpoint
    file adds those of earlier runs: ``checkpoints.CheckpointFile.record``)."""

    task: str
    segment: int
    last_key: Item | None
    read: int = 0


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


@dataclass
class TaskResult:
    """What one task did (one segment or slice); items are counted, not requests."""

    task: str
    segment: int
    items_read: int = 0  # from the source (a Select COUNT source: items counted)
    written: int = 0  # put into the sink's table
    deleted: int = 0  # deleted from the sink's table
    dropped: int = 0  # source items the transform dropped (it returned None or [])
    produced: int | None = None  # items the transform returned (None: no transform)
    unfit: int = 0  # of those, items whose key does not fit the target (not handed on)
    failed: int = 0  # not written after all retries: saved to the failed-items file
    missing: int = 0  # verification of a merge: source items the target lacks or holds changed
    digest: int = 0  # verification: sum of the items' content hashes (``digest.DIGEST_MODULUS``)
    keys: list[str] = field(default_factory=list)  # keys written (``TableSink.collect_keys``)
    files: list[Any] = field(default_factory=list)  # files written (``export_files.DataFile``)
    stopped: bool = False  # the caller's stop flag ended the task before its source did

    @property
    def handed_on(self) -> int:
        """Items the task gave its sink: those read, or with a transform the items it returned
        whose key fits the target (what a verification counts of the source)."""
        return self.items_read if self.produced is None else self.produced - self.unfit


@dataclass(frozen=True)
class Finished:
    """A task's final result: a ``TaskResult`` (``tasks.run_task``), or what another worker
    function returned."""

    result: TaskResult | Any


Message = Progressed | Read | Transformed | Retried | Checkpoint | Failed | Logged | Finished

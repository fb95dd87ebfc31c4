"""One copy or truncate under way: what every such operation keeps, in one place.

``Operation`` (a context manager around the operation's phases) keeps its ``Tally`` (the one
consumer of the workers' messages: counts, retries, failures, checkpoints, the progress
bar's phases, the cancel flag; made by whoever watches the operation, a ``job.CopyJob``),
its clock, and how it ends: run to its end, stopped by Ctrl-C or Cancel
(``interrupted``, with what the workers had reported), or failed by an error after the first
phase began (``error`` and ``cause`` set, the failed-items file counted); an error before
that (creating the target, the backup: nothing written) is raised as it is. Its summary line
is logged when it ends (INFO, or WARNING when not OK), with the failed-items file (WARNING).

Logged (``logging.getLogger(__name__)``): each phase's start and end, with its items and
seconds (INFO).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ..codec import Item
from ..dynamodb.capacity import Budget
from ..errors import DynamoMagicError
from . import parallel
from .checkpoints import CheckpointFile
from .messages import (
    Checkpoint,
    Failed,
    Finished,
    Message,
    Progressed,
    Read,
    Retried,
    TaskResult,
    Transformed,
)
from .parallel import NoProgress, Progress
from .result import CopyResult, Outcome

if TYPE_CHECKING:
    from .engine import Engine

COPY_TASK = "copy"  # the task whose segments a checkpoint file follows
EXPORT_TASK = "export"  # an export's segments (``exporting``): a table read into files
SOURCE_TASKS = (COPY_TASK, EXPORT_TASK)  # the tasks whose reads a job's ``progress().read`` counts

log = logging.getLogger(__name__)


class Operation:
    """One copy or truncate, from its first step to its summary line.

    Parameters
    ----------
    result : CopyResult
        Filled as the operation goes; its outcome is set when the ``with`` block ends.
    failed_path : Path
        Where the operation's workers save items that stay unwritten (or undeleted); named in
        ``result.failed_file`` if it was written.
    tally : Tally, optional
        The consumer of the workers' messages, with the progress bar and the cancel flag (set
        from another thread to stop the operation as Ctrl-C does); made by the caller when it
        watches the operation (``job.CopyJob``), else a new one that shows nothing.

    Examples
    --------
    >>> with Operation(result, failed_path, Tally(progress)) as operation:  # doctest: +SKIP
    ...     operation.tally.start("delete", None)
    ...     operation.tally.run(run_task, tasks, engine)

    Within the block, Ctrl-C or ``cancel`` (``parallel.Cancelled``) ends the operation
    ``interrupted``, and an exception after a phase began ends it failed: the block's
    exception is then not raised, ``result`` says what happened. An exception before the first
    phase is raised (nothing was written).
    """

    def __init__(self, result: CopyResult, failed_path: Path, tally: Tally | None = None):
        self.result = result
        self.failed_path = failed_path
        self.tally = tally if tally is not None else Tally()
        self.started = 0.0  # time.monotonic() when the block began
        self._timed = False  # the seconds were taken (``stop_clock``)

    def __enter__(self) -> Operation:
        self.started = self.tally.began = time.monotonic()
        return self

    def stop_clock(self) -> None:
        """Take the operation's seconds now (a copy's exclude its verification)."""
        self.result.seconds = time.monotonic() - self.started
        self._timed = True

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> bool:
        result, tally = self.result, self.tally
        finished = kind is None
        ended = True  # as a result that says how; False: the exception goes on
        try:
            if error is None:
                result.retried = tally.retries
                if not self._timed:
                    self.stop_clock()
            elif isinstance(error, KeyboardInterrupt | parallel.Cancelled):
                tally.interrupted(result)
                self.stop_clock()
            elif isinstance(error, Exception) and tally.phase:
                # any failure while working ends as a result that says it
                tally.failed_by(result, error, self.failed_path)
                self.stop_clock()
                result.cause = error
            else:  # before the first phase (creating the target, the backup): nothing written
                ended = False
        finally:
            tally.close(result.outcome if finished or not result.ok else Outcome.FAILED)
            _save_last(tally.checkpoint)
        if not ended:
            return False
        if self.failed_path.exists():
            result.failed_file = str(self.failed_path)
        log_outcome(result)
        return True


class Tally:
    """The consumer of the workers' messages: passes progress on to ``progress`` and keeps,
    over every phase, the items written and deleted, the retries, the failures, and each
    unfinished segment's last checkpoint.

    On Ctrl-C, Cancel or a failure every running segment stops within its request in flight
    and returns its ``TaskResult`` (``stopped``: its last checkpoint is kept); a segment that
    raised never returns one, but the writes it had confirmed and the retries it had made
    were reported here as they happened, so such a result still says what was done.

    With ``checkpoint`` (the copy's ``checkpoints.CheckpointFile``, set by ``engine.execute``)
    the ``copy`` task's checkpoints, finished segments and failures are recorded there as
    they arrive; ``Operation`` saves it once more as the operation ends, however it ends.
    """

    def __init__(self, progress: Progress | None = None, cancel: threading.Event | None = None):
        self.progress: Progress = progress if progress is not None else NoProgress()
        self.cancel = cancel  # set by the caller: workers stop (``parallel.run``)
        # set by the caller after ``cancel``: stop waiting for the workers' requests in flight
        self.abandon: threading.Event | None = None
        self.phase = ""
        # what the operation does now, as a job's progress says (``job.CopyJob.progress``):
        # "plan" until it begins, then "create target", "backup", "start workers", each phase
        self.stage = "plan"
        self.began: float | None = None  # time.monotonic() when the operation began
        self.read: dict[str, int] = {}  # items read from the sources, by task (``Read``)
        # by task (``Transformed``): source items its transform dropped, items it returned
        self.dropped: dict[str, int] = {}
        self.produced: dict[str, int] = {}
        self.phase_started = 0.0  # time.monotonic() when the phase began
        self.phase_items = 0  # items done in the phase (any kind)
        self.done: dict[str, int] = {}  # items by kind: written, deleted, read
        self.retries = 0  # calls sent again (botocore's retries and ours)
        self.failed = 0  # items saved as unwritten
        self.checkpoints: dict[tuple[str, int], Item] = {}  # unfinished segments' last keys
        # the copy's checkpoint file: told of the ``copy`` task's segments (set by the engine)
        self.checkpoint_chosen = threading.Event()  # set once ``checkpoint`` is (``CopyJob``)
        self._checkpoint: CheckpointFile | None = None
        # the operation's capacity budget, carried to the workers (set by the engine)
        self.budget: Budget | None = None
        self._finished: set[tuple[str, int]] = set()
        self._lock = threading.Lock()  # the drainer thread and the caller's both deliver
        self._open = False  # a phase was started and not closed yet
        self._failed_before = 0  # ``failed`` when the open phase started

    @property
    def checkpoint(self) -> CheckpointFile | None:
        """The copy's checkpoint file (``None`` until the copy has chosen it)."""
        return self._checkpoint

    @checkpoint.setter
    def checkpoint(self, record: CheckpointFile | None) -> None:
        self._checkpoint = record
        if record is not None:
            self.checkpoint_chosen.set()

    def start(self, phase: str, total: int | None, done: int = 0) -> None:
        """Begin ``phase``, ending the one before (it ran to its end: ``FAILED`` if items
        failed in it, else ``SUCCESS``); ``done``: its items earlier runs did (``Progress``)."""
        self.close(Outcome.FAILED if self.failed > self._failed_before else Outcome.SUCCESS)
        self.phase = self.stage = phase
        parallel.check_cancel(self.cancel)
        self._open, self._failed_before = True, self.failed
        self.phase_started, self.phase_items = time.monotonic(), 0
        estimate = f" (about {total:,} items)" if total is not None else ""
        log.info("phase %s started%s", phase, estimate)
        start_at = getattr(self.progress, "start_at", None)  # optional (``Progress``)
        if done and start_at is not None:
            start_at(phase, total, done)
        else:
            self.progress.start(phase, total)
            if done:
                self.progress.advance(done)

    def _log_phase_end(self) -> None:
        """Log the phase under way as ended, with its items and seconds (how the operation
        ended is its summary's to say)."""
        if self.phase_started:
            seconds = time.monotonic() - self.phase_started
            log.info("phase %s ended: %d item(s) in %.1f s", self.phase, self.phase_items, seconds)
            self.phase_started = 0.0

    def run(
        self,
        function: Callable[..., Any],
        tasks: Iterable[Any],
        engine: Engine,
        on_result: Callable[[Any], None] | None = None,
    ) -> list[Any]:
        """``parallel.run`` of ``tasks`` on ``engine``'s workers, their messages received here
        and stopped by the cancel flag."""
        return parallel.run(
            function,
            tasks,
            engine.workers,
            engine.backend,
            on_message=self.receive,
            on_result=on_result,
            cancel=self.cancel,
            abandon=self.abandon,
            budget=self.budget,
        )

    def receive(self, message: Message) -> None:
        """One message of a worker (``parallel.run`` calls this as they arrive)."""
        if isinstance(message, Progressed):
            self.done[message.kind] = self.done.get(message.kind, 0) + message.count
            self.phase_items += message.count
            self.progress.advance(message.count)
        elif isinstance(message, Read):
            self.read[message.task] = self.read.get(message.task, 0) + message.count
        elif isinstance(message, Transformed):
            self.dropped[message.task] = self.dropped.get(message.task, 0) + message.dropped
            self.produced[message.task] = self.produced.get(message.task, 0) + message.produced
        elif isinstance(message, Retried):
            self.retries += message.count
        elif isinstance(message, Failed):
            self.failed += message.count
            if self.checkpoint is not None:
                self.checkpoint.add_failed(message.count, message.path)
        elif isinstance(message, Checkpoint):
            with self._lock:
                where = (message.task, message.segment)
                if where in self._finished:  # a checkpoint may arrive after the result
                    return
                self.checkpoints[where] = message.last_key  # type: ignore[assignment]
            if self.checkpoint is not None and message.task == COPY_TASK and message.last_key:
                self.checkpoint.record(message.segment, message.last_key, message.read)
        elif isinstance(message, Finished) and isinstance(message.result, TaskResult):
            if message.result.stopped:  # unfinished: its last checkpoint is where to resume
                return
            with self._lock:
                where = (message.result.task, message.result.segment)
                self._finished.add(where)
                self.checkpoints.pop(where, None)
            if self.checkpoint is not None and message.result.task == COPY_TASK:
                self.checkpoint.finish_segment(message.result.segment, message.result.items_read)

    def advance(self, count: int) -> None:
        """Moves the bar only (workers' items arrive as ``Progressed`` messages)."""
        self.progress.advance(count)

    def close(self, outcome: Outcome = Outcome.SUCCESS) -> None:
        """End the phase shown, if one is open, as ``outcome`` (logged with its items and
        seconds)."""
        self._log_phase_end()
        if self._open:
            self._open = False
            self.progress.close(outcome)

    def interrupted(self, result: CopyResult) -> None:
        """Mark ``result`` interrupted, with the writes reported by unfinished segments."""
        result.interrupted = True
        self._account(result)

    def failed_by(self, result: CopyResult, error: BaseException, failed_path: Path) -> None:
        """Mark ``result`` failed by ``error`` (a read that kept failing after all retries, a
        worker that raised, a lost connection), with the writes reported so far and every
        item saved as unwritten (the file holds the unfinished segments' ones too)."""
        self._account(result)
        result.error = _one_line(error)
        if failed_path.exists():
            with failed_path.open(encoding="utf-8") as saved:
                result.failed = max(result.failed, sum(1 for _ in saved))

    def _account(self, result: CopyResult) -> None:
        result.written = max(result.written, self.done.get("written", 0))
        result.deleted = max(result.deleted, self.done.get("deleted", 0))
        result.failed = max(result.failed, self.failed)
        result.retried = self.retries
        result.checkpoints = dict(self.checkpoints)


def _save_last(checkpoint: CheckpointFile | None) -> None:
    """Save the checkpoint file as the operation ends, however it ends (what the throttled
    saves left out); a failure to save is logged, not raised over the operation's outcome."""
    if checkpoint is None:
        return
    try:
        checkpoint.save()
    except OSError as error:
        log.warning("checkpoint %s not saved: %s", checkpoint.path, error)


def log_outcome(result: CopyResult) -> None:
    """Log how an operation (a copy, a truncate) ended: its summary line, at INFO when it
    ended OK, else at WARNING; the failed-items file, with its count, at WARNING."""
    if result.failed_file:
        what = "undeleted" if result.operation == "truncate" else "unwritten"
        log.warning(
            "%s: %d %s item(s) saved to %s",
            result.operation,
            result.failed,
            what,
            result.failed_file,
        )
    log.log(logging.INFO if result.ok else logging.WARNING, "%s", result.summary_line())


def _one_line(error: BaseException) -> str:
    """The error as one line that says what to do: a copy can be run again (puts and deletes
    are idempotent; replace mode makes the target exact)."""
    text = " ".join(str(error).split()) or type(error).__name__
    if not isinstance(error, DynamoMagicError):
        text = f"{type(error).__name__}: {text}"
    return f"{text}; nothing was rolled back: fix the cause and run it again"

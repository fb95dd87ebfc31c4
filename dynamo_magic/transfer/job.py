"""A copy under way in a thread of its own: ``CopyJob`` (``dynamo_magic.start_copy``).

Modelled on s3transfer's ``TransferFuture``: the job composes a ``concurrent.futures.Future``
(its outcome: the ``CopyResult``, or what the copy raised) with what only a copy has: a
progress snapshot read from the copy's ``operation.Tally`` (the one consumer of its workers'
messages) and a cancel flag that stops every worker within the request it has in flight, as
Ctrl-C does. ``dynamo_magic.copy`` is ``start_copy(...).result()``: a Ctrl-C while the caller
waits in ``result`` cancels the job and ends as a Ctrl-C always has (see ``CopyJob.result``).

``checkpoint`` is the path of the copy's checkpoint file (``checkpoints``): what
``dynamo_magic.copy(..., resume=path)`` continues from.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

from ..errors import CopyFailed
from . import parallel
from .operation import SOURCE_TASKS, Tally
from .result import CopyResult

ENDED = "ended"  # ``CopyProgress.phase`` once the job has ended, however it ended
WAIT_STEP = 0.1  # seconds between a waiting caller's looks at a Ctrl-C (``CopyJob._wait``)


@dataclass(frozen=True)
class CopyProgress:
    """A snapshot of a copy job (``CopyJob.progress``): counts so far, never going back.

    Parameters
    ----------
    phase : str
        What the copy does now: ``"plan"``, ``"create target"``, ``"backup"``, ``"start
        workers"``, then its phases as the progress bars name them (``"copy"``, ``"delete"``,
        ``"refresh"``, ``"verify ..."``); ``"ended"`` once the job has ended.
    read : int
        Items read from the source so far, in items.
    written, deleted : int
        Items put into / deleted from the target so far (acknowledged by DynamoDB), in items.
    retried : int
        Calls sent again so far (botocore's retries and dynamo_magic's).
    failed : int
        Items that stayed unwritten after all retries (saved to the failed-items file).
    items_per_second : float
        Items written per second since the copy began writing (its plan made), as
        ``CopyResult.items_per_second``.
    seconds : float
        Seconds since the job started (``start_copy``), until it ended.

    Once the job has ended with a result (``CopyResult``, also that of a ``CopyFailed``) the
    counts are the result's own.
    """

    phase: str
    read: int = 0
    written: int = 0
    deleted: int = 0
    retried: int = 0
    failed: int = 0
    items_per_second: float = 0.0
    seconds: float = 0.0


class CopyJob:
    """A copy running in a thread the job owns; returned at once by ``dynamo_magic.start_copy``.

    ``result()`` waits for its ``CopyResult`` (raising what ``copy`` raises), ``progress()``
    says how far it is, ``cancel()`` stops it as Ctrl-C does, ``done()`` says whether it has
    ended. A program (a script, a kernel) that ends while a job runs cancels it and waits for
    it to stop, as ``cancel()`` then ``result()`` would: every worker ends within the request
    it has in flight, the checkpoint file is saved (``resume=True`` continues the copy), and
    the interrupted copy's summary line is logged (one WARNING line); a Ctrl-C during that
    wait stops waiting for the requests in flight.

    Examples
    --------
    >>> job = dm.start_copy("orders", source="dev", target="stage", yes=True)  # doctest: +SKIP
    >>> job.progress().written  # doctest: +SKIP
    1200
    >>> job.result().summary_line()  # doctest: +SKIP
    'copy OK: 30,000 written, ...'
    """

    def __init__(self, work: Callable[[], CopyResult], tally: Tally, name: str = "dynamo-copy"):
        """Start ``work`` (the copy, reporting to ``tally``, whose ``cancel`` flag it watches)
        in a new thread."""
        if tally.cancel is None:
            tally.cancel = threading.Event()
        tally.abandon = threading.Event()  # a second Ctrl-C in ``result``
        self._cancel: threading.Event = tally.cancel
        self._abandon = tally.abandon
        self._tally = tally
        self._future: Future[CopyResult] = Future()
        self._future.set_running_or_notify_cancel()  # it runs from now: Future.cancel() can't
        self._started = time.monotonic()
        self._ended: float | None = None
        # ended without choosing a checkpoint file (refused): nobody waits for one any more
        self._future.add_done_callback(lambda _: tally.checkpoint_chosen.set())
        self._thread = threading.Thread(target=self._run, args=(work,), name=name, daemon=True)
        with _running_lock:
            _running.add(self)
        parallel.at_exit(_stop_running_jobs)
        self._thread.start()

    def _run(self, work: Callable[[], CopyResult]) -> None:
        try:
            result = work()
        except BaseException as error:  # the caller's to see, in ``result()``
            self._ended = time.monotonic()
            self._future.set_exception(error)
        else:
            self._ended = time.monotonic()
            self._future.set_result(result)
        finally:
            with _running_lock:
                _running.discard(self)

    def done(self) -> bool:
        """Whether the copy has ended (with a result, failed, refused or cancelled)."""
        return self._future.done()

    def cancel(self) -> bool:
        """Stop the copy as Ctrl-C does: every worker stops within the request it has in
        flight, and ``result()`` raises ``CopyFailed`` whose result is ``interrupted`` and counts
        exactly what the target acknowledged. A copy still planning stops once its plan is
        made, before anything is written; one waiting for its backup to become AVAILABLE stops
        waiting (the backup is named in the result). Returns whether the copy was still
        running; cancelling again does nothing more."""
        running = not self._future.done()
        self._cancel.set()
        return running

    def result(self, timeout: float | None = None) -> CopyResult:
        """Wait for the copy to end (at most ``timeout`` seconds) and return its result.

        A Ctrl-C (``KeyboardInterrupt``) while waiting cancels the job and waits for it to
        stop, as ``dynamo_magic.copy`` always has: the interrupted copy's ``CopyFailed`` is
        raised, or, when the copy was still planning and had touched nothing, the
        ``KeyboardInterrupt`` itself. A second Ctrl-C stops waiting for the workers' requests
        in flight (what they write then is not counted); a third raises at once.

        Raises
        ------
        CopyFailed
            Items stayed unwritten, verification failed or the copy was cancelled or
            interrupted; ``.result`` is the CopyResult.
        ConfirmationRequired, UnsafeOperation, DynamoMagicError
            What planning refused, before any write (as ``dynamo_magic.copy``).
        TimeoutError
            The copy has not ended within ``timeout`` seconds (it goes on).
        """
        try:
            self._wait(timeout)
            return self._future.result()
        except KeyboardInterrupt:
            planning = self._tally.began is None
            self.cancel()
            try:
                self._wait()  # every worker ends within its request in flight
            except KeyboardInterrupt:  # a second Ctrl-C: not waiting for those requests
                self._abandon.set()
                self._wait()  # (a third Ctrl-C: at once)
            if planning and _untouched(self._future.exception()):
                raise  # as a Ctrl-C while planning always was: nothing to report
        return self._future.result()

    def _wait(self, timeout: float | None = None) -> None:
        """Until the copy has ended, in steps of ``WAIT_STEP`` seconds: CPython runs a Ctrl-C's
        handler in the main thread only, and the OS may give the signal to another thread of
        the process (a copy's, a server's): a wait without a timeout would not wake for it.

        Raises
        ------
        TimeoutError
            Not ended within ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            step = WAIT_STEP
            if deadline is not None:
                step = min(step, max(0.0, deadline - time.monotonic()))
            try:
                self._future.exception(step)
                return
            except TimeoutError:
                if deadline is not None and time.monotonic() >= deadline:
                    raise

    @property
    def checkpoint(self) -> str | None:
        """The path of the copy's checkpoint file (``resume=`` it to continue a copy that did
        not end); ``None`` until the plan is made and confirmed, and for a copy refused."""
        record = self._tally.checkpoint
        return str(record.path) if record is not None else None

    @property
    def resuming(self) -> str | None:
        """A resumed job's line saying what it keeps and what is left (an export's: segments
        kept and left, files redone); ``None`` for a job that is no resume, or before its
        checkpoint is chosen (``wait_checkpoint``)."""
        record = self._tally.checkpoint
        return record.resuming if record is not None else None

    def wait_checkpoint(self, timeout: float | None = None) -> str | None:
        """Wait (at most ``timeout`` seconds) until the copy has chosen its checkpoint file
        (once planned and confirmed, before its first write) or has ended; its path, or
        ``None`` (refused, or not chosen yet). A Ctrl-C while waiting cancels the copy, which
        has written nothing yet, and is raised."""
        try:
            self._tally.checkpoint_chosen.wait(timeout)
        except KeyboardInterrupt:
            self.cancel()
            raise
        return self.checkpoint

    def add_done_callback(self, callback: Callable[[CopyJob], object]) -> None:
        """Call ``callback(job)`` once the copy has ended (at once if it has), in the thread
        that ended it."""
        self._future.add_done_callback(lambda _: callback(self))

    def progress(self) -> CopyProgress:
        """How far the copy is now (a frozen snapshot; see ``CopyProgress``)."""
        ended = self._ended
        seconds = (ended if ended is not None else time.monotonic()) - self._started
        if ended is not None:
            error = self._future.exception()
            result = error.result if isinstance(error, CopyFailed) else None
            if error is None:
                result = self._future.result()
            if isinstance(result, CopyResult):
                return CopyProgress(
                    ENDED,
                    result.items_read,
                    result.written,
                    result.deleted,
                    result.retried,
                    result.failed,
                    result.items_per_second,
                    seconds,
                )
        tally = self._tally
        written = tally.done.get("written", 0)
        began = tally.began
        rate = written / (time.monotonic() - began) if began is not None and written else 0.0
        return CopyProgress(
            ENDED if ended is not None else tally.stage,
            sum(tally.read.get(task, 0) for task in SOURCE_TASKS),
            written,
            tally.done.get("deleted", 0),
            tally.retries,
            tally.failed,
            rate,
            seconds,
        )

    def __repr__(self) -> str:
        now = self.progress()
        return (
            f"<CopyJob {now.phase}: {now.read:,} read, {now.written:,} written, "
            f"{now.deleted:,} deleted, {now.failed:,} failed in {now.seconds:.1f} s>"
        )


_running: set[CopyJob] = set()  # jobs whose thread has not ended
_running_lock = threading.Lock()


def _stop_running_jobs() -> None:
    """At the interpreter's exit (``parallel.at_exit``): cancel every job still running and
    wait for each to stop (a Ctrl-C meanwhile: stop waiting for the requests in flight; a
    second: at once); its worker threads and processes end with it, its checkpoint saved.
    One line on stderr for each job that had begun its work: its summary and its checkpoint
    (the package logs to a ``NullHandler`` unless configured, and the program is ending: no
    one else is left to say it)."""
    with _running_lock:
        jobs = list(_running)
    for job in jobs:
        job.cancel()
    try:
        for job in jobs:
            job._wait()
    except KeyboardInterrupt:
        for job in jobs:
            job._abandon.set()
        for job in jobs:
            job._wait()
    for job in jobs:
        error = job._future.exception() if job.done() else None
        if isinstance(error, CopyFailed) and isinstance(error.result, CopyResult):
            line = error.result.summary_line()
            if job.checkpoint:
                line += f"; stopped as the program ended: resume it from {job.checkpoint}"
            print(line, file=sys.stderr)


def _untouched(error: BaseException | None) -> bool:
    """The copy ended with ``error`` and wrote, deleted, created and backed up nothing (a
    refusal, or a copy cancelled before it began)."""
    if error is None:
        return False
    result = error.result if isinstance(error, CopyFailed) else None
    if not isinstance(result, CopyResult):
        return True
    return not (result.written or result.deleted or result.created_target or result.backup)

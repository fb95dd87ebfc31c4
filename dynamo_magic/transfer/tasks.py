"""The unit of work of a copy: a source, an optional per-item transform, a sink; one worker loop.

A ``Task`` is small and picklable: its source and sink are descriptions holding the
``Environment`` of each table (name, region, endpoint, profile) and the ``RetryPolicy`` is the
caller's, so a worker — a thread, a loky process, one day a remote machine — builds its
clients from the task alone and reads no state of the caller's process. ``run_task`` is the
one worker loop: page by page (memory does not grow with the table) it reads the source,
maps the items through the transform, hands them to the sink and reports a ``Checkpoint``;
the next page is read while this one is written (``ReadAhead``: one page ahead).
When the caller is interrupted (the channel's stop flag) the worker stops between requests:
its source and sink send nothing more (``retry.Interrupted``), the requests in flight are
answered and counted, and the task returns what it did, ``stopped``; the page it was on gets
no checkpoint (even when its writes in flight then completed it), so a resume starts at that
page again. Items stay ``WireItem``s all the way.

Where the next features go, each in one place:
- resume: a ``sources.TableSource`` made with a checkpoint's ``start_key`` (``checkpoints``);
- transforms: ``Task.transform`` (``transforms.ItemTransform``), applied here, skipped when
  ``None``;
- capacity limits: the channel's budget (``transfer.limits``), metering every read and write
  of the sources and sinks;
- export/import: a source or a sink of files (``sources``, ``sinks``);
- a Dask backend: ``parallel.run``'s joblib backend and its channel (``channels.register``).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..dynamodb.retry import Interrupted, RetryPolicy
from .channels import Channel
from .messages import Checkpoint, Read, TaskResult
from .sinks import Sink
from .sources import Page, Source
from .transforms import ItemTransform

# The user's function as a task applies it (``transforms``): runs in the workers, so it must
# pickle for process backends (loky pickles a notebook's functions by value).
Transform = ItemTransform


@dataclass(frozen=True)
class Task:
    """Read ``source``, map every item through ``transform`` (if any), write ``sink``.

    ``name`` labels the task's checkpoints (``"copy"``, ``"delete"``, ``"verify source"``);
    ``checkpoints``: report one after every page (tasks that write).
    """

    name: str
    source: Source
    sink: Sink
    policy: RetryPolicy
    transform: Transform | None = None
    checkpoints: bool = False


def run_task(task: Task, channel: Channel) -> TaskResult:
    """Run ``task`` in a worker: source -> transform -> sink, page by page, reporting on
    ``channel``; returns its result (``stopped`` when the channel's stop flag ended it: between
    requests, everything sent counted). The sink is closed (unwritten items saved, counts
    added) however the loop ends, so nothing is lost with an exception."""
    result = TaskResult(task.name, task.source.segment)
    if channel.stopped():  # stopped (Ctrl-C, Cancel) before this task began: read nothing
        result.stopped = True
        return result
    sink = task.sink.open(task.policy, channel)
    pages: ReadAhead | None = None
    try:
        pages = ReadAhead(task.source.pages(task.policy, channel))
        for page in pages:
            result.items_read += page.count
            if page.count:
                channel.send(Read(task.name, page.count))
            if channel.stopped():  # a page answered after the stop: not transformed, written
                result.stopped = True
                break
            if task.transform is not None:
                page = task.transform.apply(page, result, channel)
            sink.write(page)
            if channel.stopped():  # the page the stop landed on gets no checkpoint (below)
                result.stopped = True
                break
            if task.checkpoints and page.last_key is not None:
                channel.send(
                    Checkpoint(task.name, result.segment, page.last_key, result.items_read)
                )
    except Interrupted:  # the source or the sink saw the stop flag before its next request
        result.stopped = True
    finally:
        if pages is not None:
            pages.close()  # its read in flight answered: nothing of the task's runs on
        sink.close(result)
    return result


class ReadAhead:
    """The pages of a source, read one page ahead in a thread of its own, so a task's next
    Scan is in flight while its sink writes the page before (at most two pages held).

    Iterating yields the pages in order and raises what the source raised; ``close()`` (in a
    ``finally``) tells the reading thread to stop after the page it is reading and waits for
    it: its request in flight is answered, none is sent after.
    """

    _END = object()

    def __init__(self, pages: Iterator[Page]):
        self._pages = pages
        self._ready: queue.Queue[Any] = queue.Queue(maxsize=1)
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._read, name="dynamo-read", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for page in self._pages:
                if not self._offer(page):
                    return
            self._offer(self._END)
        except BaseException as error:  # handed to the task's thread, raised there
            self._offer(_Raised(error))
        finally:
            close = getattr(self._pages, "close", None)
            if close is not None:
                close()

    def _offer(self, value: Any) -> bool:
        """Put ``value`` for the task's thread; ``False`` once ``close()`` was called."""
        while not self._closed.is_set():
            try:
                self._ready.put(value, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[Page]:
        while True:
            value = self._ready.get()
            if value is self._END:
                return
            if isinstance(value, _Raised):
                raise value.error
            yield value

    def close(self) -> None:
        self._closed.set()
        self._thread.join()


@dataclass(frozen=True)
class _Raised:
    error: BaseException

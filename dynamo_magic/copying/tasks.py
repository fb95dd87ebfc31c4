"""The unit of work of a copy: a source, an optional per-item transform, a sink; one worker loop.

A ``Task`` is small and picklable: its source and sink are descriptions holding the
``Environment`` of each table (name, region, endpoint, profile) and the ``RetryPolicy`` is the
caller's, so a worker — a thread, a loky process, one day a remote machine — builds its
clients from the task alone and reads no state of the caller's process. ``run_task`` is the
one worker loop: page by page (memory does not grow with the table) it reads the source,
maps the items through the transform, hands them to the sink and reports a ``Checkpoint``.
When the caller is interrupted (the channel's stop flag) the worker stops between requests:
its source and sink send nothing more (``retry.Interrupted``), the request in flight is
answered and counted, and the task returns what it did, ``stopped``; the page it was on gets
no checkpoint, so a resume starts at that page again. Items stay ``WireItem``s all the way.

Where the next features go, each in one place:
- resume: a ``sources.TableSource`` made with a checkpoint's ``start_key`` (``checkpoints``);
- transforms: ``Task.transform`` (``transforms.ItemTransform``), applied here, skipped when
  ``None``;
- rate limits: a wrapper of a source or of ``sinks.TableSink``'s writer;
- export/import: a source or a sink of files (``sources``, ``sinks``);
- a Dask backend: ``parallel.run``'s joblib backend and its channel (``channels.register``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..dynamodb.retry import Interrupted, RetryPolicy
from .channels import Channel
from .messages import Checkpoint, Read, TaskResult
from .sinks import Sink
from .sources import Source
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
    sink = task.sink.open(task.policy, channel)
    try:
        if channel.stopped():  # stopped (Ctrl-C, Cancel) before this task began: read nothing
            result.stopped = True
            return result
        for page in task.source.pages(task.policy, channel):
            result.items_read += page.count
            if page.count:
                channel.send(Read(task.name, page.count))
            if task.transform is not None:
                page = task.transform.apply(page, result, channel)
            sink.write(page)
            if task.checkpoints and page.last_key is not None:
                channel.send(
                    Checkpoint(task.name, result.segment, page.last_key, result.items_read)
                )
            if channel.stopped():  # a source that does not watch the flag itself
                result.stopped = True
                break
    except Interrupted:  # the source or the sink saw the stop flag before its next request
        result.stopped = True
    finally:
        sink.close(result)
    return result

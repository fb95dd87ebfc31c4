"""Log records of worker processes, sent to the caller's logging.

dynamo_magic logs through the standard library (``logging.getLogger(__name__)`` in each module,
a ``NullHandler`` on the ``dynamo_magic`` logger: nothing is shown unless the user configures
logging). Workers that are threads of the caller log as it does. A worker *process* (loky; a
Dask worker one day) has none of the caller's handlers, and handlers do not pickle; so for the
length of a task its ``dynamo_magic`` logger sends every record it lets through, as a
``messages.Logged`` message, over the task's channel, and the caller hands it to
``logging.getLogger(record.name).handle`` (``emit``) if that logger is enabled for its level.

The level workers log at is the caller's effective level of ``dynamo_magic``, carried with
every task (``WorkerLogs``): a caller that shows only warnings gets no DEBUG records built and
sent by its workers.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .channels import Channel
from .messages import Logged

PACKAGE = "dynamo_magic"  # the logger every module's logger is under


@dataclass(frozen=True)
class WorkerLogs:
    """What a worker needs to log as its caller would: the least ``level`` the caller's
    ``dynamo_magic`` logger lets through, and the caller's ``pid`` (a worker in that process,
    a thread, logs directly)."""

    level: int
    pid: int


def for_workers() -> WorkerLogs | None:
    """The caller's logging, to carry to workers; ``None`` when it lets nothing through
    (``logging.disable``, a disabled logger)."""
    package = logging.getLogger(PACKAGE)
    level = max(package.getEffectiveLevel(), logging.root.manager.disable + 1)
    if package.disabled or level > logging.CRITICAL:
        return None
    return WorkerLogs(level, os.getpid())


@contextlib.contextmanager
def forwarded(channel: Channel, logs: WorkerLogs | None) -> Iterator[None]:
    """Within the block, in a worker process, send the ``dynamo_magic`` records of ``logs``'s
    level and above over ``channel`` (and nowhere else); in the caller's process, or with
    ``logs`` ``None``, change nothing."""
    if logs is None or logs.pid == os.getpid():
        yield
        return
    package = logging.getLogger(PACKAGE)
    handler = _ToChannel(channel)
    level, propagate = package.level, package.propagate
    package.setLevel(logs.level)
    package.propagate = False  # a forked worker's inherited root handlers print nothing
    package.addHandler(handler)
    try:
        yield
    finally:
        package.removeHandler(handler)
        package.setLevel(level)
        package.propagate = propagate


class _ToChannel(logging.Handler):
    """Sends each record over a channel, as plain picklable fields."""

    def __init__(self, channel: Channel):
        super().__init__()
        self.channel = channel

    def emit(self, record: logging.LogRecord) -> None:
        # a channel already closed (the caller gave up on the task) loses the record; a
        # traceback printed from a worker would say nothing more useful
        with contextlib.suppress(Exception):
            self.channel.send(Logged(portable(record)))


def portable(record: logging.LogRecord) -> dict[str, Any]:
    """``record``'s fields, picklable: the message formatted (``args`` applied), an exception
    as its formatted text, attributes that are not plain values left out."""
    fields = dict(record.__dict__)
    fields["msg"], fields["args"] = record.getMessage(), None
    if record.exc_info and not record.exc_text:
        fields["exc_text"] = logging.Formatter().formatException(record.exc_info)
    fields["exc_info"] = None
    return {k: v for k, v in fields.items() if v is None or isinstance(v, str | int | float)}


def emit(fields: dict[str, Any]) -> None:
    """Hand a worker's record to the caller's logger of its name, if enabled for its level."""
    record = logging.makeLogRecord(fields)
    logger = logging.getLogger(record.name)
    if logger.isEnabledFor(record.levelno):
        logger.handle(record)

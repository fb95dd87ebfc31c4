"""One retry policy for every DynamoDB call that reads or writes items, and one classification
of the errors worth retrying.

Two layers retry, each for a reason:

- botocore (``standard`` mode, ``clients.HTTP_ATTEMPTS`` attempts per call) retries
  transient network errors and throttling quickly inside one call — but only while its
  per-client retry budget lasts: after a few dozen throttled calls the budget is dry and
  botocore makes a single attempt per call from then on.
- this layer retries the *call* — a Query/Scan page, a PartiQL page, DescribeTable, a
  BatchWriteItem or BatchGetItem batch — with ``RetryPolicy`` (capped exponential backoff with
  full jitter, from the settings ``max_retries``, ``backoff_base``, ``backoff_cap``), whatever
  botocore's budget says. A call is given up after ``max_retries`` retries here, each of which
  botocore may have tried up to ``HTTP_ATTEMPTS`` times.

A connection that cannot be made on DescribeTable — the first call to an environment — is
left to botocore's attempts: a wrong endpoint must fail at once, not after the backoff.

Every retry of both layers is counted (``ReadStats.retried``, ``WriteStats.retried``), in
calls sent again, so a copy's result and a query's summary say how much throttling there was:
every DynamoDB call that reads or writes items is made by ``sent``, which reports the retries
botocore made inside the call (its ``ResponseMetadata.RetryAttempts``, also on the error of a
call that failed: ``wire`` notes them on errors raised without a response). Batch calls also
retry the part DynamoDB left undone (``UnprocessedItems``/``UnprocessedKeys``) with the same
policy, in ``write``; whole-call retries of reads go through ``retrying`` below.

Loops of many requests (a copy's writes, deletes, key lookups, pages, and their backoff waits)
take an ``interrupt`` flag (``Interrupt``: a ``threading.Event`` or a manager's event): once it
is set they send no further request and raise ``Interrupted``, and a backoff wait wakes at
once. A request already sent is never abandoned, so what it did is counted.

Logged (``logging.getLogger(__name__)``): each retry at DEBUG, a call given up at WARNING.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import botocore.exceptions as bx

from ..errors import DynamoMagicError, error_code, translate
from . import wire

RETRYABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
    }
)
THROTTLE_CODES = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}
)
# a connection that could not be made, timed out or was closed mid-response: the request may
# or may not have reached DynamoDB; reads and batch puts/deletes are safe to send again
CONNECTION_ERRORS = (bx.ConnectionError, bx.HTTPClientError)

Sleep = Callable[[float], None]
OnRetry = Callable[[int], None]  # told of retries as they are made (how many calls sent again)
T = TypeVar("T")

log = logging.getLogger(__name__)

sleep: Sleep = time.sleep  # looked up at call time, so tests can record the delays


class Interrupt(Protocol):
    """A flag the caller sets to stop work between requests (Ctrl-C, Cancel):
    ``threading.Event``, a ``multiprocessing`` manager's event, ``distributed.Event``."""

    def is_set(self) -> bool: ...

    def wait(self, timeout: float | None = None) -> bool: ...


class Interrupted(Exception):
    """The ``interrupt`` flag was set: raised between requests (never while one is in flight),
    so everything sent before was answered and counted."""


def check(interrupt: Interrupt | None) -> None:
    """Raise ``Interrupted`` if ``interrupt`` is set (call it before each request)."""
    if interrupt is not None and interrupt.is_set():
        raise Interrupted("stopped")


def pause(seconds: float, interrupt: Interrupt | None, sleep_for: Sleep | None = None) -> None:
    """A backoff wait of ``seconds``: on ``interrupt`` (waking the moment it is set, then
    raising ``Interrupted``), else ``sleep_for`` (default: this module's ``sleep``)."""
    if interrupt is None:
        (sleep_for or sleep)(seconds)
    elif interrupt.wait(seconds):
        raise Interrupted("stopped")


@dataclass(frozen=True)
class RetryPolicy:
    """Capped exponential backoff with full jitter: retry ``attempt`` (0-based) waits
    U(0, min(cap, base * 2**attempt)) seconds; at most ``max_retries`` retries per call."""

    max_retries: int = 8
    base: float = 0.05  # seconds
    cap: float = 5.0  # seconds

    def delay(self, attempt: int, rng: random.Random = random._inst) -> float:
        return rng.uniform(0, min(self.cap, self.base * 2**attempt))


def policy_from(settings: Any) -> RetryPolicy:
    """The policy the settings ask for (``max_retries``, ``backoff_base``, ``backoff_cap``)."""
    return RetryPolicy(settings.max_retries, settings.backoff_base, settings.backoff_cap)


def is_retryable(exc: BaseException, connection: bool = True) -> bool:
    """Throttling, DynamoDB's transient server errors and (with ``connection``) lost
    connections."""
    return error_code(exc) in RETRYABLE_CODES or (connection and isinstance(exc, CONNECTION_ERRORS))


def gave_up(
    exc: BaseException, context: str, retries: int, table: str | None = None
) -> DynamoMagicError:
    """The one-line error for a call that kept failing after ``retries`` retries (logged at
    WARNING: the retry budget ran out); ``table``: the table of the call, when it has one."""
    error = translate(exc, context, table=table)
    message = " ".join(str(error).split())
    message += f" (still failing after {retries} {'retry' if retries == 1 else 'retries'})"
    if error_code(exc) in THROTTLE_CODES:
        message += ": retry later, or raise max_retries/backoff_cap in the settings"
    elif not isinstance(exc, bx.EndpointConnectionError | bx.ConnectTimeoutError):
        message += ": check the network and the endpoint, then try again"  # translate has none
    log.warning("%s", message)
    return type(error)(message, table=error.table, env=error.env)


def sent(call: Callable[[], T], context: str, on_retry: OnRetry | None = None) -> T:
    """``call()``: one DynamoDB call, as botocore makes it (with its own quick retries). The
    retries botocore made inside it, whether the call then succeeded or raised, are told to
    ``on_retry`` (and logged at DEBUG, ``context`` naming the call). Every call that reads or
    writes items goes through here, so no retry goes uncounted."""
    try:
        response = call()
    except (bx.ClientError, bx.BotoCoreError) as exc:
        why = error_code(exc) or type(exc).__name__
        _count_botocore_retries(wire.retries_made(exc), context, on_retry, why)
        raise
    _count_botocore_retries(wire.retries_made(response), context, on_retry, "")
    return response


def _count_botocore_retries(
    retries: int, context: str, on_retry: OnRetry | None, failed_with: str
) -> None:
    if not retries:
        return
    ending = f", then failed with {failed_with}" if failed_with else ""
    log.debug("%s: botocore retried it %d time(s)%s", context, retries, ending)
    if on_retry is not None:
        on_retry(retries)


def retrying(
    call: Callable[[], T],
    policy: RetryPolicy,
    context: str,
    on_retry: OnRetry | None = None,
    sleep_for: Sleep | None = None,
    connection: bool = True,
    interrupt: Interrupt | None = None,
    table: str | None = None,
) -> T:
    """``call()``, retried on retryable errors per ``policy``; other errors and the last
    retryable one are raised translated (``errors.translate``), ``context`` naming the call.
    ``on_retry`` is told of each retry (to count it): botocore's inside each call (``sent``),
    then this layer's, one at a time, once its backoff wait is over (an interrupted wait
    retries nothing). ``connection=False`` leaves lost
    connections to botocore's attempts alone: for a first call to an endpoint, where a refused
    connection almost always means a wrong endpoint the user should hear about at once.
    ``interrupt``: checked before each attempt and waited on during the backoff (``pause``);
    ``Interrupted`` once it is set."""
    attempt = 0
    while True:
        check(interrupt)
        try:
            return sent(call, context, on_retry)
        except (bx.ClientError, bx.BotoCoreError) as exc:
            if not is_retryable(exc, connection):
                raise translate(exc, context, table=table) from exc
            if attempt >= policy.max_retries:
                raise gave_up(exc, context, attempt, table=table) from exc
            why = error_code(exc) or type(exc).__name__
        delay = policy.delay(attempt)
        log.debug(
            "%s: %s, retry %d of %d in %.3f s", context, why, attempt + 1, policy.max_retries, delay
        )
        pause(delay, interrupt, sleep_for)
        if on_retry:  # counted once the wait is over: an interrupted wait retries nothing
            on_retry(1)
        attempt += 1

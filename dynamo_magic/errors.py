"""One exception hierarchy for every user-facing failure, and the one place that maps
botocore errors onto it.

Front ends show these as one line: magics as ``UsageError``, the CLI as ``Error: ...`` with
``exit_code``, panels in their output area. Messages say what went wrong and what to do.

A core error names the parameter it is about by its API keyword, as a ``{field}`` of its
message listed in ``parameters``; each front end words it in its own terms with ``render``
(``--sk2`` for the CLI and magics, a field's label for a panel). ``str(error)`` uses the API
keywords: ``InvalidQuery("{limit} must be positive", parameters=("limit",))`` reads
"limit must be positive" from Python and "--limit must be positive" from the CLI.
"""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # for the annotation only: the copy layer imports this module
    from .transfer.result import CopyResult

_FIELD = re.compile(r"\{\{|\}\}|\{(\w+)\}")  # a doubled brace, or a {parameter} field


class DynamoMagicError(Exception):
    """Base of every error dynamo_magic raises on purpose; ``str(err)`` is the one-line message.

    Parameters
    ----------
    message : str
        One line; may hold ``{name}`` fields for the parameters it names (literal braces are
        then doubled, as in ``str.format``).
    parameters : sequence of str
        The API keywords (``"limit"``, ``"sk2"``, ``"yes"``) the message's fields name; also
        a keyword whose value the message refuses without a field for it (a key value of the
        wrong type, a bad filter: the text stays as it is, a panel names its input first).
    table, env : str, optional
        The table and the environment (its name, ``"default"`` for the default profile) the
        error is about, where the raising code knows them.

    Attributes
    ----------
    exit_code : int
        The ``dynamo`` command's exit code: 2 for ``UsageProblem`` (nothing was read or
        written), 1 for failures while working.
    table, env : str or None
        As given, or filled in by ``concerning`` on the way out; ``None`` when not known.

    Examples
    --------
    >>> error = InvalidQuery("{limit} must be positive (got 0)", parameters=("limit",))
    >>> str(error), error.render(lambda keyword: "--" + keyword)
    ('limit must be positive (got 0)', '--limit must be positive (got 0)')
    """

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        parameters: Sequence[str] = (),
        table: str | None = None,
        env: str | None = None,
    ):
        self.template = message
        self.parameters = tuple(parameters)
        self.table, self.env = table, env
        super().__init__(self.render())

    def render(self, name_of: Callable[[str], str] = str) -> str:
        """The message with each parameter named by ``name_of`` (API keyword -> a front end's
        word for it, e.g. ``"sk2" -> "--sk2"``). Only the ``{field}``s of ``parameters`` are
        replaced and doubled braces undone: any other brace (a user's text not passed through
        ``literal``) is shown as it is, never an error of its own."""
        if not self.parameters:
            return self.template

        def field(match: re.Match[str]) -> str:
            name = match.group(1)
            if name is None:
                return match.group(0)[0]  # "{{" -> "{", "}}" -> "}"
            return name_of(name) if name in self.parameters else match.group(0)

        return _FIELD.sub(field, self.template)


# -- bad input or refusals: nothing was written (CLI exit code 2) ----------------------------
class UsageProblem(DynamoMagicError):
    """The request cannot be carried out as asked; nothing was read or written."""

    exit_code = 2


class EnvironmentNotFound(UsageProblem):
    """An environment/profile name that resolves to nothing."""


class CredentialsMissing(UsageProblem):
    """No credentials for an environment."""


class EndpointUnreachable(UsageProblem):
    """The DynamoDB endpoint could not be reached."""


class TableNotFound(UsageProblem):
    """A table (or index) that does not exist in the environment."""


class IndexNotFound(TableNotFound):
    """A GSI/LSI name that the table does not have."""


class BackupNotFound(UsageProblem):
    """A backup name or ARN the table does not have, or a table with no backups to restore."""


class InvalidQuery(UsageProblem):
    """A key condition, filter, projection, operator or value that does not fit the table."""


class PartialFrame(InvalidQuery):
    """A DataFrame that does not hold whole items (read with only some attributes, with maps
    flattened, or with columns dropped since), refused by a write that would put each row as
    the whole item. ``why`` says what the frame lacks, without the remedy (each front end says
    what to do in its own terms)."""

    def __init__(self, message: str, why: str, *, parameters: Sequence[str] = ()):
        super().__init__(message, parameters=parameters)
        self.why = why


class InvalidFile(UsageProblem):
    """A file of an import that cannot be imported as it is (a checksum or count that does not
    match its manifest, a truncated gzip, a line that is not an item, an item the table would
    refuse, keys that appear twice): one line naming the file and the line."""


class UnsafeOperation(UsageProblem):
    """A refused operation: same table both sides, schema mismatch, missing confirmation."""


class ConfirmationRequired(UnsafeOperation):
    """A destructive or protected write that needs explicit confirmation (``yes=True``)."""


# -- failures while working (CLI exit code 1) -------------------------------------------------
class ClusterUnavailable(UsageProblem):
    """A Dask cluster that cannot run the work (``backend="dask"``): its scheduler unreachable,
    no workers, a worker without dynamo_magic or with another version; nothing was written."""


class AccessDenied(DynamoMagicError):
    """The credentials lack a permission."""


class Throttled(DynamoMagicError):
    """DynamoDB kept throttling after all retries."""


class CopyFailed(DynamoMagicError):
    """A copy (or truncate) finished with items unwritten or verification failing; ``result``
    has the details, ``table`` and ``env`` name the table written."""

    def __init__(
        self,
        message: str,
        result: CopyResult | None = None,
        *,
        parameters: Sequence[str] = (),
        table: str | None = None,
        env: str | None = None,
    ):
        super().__init__(message, parameters=parameters, table=table, env=env)
        self.result = result


class TransformFailed(DynamoMagicError):
    """A copy's transform raised on an item (or returned what is not an item): the copy stops,
    its message names the function, the item's key and the exception; a resume starts again at
    the page of that item."""


class BackupFailed(DynamoMagicError):
    """An on-demand backup could not be taken or restored."""


class ServiceError(DynamoMagicError):
    """Any other error reported by DynamoDB."""


_CODE_TO_ERROR: dict[str, type[DynamoMagicError]] = {
    "ResourceNotFoundException": TableNotFound,
    "ValidationException": InvalidQuery,
    "AccessDeniedException": AccessDenied,
    "UnrecognizedClientException": CredentialsMissing,
    "InvalidSignatureException": CredentialsMissing,
    "ExpiredTokenException": CredentialsMissing,
    "ProvisionedThroughputExceededException": Throttled,
    "ThrottlingException": Throttled,
    "RequestLimitExceeded": Throttled,
    "ContinuousBackupsUnavailableException": BackupFailed,
    "BackupInUseException": BackupFailed,
    "BackupNotFoundException": BackupFailed,
    "TableAlreadyExistsException": UnsafeOperation,
    "TableInUseException": UnsafeOperation,
}


def translate(
    exc: BaseException, context: str = "", *, table: str | None = None, env: str | None = None
) -> DynamoMagicError:
    """Map a botocore/boto3 exception to a ``DynamoMagicError`` with a one-line message.

    Parameters
    ----------
    exc : BaseException
        A ``ClientError`` (mapped by its code), a ``BotoCoreError`` (no credentials, no region,
        unknown profile, unreachable endpoint, refused parameter, any other), or anything else.
    context : str
        What was being done (``"query table 'users' in env 'dev'"``), put first.
    table, env : str, optional
        The table and environment of the call, given to the error (see ``concerning``).

    Returns
    -------
    DynamoMagicError
        The subclass matching the error (``TableNotFound``, ``CredentialsMissing``,
        ``EndpointUnreachable``, ``Throttled``, ``ServiceError``...); ``exc`` itself when it is
        one already.
    """
    error = _translated(exc, context)
    error.table = error.table or table
    error.env = error.env or env
    return error


def _translated(exc: BaseException, context: str) -> DynamoMagicError:
    from botocore import exceptions as bx  # botocore is a hard dependency; local for clarity

    prefix = f"{context}: " if context else ""
    if isinstance(exc, DynamoMagicError):
        return exc
    if isinstance(exc, bx.ClientError):
        code = error_code(exc)
        message = exc.response.get("Error", {}).get("Message", "") or code
        answered = _http_answer(exc, code, message)
        if answered:
            return ServiceError(f"{prefix}the service answered {answered}")
        index = _missing_index(message)
        if index is not None:
            return IndexNotFound(
                f"{prefix}the table has no index '{index}': check the index name, or add the "
                "index to the table"
            )
        cls = _CODE_TO_ERROR.get(code, ServiceError)
        if cls is TableNotFound:
            message = f"{message} (check the table name and the environment)"
        elif cls is CredentialsMissing:
            message = f"{message} (check the profile's credentials)"
        return cls(f"{prefix}{code}: {message}".replace("\n", " "))
    if isinstance(exc, bx.NoCredentialsError | bx.PartialCredentialsError):
        return CredentialsMissing(
            f"{prefix}no AWS credentials found; configure the profile "
            "(aws configure --profile NAME) or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
        )
    if isinstance(exc, bx.NoRegionError):
        return UsageProblem(f"{prefix}no region set; add region= to the profile or pass a region")
    if isinstance(exc, bx.ProfileNotFound):
        return EnvironmentNotFound(
            f"{prefix}{exc}; list profiles with: aws configure list-profiles"
        )
    if isinstance(exc, bx.EndpointConnectionError | bx.ConnectTimeoutError):
        explained = getattr(exc, _UNREACHABLE, None)
        if isinstance(explained, str):  # the client's environment knows better (explain_...)
            return EndpointUnreachable(f"{prefix}{explained}")
        return EndpointUnreachable(
            f"{prefix}cannot reach the DynamoDB endpoint ({exc}); check endpoint_url and network"
        )
    if isinstance(exc, bx.ParamValidationError):  # refused by botocore before any request
        return InvalidQuery(f"{prefix}{_one_line(exc)}")
    if isinstance(exc, bx.BotoCoreError):
        return ServiceError(f"{prefix}{_one_line(exc)}")
    return DynamoMagicError(f"{prefix}{type(exc).__name__}: {exc}")


_UNREACHABLE = "_dynamo_magic_unreachable"  # the attribute explain_unreachable sets


def explain_unreachable(exc: BaseException, message: str) -> None:
    """Have ``translate`` say ``message`` (one line, no context) for the connection error
    ``exc`` instead of the generic "check endpoint_url and network". The environments layer
    calls it from a client's hook: it knows which environment the client serves (the demo's,
    whose server may have stopped); this module knows no environment."""
    setattr(exc, _UNREACHABLE, message)


# moto: "Invalid index: NAME for table: T. ..."; DynamoDB: "The table does not have the
# specified index: NAME" (a ValidationException)
_MISSING_INDEX = re.compile(
    r"Invalid index: (\S+) for table|does not have the specified index: (\S+)", re.IGNORECASE
)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_HEADING = re.compile(r"<h1[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
ANSWER_WIDTH = 100  # characters of a service's non-DynamoDB answer a message keeps


def _missing_index(message: str) -> str | None:
    """The index a "no such index" message of the service names, else ``None``."""
    match = _MISSING_INDEX.search(message)
    return (match.group(1) or match.group(2)).rstrip(".") if match else None


def _http_answer(exc: Any, code: str, message: str) -> str:
    """For an answer that is not DynamoDB's (an HTML error page of a server or a proxy, whose
    "code" botocore makes the HTTP status): ``"500 Internal Server Error"``, the status and
    the page's title (or first heading, or its text cut short), markup stripped. ``""`` for a
    DynamoDB error."""
    from http import HTTPStatus

    status = str(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
    markup = "<html" in message.lower() or "<!doctype" in message.lower()
    if not (code.isdigit() or markup):
        return ""
    status = code if code.isdigit() else status
    found = _TITLE.search(message) or _HEADING.search(message)
    text = found.group(1) if found else _TAG.sub(" ", message) if markup else message
    text = " ".join(html.unescape(text).split())  # a title needs no parser: tags and entities
    if not text or text == status:
        try:
            text = HTTPStatus(int(status)).phrase
        except ValueError:
            text = ""
    if len(text) > ANSWER_WIDTH:
        text = text[: ANSWER_WIDTH - 1] + "…"
    if status and not text.startswith(status):
        text = f"{status} {text}".strip()
    return text or "an error"


def _one_line(exc: BaseException) -> str:
    """botocore's message on one line (ParamValidationError's spans several)."""
    return " ".join(str(exc).split()) or type(exc).__name__


def literal(text: object) -> str:
    """``text`` shown as it is inside a message with ``{parameter}`` fields (braces doubled):
    a table name, a value or an expression the user typed."""
    return str(text).replace("{", "{{").replace("}", "}}")


def error_code(exc: BaseException) -> str:
    """DynamoDB's error code of a botocore ``ClientError`` (``"ResourceNotFoundException"``),
    ``""`` for anything else."""
    response: Any = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return ""
    return str(response.get("Error", {}).get("Code", ""))


@contextlib.contextmanager
def concerning(*, table: str | None = None, env: str | None = None) -> Iterator[None]:
    """Give a ``DynamoMagicError`` raised inside the block the ``table`` and ``env`` it does not
    name yet (what it names already stays); other exceptions pass through untouched."""
    try:
        yield
    except DynamoMagicError as error:
        error.table = error.table or table
        error.env = error.env or env
        raise


@contextlib.contextmanager
def client_errors(
    context: str = "", *, table: str | None = None, env: str | None = None
) -> Iterator[None]:
    """Raise botocore's errors (``ClientError`` and every ``BotoCoreError``) inside the block as
    the package's, translated by ``translate`` with ``context``; the original is the cause.

    Raises
    ------
    DynamoMagicError
        The subclass ``translate`` picks, for any botocore error raised in the block.

    The one place the try/translate block is written (model: httpx's ``map_exceptions``)::

        with client_errors(f"delete table '{table}'"):
            client.delete_table(TableName=table)
    """
    from botocore import exceptions as bx

    try:
        yield
    except (bx.ClientError, bx.BotoCoreError) as exc:
        raise translate(exc, context, table=table, env=env) from exc

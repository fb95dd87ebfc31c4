"""The one settings object: defaults < config file < ``%config DynamoMagic.x`` < per-call flags.

The config file (TOML) is ``$DYNAMO_MAGIC_CONFIG`` or ``~/.config/dynamo_magic/config.toml``::

    default_env = "dev"

    [environments.prod]          # optional: maps a name to a profile/region/endpoint
    profile = "company-prod"
    region = "eu-west-1"
    protected = true

The file is followed while the process lives: a change is noticed on the next call (one
``stat`` per call) and the file read again, keeping what this session set
(``override_settings``).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import os
import tomllib
import types
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from .errors import UsageProblem, literal
from .watch import Watch

# -- every list of choices, declared once (the options, the traits and the checks use these) --
NumberPolicy = Literal["auto", "decimal", "float"]
VerifyMethod = Literal["count", "full", "none"]
CopyMode = Literal["replace", "truncate", "merge"]
SortKeyOperator = Literal["begins_with", "=", "<", "<=", ">", ">=", "between"]
# backends a copy runs on: auto picks threads (each worker keeps several requests in flight);
# loky processes when asked for; dask the workers of a Dask cluster (``transfer.cluster``)
Backend = Literal["auto", "loky", "threading", "dask"]
NUMBER_POLICIES: tuple[str, ...] = get_args(NumberPolicy)
VERIFY_METHODS: tuple[str, ...] = get_args(VerifyMethod)
COPY_MODES: tuple[str, ...] = get_args(CopyMode)
SORT_KEY_OPERATORS: tuple[str, ...] = get_args(SortKeyOperator)
BACKENDS: tuple[str, ...] = get_args(Backend)
CONFIG_ENV_VAR = "DYNAMO_MAGIC_CONFIG"
# HTTP connections per client (botocore's max_pool_connections): more threads on one client
# would wait for a connection (a parallel scan runs at most this many threads)
MAX_POOL_CONNECTIONS = 32
# DynamoDB's documented bound on a parallel Scan's TotalSegments (API reference, Scan).
MAX_SEGMENTS = 1_000_000
ENDPOINT_SCHEMES = ("http", "https")  # what botocore can send requests to
# Copy worker processes per CPU core at most. A worker mostly waits on the network, so a few per
# core help; far more only contend and each costs a process start (a tester's 64 workers on 2
# cores took 13.9 s where 4 took 0.9 s) and a typo (--workers 100000) would fork without end.
WORKERS_PER_CORE_LIMIT = 8
# The longest single retry wait, in seconds (one hour). A wait longer than that looks like a hang
# rather than a back-off, and huge values overflow the jitter arithmetic and ``time.sleep``.
MAX_BACKOFF_CAP = 3600.0


def max_workers() -> int:
    """The most copy workers accepted: ``WORKERS_PER_CORE_LIMIT`` per core of this machine."""
    return WORKERS_PER_CORE_LIMIT * (os.cpu_count() or 1)


@dataclass(frozen=True)
class EnvironmentConfig:
    """What the config file says about one environment name (all optional)."""

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    protected: bool | None = None


def _help(text: str) -> dict[str, str]:
    """A ``Settings`` field's one-line help, declared with its default (the config file's
    checks, the ``%config DynamoMagic`` traits and the README's list are made from them)."""
    return {"help": text}


@dataclass
class Settings:
    """Session-wide defaults of dynamo_magic; each can be given per call instead.

    Resolved in this order: a per-call argument, then ``%config DynamoMagic.x``, then the
    config file, then the defaults below (``get_settings`` gives the merged view).

    Parameters
    ----------
    default_env : str or None
        Environment used when none is given (None: the default AWS profile).
    environments : dict of str to EnvironmentConfig
        Environment names mapped to a profile, region, endpoint_url and protection.
    numbers : {"auto", "decimal", "float"}
        How DynamoDB numbers become DataFrame columns.
    preview_items : int
        Items read when a table is queried without a key (at least 1).
    progress : bool
        Whether the front ends show progress bars.
    workers : int or None
        Copy worker processes (None: chosen from the CPU count).
    segments : int or None
        Parallel scan segments, 1 to 1,000,000 (None: chosen from the workers).
    max_retries : int
        Retries of a throttled or failed call or batch (at least 0).
    backoff_base, backoff_cap : float
        Seconds: first and longest wait between retries (full jitter, doubling).
    verify : {"count", "full", "none"}
        Check made after a copy.

    Raises
    ------
    UsageProblem
        When a value no read, copy or retry can use is given.

    Examples
    --------
    >>> Settings(numbers="decimal").numbers
    'decimal'
    """

    default_env: str | None = field(
        default=None, metadata=_help("environment used when none is given")
    )
    environments: dict[str, EnvironmentConfig] = field(
        default_factory=dict, metadata=_help("environment names -> profile/region/endpoint")
    )
    numbers: NumberPolicy = field(
        default="auto",
        metadata=_help("N -> DataFrame: auto (Int64, Float64 or exact Decimal), decimal or float"),
    )
    preview_items: int = field(
        default=20, metadata=_help("items shown for a table queried without a key")
    )
    progress: bool = field(default=True, metadata=_help("show progress bars"))
    workers: int | None = field(
        default=None,
        metadata=_help("copy workers: threads, or processes with loky (None: two per core)"),
    )
    segments: int | None = field(
        default=None, metadata=_help("parallel scan segments (None: 4 per worker)")
    )
    max_retries: int = field(
        default=8, metadata=_help("retries of a throttled or failed call or batch")
    )
    backoff_base: float = field(
        default=0.05, metadata=_help("seconds: first retry wait (full jitter, doubling)")
    )
    backoff_cap: float = field(default=5.0, metadata=_help("seconds: longest single retry wait"))
    verify: VerifyMethod = field(
        default="count", metadata=_help("check after a copy: count, full or none")
    )

    def __post_init__(self) -> None:
        """Settings built in Python (``Settings(...)``, ``replace``) obey the file's rules."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        for f in dataclasses.fields(self):
            if f.type == "bool" and not isinstance(values[f.name], bool):
                raise UsageProblem(f"{f.name} must be True or False, not {values[f.name]!r}")
        check_numbers(values)
        check_choices(values)

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed (``None`` values are ignored)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


@dataclass(frozen=True)
class SettingField:
    """One scalar setting as a neutral record: name, accepted types, choices, default, help.

    Made from the ``Settings`` dataclass (``setting_fields``) for the config file's checks and
    for ``%config DynamoMagic`` traits, so defaults and types are written once.
    """

    name: str
    types: tuple[type, ...]  # accepted Python types (int also for float settings)
    choices: tuple[str, ...] | None
    optional: bool  # None is a value (meaning: chosen by the package)
    default: Any
    help: str


@functools.cache
def setting_fields() -> tuple[SettingField, ...]:
    """The scalar settings of ``Settings`` (all but ``environments``), in declaration order."""
    hints = get_type_hints(Settings)
    found: list[SettingField] = []
    for f in dataclasses.fields(Settings):
        if f.name == "environments":
            continue
        kind, choices, optional = _describe_type(hints[f.name])
        types = (int, float) if kind is float else (kind,)
        found.append(SettingField(f.name, types, choices, optional, f.default, f.metadata["help"]))
    return tuple(found)


def _describe_type(hint: Any) -> tuple[type, tuple[str, ...] | None, bool]:
    """``(python type, choices, optional)`` of a field's annotation."""
    args = get_args(hint)
    optional = get_origin(hint) in (Union, types.UnionType) and type(None) in args
    if optional:
        (hint,) = [a for a in args if a is not type(None)]
    if get_origin(hint) is Literal:
        return str, get_args(hint), optional
    return hint, None, optional


def check_choices(values: dict[str, Any], where: str = "") -> None:
    """Refuse a setting that must be one of a list (``numbers``, ``verify``) but is not."""
    prefix = f"{where}: " if where else ""
    for f in setting_fields():
        value = values.get(f.name)
        if f.choices and f.name in values and value not in f.choices:
            raise UsageProblem(f"{prefix}{f.name} = {value!r}; use one of {', '.join(f.choices)}")


_COUNTS = {"workers": "workers", "segments": "segments"}


def check_backend(backend: str | None, scheduler: str | None = None) -> None:
    """Refuse a backend a copy cannot run on (``None``: the default, auto), or a Dask
    ``scheduler`` address with another backend, before anything is read or written."""
    if backend is not None and backend not in BACKENDS:
        raise UsageProblem(
            f"unknown {{backend}} '{literal(backend)}'; use one of {', '.join(BACKENDS)}",
            parameters=("backend",),
        )
    if scheduler is not None and backend != "dask":
        raise UsageProblem(
            f"{{scheduler}} '{literal(str(scheduler))}' is the address of a Dask scheduler: "
            "give {backend} dask with it",
            parameters=("scheduler", "backend"),
        )


def check_counts(workers: int | None = None, segments: int | None = None, where: str = "") -> None:
    """Refuse a worker or segment count no copy or scan can use (``None``: not given).

    ``segments`` is DynamoDB's TotalSegments: 1 to ``MAX_SEGMENTS``; ``workers`` at least 1.
    Checked before anything is read or written; ``where`` prefixes the message (a config file).
    """

    def refuse(message: str) -> UsageProblem:
        # a value given per call names its parameter (a front end words it: --workers); one
        # from the config file keeps the file's own name
        if where:
            return UsageProblem(f"{where}: " + message.format(**_COUNTS))
        return UsageProblem(message, parameters=tuple(_COUNTS))

    for name, value in (("workers", workers), ("segments", segments)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise refuse(f"{{{name}}} must be a whole number, not {literal(repr(value))}")
    if workers is not None and workers < 1:
        raise refuse(f"{{workers}} must be at least 1, not {workers}")
    if workers is not None and workers > max_workers():
        raise refuse(
            f"{{workers}} must be at most {max_workers()} ({WORKERS_PER_CORE_LIMIT} per CPU "
            f"core: more only contend), not {workers}"
        )
    if segments is not None and not 1 <= segments <= MAX_SEGMENTS:
        raise refuse(
            f"{{segments}} must be from 1 to {MAX_SEGMENTS:,} (DynamoDB's limit on a "
            f"parallel scan's TotalSegments), not {segments}"
        )


def check_numbers(values: dict[str, Any], where: str = "") -> None:
    """Refuse numeric settings no read, copy or retry can use; one place for every path in
    (config file, ``%config DynamoMagic.x``, ``Settings``/``set_settings`` from Python).

    ``max_retries`` an integer >= 0; ``preview_items`` an integer >= 1 (DynamoDB's Limit);
    ``backoff_base`` and ``backoff_cap`` finite seconds > 0 with base <= cap <=
    ``MAX_BACKOFF_CAP``; ``workers``/``segments`` as ``check_counts``. Keys not given are skipped.
    """
    prefix = f"{where}: " if where else ""
    for name, least in (("max_retries", 0), ("preview_items", 1)):
        value: Any = values.get(name)
        if name in values and (not _is_int(value) or value < least):
            raise UsageProblem(f"{prefix}{name} must be a whole number >= {least}, not {value!r}")
    for name in ("backoff_base", "backoff_cap"):
        value = values.get(name)  # Any: checked here
        if name in values and not (_is_number(value) and math.isfinite(value) and value > 0):
            raise UsageProblem(f"{prefix}{name} must be a number of seconds > 0, not {value!r}")
    cap = values.get("backoff_cap")
    if cap is not None and cap > MAX_BACKOFF_CAP:
        raise UsageProblem(
            f"{prefix}backoff_cap must be at most {MAX_BACKOFF_CAP:g} seconds (one hour), "
            f"not {cap!r}"
        )
    base = values.get("backoff_base")
    if base is not None and cap is not None and cap < base:
        raise UsageProblem(
            f"{prefix}backoff_cap ({cap!r} s) must be at least backoff_base ({base!r} s)"
        )
    for name in ("workers", "segments"):
        value = values.get(name)
        if value is not None and not _is_int(value):
            raise UsageProblem(f"{prefix}{name} must be a whole number, not {value!r}")
    check_counts(values.get("workers"), values.get("segments"), where)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def endpoint_problem(url: str) -> str | None:
    """Why ``url`` cannot be an ``endpoint_url`` (``None`` when it can).

    botocore wants an absolute URL with a host (``ValueError: Invalid endpoint`` otherwise) and
    can only speak http(s) to it; a port must be a number from 0 to 65535.
    """
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not 0..65535
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme.lower() not in ENDPOINT_SCHEMES
        or not parts.hostname
        or any(c.isspace() for c in url)
    ):
        return f"endpoint_url {url!r} is not a URL; write it as http(s)://host[:port]"
    return None


def check_endpoint_url(url: str, where: str) -> None:
    """Raise ``UsageProblem`` (one line, prefixed by ``where``) for an unusable endpoint_url."""
    problem = endpoint_problem(url)
    if problem:
        raise UsageProblem(f"{where}: {problem}")


def config_path() -> Path:
    return Path(
        os.environ.get(CONFIG_ENV_VAR) or Path.home() / ".config" / "dynamo_magic" / "config.toml"
    )


def load_settings(path: Path | None = None) -> Settings:
    """Settings from the config file (defaults when there is none)."""
    path = path or config_path()
    if not path.exists():
        return Settings()
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageProblem(f"cannot read config file {path}: {exc}") from exc
    environments = data.pop("environments", None) or {}
    if not isinstance(environments, dict):
        raise UsageProblem(f"config file {path}: 'environments' must be a table of tables")
    envs = {name: _environment(path, name, spec) for name, spec in environments.items()}
    known = {f.name for f in dataclasses.fields(Settings)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise UsageProblem(
            f"config file {path}: unknown setting(s) {', '.join(unknown)} "
            f"(known: {', '.join(sorted(known))})"
        )
    setting_types = {f.name: f.types for f in setting_fields()}
    for name, value in data.items():
        _check_value(path, name, value, setting_types[name])
    check_choices(data, f"config file {path}")
    defaults = {f.name: f.default for f in dataclasses.fields(Settings)}
    check_numbers({**defaults, **data}, f"config file {path}")
    return Settings(environments=envs, **data)


_ENVIRONMENT_TYPES: dict[str, type] = {
    "profile": str,
    "region": str,
    "endpoint_url": str,
    "protected": bool,
}


def _check_value(path: Path, name: str, value: Any, expected: type | tuple[type, ...]) -> None:
    """A config value of the wrong type is an error (TOML ``"yes"`` is not ``true``)."""
    types = expected if isinstance(expected, tuple) else (expected,)
    if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
        words = {
            "int": "a whole number",
            "float": "a number",
            "bool": "true or false",
            "str": "text",
        }
        if float in types:  # an int is a number too
            types = tuple(t for t in types if t is not int)
        wanted = " or ".join(words.get(t.__name__, t.__name__) for t in types)
        raise UsageProblem(f"config file {path}: {name} = {value!r} should be {wanted}")


def _environment(path: Path, name: str, spec: Any) -> EnvironmentConfig:
    """One ``[environments.NAME]`` table, checked key by key."""
    if not isinstance(spec, dict):
        raise UsageProblem(f"config file {path}: [environments.{name}] must be a table")
    unknown = sorted(set(spec) - set(_ENVIRONMENT_TYPES))
    if unknown:
        raise UsageProblem(
            f"config file {path}: environment '{name}' has unknown key(s) {', '.join(unknown)} "
            f"({', '.join(_ENVIRONMENT_TYPES)} allowed)"
        )
    for key, value in spec.items():
        _check_value(path, f"environments.{name}.{key}", value, _ENVIRONMENT_TYPES[key])
    if "endpoint_url" in spec:
        check_endpoint_url(spec["endpoint_url"], f"config file {path}: environment '{name}'")
    return EnvironmentConfig(**spec)


_file_settings: Settings | None = None  # the config file merged with the overrides below
_overrides: dict[
    str, Any
] = {}  # set in this session (``%config DynamoMagic.x``): kept over reloads
_pinned: Settings | None = None  # given whole to ``set_settings``: the file is not followed
_watch = Watch(lambda: [config_path()])


def get_settings() -> Settings:
    """The process-wide settings: the config file (re-read when it changes: one ``stat`` per
    call, see ``watch``) with this session's overrides, or what ``set_settings`` was given."""
    global _file_settings
    if _pinned is not None:
        return _pinned
    changed = _watch.changed()
    if changed or _file_settings is None:
        _file_settings = None  # a file that fails to load fails again on the next call
        _file_settings = dataclasses.replace(load_settings(), **_overrides)
    return _file_settings


def set_settings(settings: Settings | None) -> None:
    """Replace the process-wide settings; the config file is then no longer followed.

    Parameters
    ----------
    settings : Settings or None
        The settings every later call uses (``dm.Settings(numbers="float")``), in place of the
        config file's and this session's overrides. ``None`` forgets them and this session's
        overrides: the config file is read on next use.

    Raises
    ------
    UsageProblem
        ``settings`` is neither a ``Settings`` nor ``None``.
    """
    global _pinned, _file_settings
    if settings is not None and not isinstance(settings, Settings):
        raise UsageProblem(
            "set_settings takes a dynamo_magic.Settings(...) or None, "
            f"not {type(settings).__name__}"
        )
    _pinned = settings
    if settings is None:
        _overrides.clear()
        _file_settings = None


def override_settings(**changes: Any) -> None:
    """Set some settings for this session (what ``%config DynamoMagic.x = v`` does): they win
    over the config file, whose other values are still followed when it changes."""
    global _pinned, _file_settings
    dataclasses.replace(_pinned or _file_settings or Settings(), **changes)  # checked: or raises
    _overrides.update(changes)
    if _pinned is not None:
        _pinned = dataclasses.replace(_pinned, **changes)
    _file_settings = None


def reload_settings() -> None:
    """Read the config file again on next use, keeping this session's overrides (and dropping
    settings given whole to ``set_settings``)."""
    global _pinned, _file_settings
    _pinned = _file_settings = None

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
import math
import os
import tomllib
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .errors import UsageProblem
from .watch import Watch

NumberPolicy = Literal["auto", "decimal", "float"]
NUMBER_POLICIES: tuple[str, ...] = ("auto", "decimal", "float")
VERIFY_MODES: tuple[str, ...] = ("count", "full", "none")
CONFIG_ENV_VAR = "DYNAMO_MAGIC_CONFIG"
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


@dataclass
class Settings:
    """Session-wide defaults; every field can be overridden per call."""

    default_env: str | None = None
    environments: dict[str, EnvironmentConfig] = field(default_factory=dict)
    numbers: NumberPolicy = "auto"  # N -> DataFrame: auto (Int64/Float64/Decimal), decimal, float
    preview_items: int = 20  # items shown when a table is queried without a key
    progress: bool = True
    workers: int | None = None  # copy processes; None = two per core
    segments: int | None = None  # scan segments; None = 4 per worker
    max_retries: int = 8  # UnprocessedItems / throttling retries per batch
    backoff_base: float = 0.05  # seconds; full jitter, doubling
    backoff_cap: float = 5.0  # seconds, longest single wait
    verify: Literal["count", "full", "none"] = "count"

    def __post_init__(self) -> None:
        """Settings built in Python (``Settings(...)``, ``replace``) obey the file's rules."""
        check_numbers({f.name: getattr(self, f.name) for f in dataclasses.fields(self)})

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed (``None`` values are ignored)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


def check_counts(workers: int | None = None, segments: int | None = None, where: str = "") -> None:
    """Refuse a worker or segment count no copy or scan can use (``None``: not given).

    ``segments`` is DynamoDB's TotalSegments: 1 to ``MAX_SEGMENTS``; ``workers`` at least 1.
    Checked before anything is read or written; ``where`` prefixes the message (a config file).
    """
    prefix = f"{where}: " if where else ""
    if workers is not None and (isinstance(workers, bool) or workers < 1):
        raise UsageProblem(f"{prefix}workers must be at least 1, not {workers}")
    if workers is not None and workers > max_workers():
        raise UsageProblem(
            f"{prefix}workers must be at most {max_workers()} ({WORKERS_PER_CORE_LIMIT} per CPU "
            f"core: more only contend), not {workers}"
        )
    if segments is not None and (isinstance(segments, bool) or not 1 <= segments <= MAX_SEGMENTS):
        raise UsageProblem(
            f"{prefix}segments must be from 1 to {MAX_SEGMENTS:,} (DynamoDB's limit on a "
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
        value = values.get(name)
        if name in values and (not _is_int(value) or value < least):
            raise UsageProblem(f"{prefix}{name} must be a whole number >= {least}, not {value!r}")
    for name in ("backoff_base", "backoff_cap"):
        value = values.get(name)
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
    for name, value in data.items():
        _check_value(path, name, value, _SETTING_TYPES[name])
    for name, choices in (("numbers", NUMBER_POLICIES), ("verify", VERIFY_MODES)):
        if name in data and data[name] not in choices:
            raise UsageProblem(
                f"config file {path}: {name} = {data[name]!r}; use one of {', '.join(choices)}"
            )
    defaults = {f.name: f.default for f in dataclasses.fields(Settings)}
    check_numbers({**defaults, **data}, f"config file {path}")
    return Settings(environments=envs, **data)


_SETTING_TYPES: dict[str, type | tuple[type, ...]] = {
    "default_env": str,
    "numbers": str,
    "preview_items": int,
    "progress": bool,
    "workers": int,
    "segments": int,
    "max_retries": int,
    "backoff_base": (int, float),
    "backoff_cap": (int, float),
    "verify": str,
}
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
        wanted = " or ".join(t.__name__ for t in types)
        raise UsageProblem(f"config file {path}: {name} = {value!r} should be a {wanted}")


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

    ``None`` forgets them and this session's overrides: the config file is read on next use.
    """
    global _pinned, _file_settings
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

"""The one settings object: defaults < config file < ``%config DynamoMagic.x`` < per-call flags.

The config file (TOML) is ``$DYNAMO_MAGIC_CONFIG`` or ``~/.config/dynamo_magic/config.toml``::

    default_env = "dev"

    [environments.prod]          # optional: maps a name to a profile/region/endpoint
    profile = "company-prod"
    region = "eu-west-1"
    protected = true
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .errors import UsageProblem

NumberPolicy = Literal["auto", "decimal", "float"]
NUMBER_POLICIES: tuple[str, ...] = ("auto", "decimal", "float")
VERIFY_MODES: tuple[str, ...] = ("count", "full", "none")
CONFIG_ENV_VAR = "DYNAMO_MAGIC_CONFIG"


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

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed (``None`` values are ignored)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


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
    return EnvironmentConfig(**spec)


_settings: Settings | None = None


def get_settings() -> Settings:
    """The process-wide settings, loaded from the config file on first use."""
    global _settings
    if _settings is None:
        _settings = load_settings()
    return _settings


def set_settings(settings: Settings | None) -> None:
    """Replace the process-wide settings (``None``: reload from the config file on next use)."""
    global _settings
    _settings = settings

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
    display_rows: int = 50  # rows a notebook shows of a result
    progress: bool = True
    workers: int | None = None  # copy processes; None = one per core
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
    envs = {}
    for name, spec in (data.pop("environments", None) or {}).items():
        try:
            envs[name] = EnvironmentConfig(**spec)
        except TypeError as exc:
            allowed = ", ".join(f.name for f in dataclasses.fields(EnvironmentConfig))
            raise UsageProblem(
                f"config file {path}: environment '{name}' has an unknown key ({allowed} allowed)"
            ) from exc
    known = {f.name for f in dataclasses.fields(Settings)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise UsageProblem(f"config file {path}: unknown setting(s) {', '.join(unknown)}")
    return Settings(environments=envs, **data)


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

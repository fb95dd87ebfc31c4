"""Modules imported on first use, so that a command which never makes a DataFrame (``dynamo
copy``, and every copy worker process) does not pay for importing pandas (~0.3 s of CPU per
process, measured with ``python -X importtime``; issue 6 §8).

    if TYPE_CHECKING:
        import pandas as pd
    else:
        pd = lazy.module("pandas")

``pd.DataFrame(...)`` then imports pandas on its first attribute access; annotations stay
strings (``from __future__ import annotations``) and never touch it. Unlike
``importlib.util.LazyLoader`` nothing is put in ``sys.modules`` before the real import, so
``"pandas" in sys.modules`` keeps meaning "pandas was imported", which ``is_pandas_na`` uses.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands for a module; the first attribute access imports it."""

    def __init__(self, name: str):
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attribute)

    def __repr__(self) -> str:
        state = "imported" if self._module is not None else "not imported yet"
        return f"<lazy module {self._name!r} ({state})>"


def module(name: str) -> Any:
    """A stand-in for ``import name`` that imports on first attribute access."""
    return LazyModule(name)


def is_pandas_na(value: Any) -> bool:
    """``value is pandas.NA``, without importing pandas (no pandas loaded: it cannot be)."""
    na = getattr(sys.modules.get("pandas"), "NA", None)  # None while another thread imports it
    return na is not None and value is na


def is_numpy_scalar(value: Any) -> bool:
    """``isinstance(value, numpy.generic)``, without importing numpy (not loaded: it cannot be)."""
    generic = getattr(sys.modules.get("numpy"), "generic", None)  # None while being imported
    return generic is not None and isinstance(value, generic)

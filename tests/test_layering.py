"""Dependencies point one way (DESIGN.md "Layering"): core modules never reach the front ends,
and ``import dynamo_magic`` loads no notebook or progress-bar machinery."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import dynamo_magic

from conftest import subprocess_env

PACKAGE = Path(dynamo_magic.__file__).parent
# front ends, and front-end helpers (progress_bars: tqdm bars the CLI and magics hand the core)
FRONT_ENDS = {"cli", "magics", "options", "widgets", "demo", "progress_bars"}
UI_PACKAGES = ("IPython", "ipywidgets", "tqdm", "traitlets", "ipykernel")


def _imports(path: Path, top_level_only: bool = False) -> set[str]:
    """Absolute names of every module ``path`` imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(), str(path))
    names: set[str] = set()
    for node in tree.body if top_level_only else ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # from . import x / from .x import y
                base = "dynamo_magic" if node.level == 1 else ""
                module = f"{base}.{node.module}" if node.module else base
                names.add(module)
                names.update(f"{module}.{alias.name}" for alias in node.names)
            else:
                names.add(node.module or "")
    return names


def test_import_loads_no_notebook_or_progress_modules():
    code = (
        "import json, sys; import dynamo_magic; print(json.dumps(sorted(m for m in sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=subprocess_env(),
        timeout=60,
    ).stdout
    loaded = json.loads(out)
    leaked = [m for m in loaded if m.split(".")[0] in UI_PACKAGES]
    assert not leaked, f"import dynamo_magic loaded {leaked}"
    front = [m for m in loaded if m.startswith("dynamo_magic.") and m.split(".")[1] in FRONT_ENDS]
    assert not front, f"import dynamo_magic loaded front ends {front}"


def test_core_modules_import_nothing_from_front_ends():
    core = [p for p in sorted(PACKAGE.rglob("*.py")) if p.stem not in FRONT_ENDS]
    assert {p.stem for p in core} >= {"api", "read", "codec", "expressions", "errors"}
    offenders = {}
    for path in core:
        # __init__ may import the magics lazily inside load_ipython_extension, nowhere else
        bad = sorted(
            name
            for name in _imports(path, top_level_only=path.name == "__init__.py")
            if name.split(".")[0] in UI_PACKAGES
            or (name.startswith("dynamo_magic.") and name.split(".")[1] in FRONT_ENDS)
        )
        if bad:
            offenders[path.name] = bad
    assert not offenders, f"core modules importing front ends or UI packages: {offenders}"


def test_the_detector_sees_front_end_imports():
    """The AST check above is not vacuous: it finds the imports the front ends really make."""
    assert "dynamo_magic.api" in _imports(PACKAGE / "cli.py")
    assert "IPython.core.magic" in _imports(PACKAGE / "magics.py")
    assert "dynamo_magic.magics" in _imports(PACKAGE / "__init__.py")  # lazily, inside a function

"""Dependencies point one way (core to front ends): core modules never reach the front ends,
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
PREFIX = "dynamo_magic."
# front ends (a module or a folder of the package): the CLI with its option table and tqdm bars,
# the notebook folder (magics, panels); nothing below them imports them
FRONT_ENDS = {"cli", "options", "snippets", "progress_bars", "notebook", "demo", "__main__"}
NOTEBOOK_PACKAGES = ("IPython", "ipywidgets", "traitlets", "ipykernel")  # notebook/ only
UI_PACKAGES = (*NOTEBOOK_PACKAGES, "tqdm")  # front ends only
# what each part of the core may not import: the core's top-level modules (settings, codec,
# environments, reading, ...) sit below DynamoDB's layer, DynamoDB's layer knows no copies, the
# copy engine knows no façade, and no core part knows a front end
FORBIDDEN = {
    "": {"dynamodb", "transfer", "api", *FRONT_ENDS},  # the core's top-level modules
    "dynamodb": {"transfer", "api", *FRONT_ENDS},
    "transfer": {"api", *FRONT_ENDS},
    "api": set(FRONT_ENDS),  # the façade: over dynamodb/ and transfer/
    "__init__": set(FRONT_ENDS),  # the package's face re-exports the api
}
# what a front end imports of the package (DESIGN.md: thin front ends over the one façade): the
# façade ``api`` (it re-exports the types and choices front ends show), the other front ends, and
# what front ends share by design: the error hierarchy they render, the one settings object (the
# magics' traitlets, the CLI's overrides), the option table, the progress bars, the plots of a
# result, lazy imports, the locks that die with their process (the demo's folder, as a run's
# checkpoint)
FRONT_END_IMPORTS = {"api", "errors", "settings", "plots", "lazy", "locks", *FRONT_ENDS}
# front-end modules that still reach past the façade, with the core modules they use: to route
# through ``api``, never to grow (the test fails on an entry no longer needed)
PAST_THE_FACADE = {
    "cli.py": {"analysis", "codec"},  # the DataFrame and summary cells the CLI prints
    "options.py": {"reading"},  # DEFAULT_HEAD
    "notebook/magics.py": {"reading", "expressions"},  # --ui checks the line as a read would
    "demo/profiles.py": {"environments"},  # DEMO_MARKER
}


def _part(path: Path) -> str:
    """The package part a file belongs to: its folder, or its stem at the top level."""
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def _layer(module: str) -> str:
    """``dynamo_magic.transfer.tasks`` -> ``copying``; a top-level module is its own name."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "dynamo_magic" else ""


def _for_type_checking(tree: ast.Module) -> set[ast.AST]:
    """The import statements inside ``if TYPE_CHECKING:`` blocks (read by type checkers only)."""
    return {
        node
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and ast.unparse(block.test).endswith("TYPE_CHECKING")
        for statement in block.body
        for node in ast.walk(statement)
        if isinstance(node, ast.Import | ast.ImportFrom)
    }


def _imports(path: Path, top_level_only: bool = False, annotations: bool = True) -> set[str]:
    """Absolute names of every module ``path`` imports (relative imports resolved); without
    ``annotations``, those under ``if TYPE_CHECKING:`` are left out."""
    tree = ast.parse(path.read_text(), str(path))
    names: set[str] = set()
    skipped = set() if annotations else _for_type_checking(tree)
    for node in tree.body if top_level_only else ast.walk(tree):
        if node in skipped:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # from . import x / from ..x import y, resolved from the file
                package = path.relative_to(PACKAGE.parent).parent.parts
                base = ".".join(package[: len(package) - node.level + 1])
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
    # matplotlib too (plots import it when they draw), and nothing of the demo (moto, JupyterLab)
    later = (*UI_PACKAGES, "matplotlib", "moto", "jupyterlab")
    leaked = [m for m in loaded if m.split(".")[0] in later or m.startswith("dynamo_magic.demo")]
    assert not leaked, f"import dynamo_magic loaded {leaked}"
    front = [m for m in loaded if m.startswith("dynamo_magic.") and _layer(m) in FRONT_ENDS]
    assert not front, f"import dynamo_magic loaded front ends {front}"


def test_each_part_imports_only_what_its_layer_may():
    """The folders are the layers: core modules < ``dynamodb/`` < ``transfer/`` < ``api`` < front
    ends, and only ``notebook/`` imports IPython, ipywidgets or traitlets. A module of the
    package imported for annotations only (``if TYPE_CHECKING:``, as ``errors`` names
    ``CopyResult``) loads nothing at run time: it may name a type of a layer above."""
    files = sorted(PACKAGE.rglob("*.py"))
    assert {_part(p) for p in files} >= {"dynamodb", "transfer", "notebook", "api", "codec"}
    offenders = {}
    for path in files:
        part = _part(path)
        # __init__ may import the magics lazily inside load_ipython_extension, nowhere else
        top_level_only = path.name == "__init__.py" and part == "__init__"
        run_time = _imports(path, top_level_only, annotations=False)
        names = {
            n for n in _imports(path, top_level_only) if n in run_time or not n.startswith(PREFIX)
        }
        forbidden = FORBIDDEN.get(part, FORBIDDEN[""]) if part not in FRONT_ENDS else set()
        ui = () if part == "notebook" else NOTEBOOK_PACKAGES if part in FRONT_ENDS else UI_PACKAGES
        bad = sorted(
            name
            for name in names
            if name.split(".")[0] in ui
            or (name.startswith("dynamo_magic.") and _layer(name) in forbidden - {part})
        )
        if bad:
            offenders[str(path.relative_to(PACKAGE))] = bad
    assert not offenders, f"modules importing above their layer: {offenders}"


def test_front_ends_import_the_facade_not_the_core():
    """A front end (the CLI, the magics, the panels, the demo) calls ``api``: the core's
    modules below it (``reading``, ``transfer/``, ``dynamodb/``, ``schema``...) are the façade's
    to import. The panels reach nothing past it."""
    files = sorted(p for p in PACKAGE.rglob("*.py") if _part(p) in FRONT_ENDS)
    assert {
        "notebook/panels/query.py",
        "notebook/panels/copy.py",
        "notebook/magics.py",
        "cli.py",
    } <= {str(p.relative_to(PACKAGE)) for p in files}
    offenders, used = {}, {}
    for path in files:
        name = str(path.relative_to(PACKAGE))
        reached = {
            m.split(".")[1]
            for m in _imports(path, annotations=False)
            if m.startswith(PREFIX) and m.split(".")[1] not in FRONT_END_IMPORTS
        }
        used[name] = reached & PAST_THE_FACADE.get(name, set())
        if reached - used[name]:
            offenders[name] = sorted(reached - used[name])
    assert not offenders, f"front ends importing past the façade: {offenders}"
    stale = {n: sorted(a - used.get(n, set())) for n, a in PAST_THE_FACADE.items()}
    assert not {n: a for n, a in stale.items() if a}, f"allowed but no longer used: {stale}"


def test_the_detector_sees_front_end_imports():
    """The AST check above is not vacuous: it finds the imports the front ends really make."""
    assert "dynamo_magic.api" in _imports(PACKAGE / "cli.py")
    assert "IPython.core.magic" in _imports(PACKAGE / "notebook" / "magics.py")
    assert "dynamo_magic.dynamodb.read" in _imports(PACKAGE / "transfer" / "sources.py")
    assert "dynamo_magic.transfer.tasks" in _imports(PACKAGE / "transfer" / "engine.py")
    # lazily, inside a function
    assert "dynamo_magic.notebook.magics" in _imports(PACKAGE / "__init__.py")
    # for annotations only: seen, and left out of what runs
    assert "dynamo_magic.transfer.result" in _imports(PACKAGE / "errors.py")
    assert "dynamo_magic.transfer.result" not in _imports(PACKAGE / "errors.py", annotations=False)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_modules_import_each_other_without_cycles():
    """At import time (module-level imports; TYPE_CHECKING blocks and imports inside functions
    are left out) the package's modules form no cycle: each layer can be read on its own."""
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {
        name: sorted(m for m in _imports(path, top_level_only=True) if m in files and m != name)
        for name, path in files.items()
    }
    done: set[str] = set()

    def visit(name: str, trail: list[str]) -> None:
        if name in trail:
            raise AssertionError(
                "import cycle: " + " -> ".join([*trail[trail.index(name) :], name])
            )
        if name in done:
            return
        for imported in graph[name]:
            if imported.startswith(name + "."):  # a package importing its own submodule
                continue
            visit(imported, [*trail, name])
        done.add(name)

    for name in graph:
        visit(name, [])
    assert "dynamo_magic.dynamodb.read" in graph["dynamo_magic.transfer.sources"]


def test_the_architecture_page_places_every_module_in_a_layer() -> None:
    """docs/architecture.md's layers table names every top-level module and every folder of
    the package (the module list under it is generated; this table is written by hand)."""
    page = (PACKAGE.parent / "docs" / "architecture.md").read_text()
    table = page[page.index("## Layers") : page.index("## Every module")]
    parts = {
        f"`{p.name}`" if p.is_file() else f"`{p.name}/`"
        for p in PACKAGE.iterdir()
        if (p.suffix == ".py" and p.stem not in ("__init__", "__main__"))
        or (p.is_dir() and (p / "__init__.py").exists())
    }
    assert sorted(p for p in parts if p not in table) == []

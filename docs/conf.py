"""Sphinx configuration: ``make docs`` builds the site into docs/_build/html, warnings as errors.

The example notebooks are pages executed at build time against the demo (two local moto
servers seeded as ``dynamo demo`` seeds them), so their outputs are real and current. Nothing
here needs the network: no intersphinx inventories are fetched.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

import dynamo_magic  # noqa: E402

project = "dynamo_magic"
author = "the dynamo_magic developers"
copyright = "2026, the dynamo_magic developers"
release = dynamo_magic.__version__

extensions = [
    "myst_nb",  # MyST Markdown pages and executed notebooks
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",  # the API reference from our numpydoc docstrings
    "options_reference",  # the CLI and magic references from dynamo_magic.options.OPTIONS
    "module_map",  # every module of the package on the architecture page
]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "**.ipynb_checkpoints", "images/README*"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
smartquotes = False  # `--flag` and quotes in option texts stay as typed

html_theme = "pydata_sphinx_theme"
html_title = "dynamo_magic"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_static_path: list[str] = []

autodoc_typehints = "none"  # numpydoc renders the types the docstrings give
autosummary_generate = False
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
# numpydoc reports a malformed docstring (an unknown section) as a Python warning, not a Sphinx
# one: make it fail the build as -W does for Sphinx's
warnings.filterwarnings("error", category=UserWarning, module="numpydoc")
nitpicky = False
# a type alias's value names standard-library classes, which only intersphinx (the network)
# could resolve: -n (`make docs`) would report them as broken references
nitpick_ignore = [("py:class", "collections.abc.Callable")]

# notebooks: run every time against the demo's servers, fail the build on any error;
# DYNAMO_MAGIC_DOCS_EXECUTE=0 (`make docs-check`, part of `make test`) builds without running
# them: tests/test_notebooks.py already runs each in a real kernel
EXECUTE = os.environ.get("DYNAMO_MAGIC_DOCS_EXECUTE", "1") != "0"
nb_execution_mode = "force" if EXECUTE else "off"
nb_execution_timeout = 300
nb_execution_raise_on_error = True
nb_execution_show_tb = True


def _start_demo() -> None:
    """Two seeded local accounts for the notebooks' kernels (they inherit this environment), in a
    temporary folder removed when the build ends."""
    from dynamo_magic.demo import start_demo

    for name in [name for name in os.environ if name.startswith("AWS_")]:
        del os.environ[name]  # the builder's own AWS settings play no part
    folder = Path(tempfile.mkdtemp(prefix="dynamo_magic-docs-"))
    # registered first, so it runs last (atexit is last in, first out): after the demo stopped,
    # when the build ends, fails, or the demo does not start
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    demo = start_demo(folder)
    atexit.register(demo.stop)
    os.environ.update(demo.variables)
    # `!dynamo ...` cells in api.ipynb: the command of the Python building the docs
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"


if EXECUTE:
    _start_demo()

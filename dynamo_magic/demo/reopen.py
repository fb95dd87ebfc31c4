"""Notebooks reopened in a later demo show their panels, never "Error displaying widget".

A widget output in a saved notebook is only a reference (``application/vnd.jupyter.widget-view
+json``: a ``model_id``) to a widget model that lives in the kernel which made it. Reopened under
a new kernel (a second demo on the same ``--folder``, a page reloaded after a kernel restart),
JupyterLab finds no such model and shows "Error displaying widget: model not found". Two
measures, both needed:

- ``LAB_SETTINGS``: the demo's JupyterLab saves widget state with the notebook (the widget
  manager's "Save Widget State Automatically", a default the user's own settings still
  override), as JupyterLab users expect of any output: a reopened panel shows what it showed
  when saved (its DataFrame too) until its cell runs again and it is live once more.
- ``drop_stale_widget_views``: before JupyterLab opens the folder, in every notebook under it
  (subfolders too), a widget output whose model is not in the notebook's saved state (saved
  with that setting off, by another Jupyter, or before the demo saved state) is removed, as it
  could only show the error. Everything else in the notebook is kept as it is.

Binder's JupyterLab gets the same settings default (binder/start): a notebook saved there and
reopened under a new kernel (a restart, a culled kernel) shows its panels too. Voilà needs
neither: it runs every cell afresh and shows only new outputs. The notebooks the project ships
are committed without outputs or widget state (tests/test_notebooks.py checks it), so a first
opening has nothing stale to show.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"  # an output showing a widget
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"  # metadata.widgets: saved models
CHECKPOINTS = ".ipynb_checkpoints"  # Jupyter's saved copies: not opened as notebooks, left as is
# JupyterLab settings defaults (``labconfig/default_setting_overrides.json`` on the demo's
# JUPYTER_CONFIG_PATH): below the user's own settings, above the plugins' defaults
LAB_SETTINGS: dict[str, Any] = {"@jupyter-widgets/jupyterlab-manager:plugin": {"saveState": True}}


def write_lab_settings(config_dir: Path) -> None:
    """``config_dir/labconfig/default_setting_overrides.json`` with ``LAB_SETTINGS``: a
    directory for JUPYTER_CONFIG_PATH (a user's ``~/.jupyter`` still comes first)."""
    labconfig = config_dir / "labconfig"
    labconfig.mkdir(parents=True, exist_ok=True)
    (labconfig / "default_setting_overrides.json").write_text(json.dumps(LAB_SETTINGS, indent=1))


def drop_stale_widget_views(folder: Path) -> list[Path]:
    """Remove, from every notebook under ``folder`` (its subfolders too, where notebooks made in
    JupyterLab's file browser live; not Jupyter's ``.ipynb_checkpoints``), the widget outputs
    whose model is not in the notebook's saved widget state; return the notebooks changed. A
    notebook that is not valid JSON is left alone (JupyterLab says what is wrong with it)."""
    changed = []
    for path in sorted(folder.rglob("*.ipynb")):
        if CHECKPOINTS in path.relative_to(folder).parts or not path.is_file():
            continue
        try:
            notebook = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(notebook, dict) and _drop_stale(notebook):
            _write(path, notebook)
            changed.append(path)
    return changed


def _drop_stale(notebook: dict[str, Any]) -> bool:
    """Drop the stale widget outputs of ``notebook`` in place; whether any was dropped."""
    widgets = notebook.get("metadata", {}).get("widgets", {})
    saved = widgets.get(WIDGET_STATE, {}).get("state", {}) if isinstance(widgets, dict) else {}
    dropped = False
    for cell in notebook.get("cells", []):
        outputs = cell.get("outputs") if isinstance(cell, dict) else None
        if not isinstance(outputs, list):
            continue
        kept = [output for output in outputs if not _stale(output, saved)]
        if len(kept) != len(outputs):
            cell["outputs"] = kept
            dropped = True
    return dropped


def _stale(output: Any, saved: Any) -> bool:
    data = output.get("data") if isinstance(output, dict) else None
    view = data.get(WIDGET_VIEW) if isinstance(data, dict) else None
    if not isinstance(view, dict):
        return False
    return not isinstance(saved, dict) or view.get("model_id") not in saved


def _write(path: Path, notebook: dict[str, Any]) -> None:
    """Write as Jupyter does (nbformat's JSON layout), through a temporary file: an
    interruption leaves the old notebook, never half of one."""
    text = json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)

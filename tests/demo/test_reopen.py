"""Notebooks reopened under a new kernel: widget views it cannot show are dropped, nothing
else."""

from __future__ import annotations

import json

from dynamo_magic.demo import (
    reopen,
    run,
)


# -- notebooks reopened under a new kernel -----------------------------------------------------
def _view(model_id: str) -> dict:
    return {
        "output_type": "display_data",
        "data": {
            reopen.WIDGET_VIEW: {"version_major": 2, "version_minor": 0, "model_id": model_id},
            "text/plain": "QueryPanel(...)",
        },
        "metadata": {},
    }


def _saved_notebook(state: dict | None) -> dict:
    """A notebook whose cells show a saved panel ("saved"), a panel of a kernel gone
    ("gone"), a stream and a DataFrame; ``state``: its metadata.widgets, if any."""
    stream = {"output_type": "stream", "name": "stdout", "text": "hello\n"}
    html = {"output_type": "display_data", "data": {"text/html": "<table/>"}, "metadata": {}}
    cells = [
        {"cell_type": "code", "execution_count": 1, "metadata": {}, "source": "p", "outputs": []},
        {"cell_type": "markdown", "metadata": {}, "source": "# text"},
    ]
    cells[0]["outputs"] = [_view("saved"), stream, _view("gone"), html]
    metadata: dict = {"kernelspec": {"name": "python3"}}
    if state is not None:
        metadata["widgets"] = {reopen.WIDGET_STATE: {"version_major": 2, "state": state}}
    return {"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}


def test_widget_views_a_new_kernel_cannot_show_are_dropped_and_nothing_else(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    with_state = folder / "with_state.ipynb"
    with_state.write_text(json.dumps(_saved_notebook({"saved": {"model_name": "VBoxModel"}})))
    without_state = folder / "without_state.ipynb"
    without_state.write_text(json.dumps(_saved_notebook(None)))
    broken = folder / "broken.ipynb"
    broken.write_text("{ not json")
    clean = folder / "clean.ipynb"
    clean.write_text(json.dumps(_saved_notebook({"saved": {}, "gone": {}})))
    clean_text = clean.read_text()

    assert reopen.drop_stale_widget_views(folder) == [with_state, without_state]
    kept = json.loads(with_state.read_text())
    assert [
        o.get("data", {}).get(reopen.WIDGET_VIEW, o.get("text"))
        for o in kept["cells"][0]["outputs"]
    ] == [_view("saved")["data"][reopen.WIDGET_VIEW], "hello\n", None]
    assert kept["cells"][0]["outputs"][2]["data"] == {"text/html": "<table/>"}
    assert kept["cells"][1] == _saved_notebook(None)["cells"][1]
    assert kept["metadata"] == _saved_notebook({"saved": {"model_name": "VBoxModel"}})["metadata"]
    no_views = json.loads(without_state.read_text())["cells"][0]["outputs"]
    assert [o["output_type"] for o in no_views] == ["stream", "display_data"]
    assert broken.read_text() == "{ not json" and clean.read_text() == clean_text
    assert reopen.drop_stale_widget_views(folder) == []  # once is enough
    assert not list(folder.glob(".*.tmp"))


def test_stale_widget_views_are_dropped_in_subfolders_too_but_not_in_checkpoints(tmp_path):
    folder = tmp_path / "notebooks"
    nested = folder / "mine" / "deeper"
    nested.mkdir(parents=True)
    made_in_lab = nested / "Untitled.ipynb"  # a notebook a user made in the file browser
    made_in_lab.write_text(json.dumps(_saved_notebook(None)))
    checkpoints = folder / "mine" / ".ipynb_checkpoints"
    checkpoints.mkdir()
    checkpoint = checkpoints / "Untitled-checkpoint.ipynb"  # Jupyter's own copy: left alone
    checkpoint.write_text(json.dumps(_saved_notebook(None)))
    checkpoint_text = checkpoint.read_text()

    assert reopen.drop_stale_widget_views(folder) == [made_in_lab]
    outputs = json.loads(made_in_lab.read_text())["cells"][0]["outputs"]
    assert [o["output_type"] for o in outputs] == ["stream", "display_data"]
    assert checkpoint.read_text() == checkpoint_text


def test_the_demo_drops_stale_widget_views_of_its_folder_and_saves_widget_state(tmp_path):
    folder = tmp_path / "demo"
    (folder / "notebooks").mkdir(parents=True)
    saved = folder / "notebooks" / "quickstart.ipynb"
    saved.write_text(json.dumps(_saved_notebook(None)))  # a user's copy, saved without state
    assert run.notebook_dir(folder) == folder / "notebooks"
    outputs = json.loads(saved.read_text())["cells"][0]["outputs"]
    assert [o["output_type"] for o in outputs] == ["stream", "display_data"]
    reopen.write_lab_settings(folder / "jupyter")
    overrides = folder / "jupyter" / "labconfig" / "default_setting_overrides.json"
    assert json.loads(overrides.read_text()) == {
        "@jupyter-widgets/jupyterlab-manager:plugin": {"saveState": True}
    }

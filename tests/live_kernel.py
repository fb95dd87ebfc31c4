"""A real kernel driven as JupyterLab drives it, for widget tests without a browser.

nbclient applies only the running cell's iopub messages; JupyterLab applies every widget
message, those a copy's thread sends and those of a click handled between cells. ``LiveKernel``
reads every ``comm_*`` message whatever its parent, keeps each widget's state as the page
would (``widget_state``) and every update in order (``updates``), and sends clicks as the page
does (``click``). Cells print JSON for the test to read (``printed``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client.utils import ensure_async  # type: ignore[attr-defined]
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionComplete

CELL_TIMEOUT = 180  # seconds a cell may run


class LiveKernel(NotebookClient):  # type: ignore[misc]
    """Run cells one by one in a kernel (``run``), widget messages applied as a page would."""

    def __init__(self, folder: Path):
        super().__init__(
            nbformat.v4.new_notebook(),
            timeout=CELL_TIMEOUT,
            kernel_name="python3",
            allow_errors=True,  # a cell's error is an output to look at, not a test failure
            shutdown_kernel="immediate",  # at the end: a copy a test stopped may still wind down
            resources={"metadata": {"path": str(folder)}},
        )
        self.updates: list[tuple[str, dict[str, Any]]] = []  # (model id, state sent), in order
        self.stray: list[dict[str, Any]] = []  # outputs of no running cell: a page shows none

    async def _async_poll_output_msg(
        self, parent_msg_id: str, cell: nbformat.NotebookNode, cell_index: int
    ) -> None:
        while True:
            msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=None))
            if msg["parent_header"].get("msg_id") == parent_msg_id:
                try:
                    self.process_message(msg, cell, cell_index)
                except CellExecutionComplete:
                    return
            elif msg["msg_type"].startswith("comm"):
                self.handle_comm_msg(cell.outputs, msg, cell_index)
            elif msg["msg_type"] not in ("status", "execute_input"):
                self.stray.append(msg)

    def handle_comm_msg(
        self, outs: list[nbformat.NotebookNode], msg: dict[str, Any], cell_index: int
    ) -> None:
        super().handle_comm_msg(outs, msg, cell_index)
        state = msg["content"].get("data", {}).get("state")
        if state is not None:
            self.updates.append((msg["content"]["comm_id"], dict(state)))

    def run(self, source: str) -> nbformat.NotebookNode:
        """Execute ``source`` as a new cell; the cell (its outputs) when it has ended."""
        cell = nbformat.v4.new_code_cell(source)
        self.nb.cells.append(cell)
        self.execute_cell(cell, len(self.nb.cells) - 1)
        return cell

    def click(self, model_id: str) -> None:
        """A click on the page on the button ``model_id`` (handled in the kernel between cells:
        the next cell runs after it)."""
        content = {"comm_id": model_id, "data": {"method": "custom", "content": {"event": "click"}}}
        self.kc.shell_channel.send(self.kc.session.msg("comm_msg", content))

    def history(self, model_id: str, name: str) -> list[Any]:
        """Every value the page was sent for the trait ``name`` of ``model_id``, in order."""
        return [state[name] for mid, state in self.updates if mid == model_id and name in state]

    def models(self, model_name: str) -> list[str]:
        """The ids of every model of that kind (``"FloatProgressModel"``), in creation order."""
        return [mid for mid, s in self.widget_state.items() if s.get("_model_name") == model_name]


def printed(cell: nbformat.NotebookNode) -> Any:
    """The JSON the cell printed last on stdout."""
    lines = "".join(o["text"] for o in cell.outputs if o.get("name") == "stdout").splitlines()
    return json.loads(lines[-1])


def errors(cell: nbformat.NotebookNode) -> list[str]:
    """The cell's errors: error outputs as ``Name: value``, and the lines it printed on
    stderr (IPython prints a magic's ``UsageError`` there, one line, no traceback)."""
    shown = [f"{o['ename']}: {o['evalue']}" for o in cell.outputs if o["output_type"] == "error"]
    stderr = "".join(o["text"] for o in cell.outputs if o.get("name") == "stderr")
    return shown + [line for line in stderr.splitlines() if line.strip()]


@contextmanager
def live_kernel(folder: Path, env: Mapping[str, str]) -> Iterator[LiveKernel]:
    """A started ``LiveKernel`` with ``env`` as its environment, working in ``folder``."""
    kernel = LiveKernel(folder)
    with kernel.setup_kernel(env=dict(env)):
        yield kernel

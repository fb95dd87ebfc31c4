"""A panel's **Code** row: the code doing what the panel's last action did (``snippets``), as
the ``%dynamo_query``/``%dynamo_copy`` line, the Python call and the ``dynamo`` command.

A click on a widget runs outside any cell, so the kernel cannot add a cell then
(``set_next_input`` answers an executed cell only): the texts are shown to be copied, and
``insert`` (called from a cell: ``panel.insert_code()``) puts one in the next cell."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
from IPython.display import HTML

from ... import snippets
from .layout import BUTTON_WIDTH, _line_of

if TYPE_CHECKING:
    from .base import _Panel

# each text's heading, in the order shown
HEADINGS = {"magic": "Magic", "python": "Python", "cli": "Terminal"}
CODE_STYLE = "white-space: pre-wrap; overflow-wrap: anywhere; margin: 0 0 6px 0; user-select: text"
NO_ACTION = "no action yet: Code shows the code of the panel's last action (Run, Plan, Copy...)"


class CodeView:
    """The Code button and the area under it (``code_output``) of a panel
    (``panel.code_view``); ``remember`` records each action's api call as it is made."""

    def __init__(self, panel: _Panel):
        self.panel = panel
        self.code_button = widgets.Button(description="Code", icon="code")
        self.code_button.layout.width = BUTTON_WIDTH
        self.code_button.add_class("dynamo-code-button")
        self.code_output = widgets.Output(layout=widgets.Layout(width="100%", overflow="auto"))
        self.code_output.add_class("dynamo-code-output")
        self.call: tuple[str, dict[str, Any]] | None = None  # the last action's api call
        self.code_button.on_click(lambda _: self.show())

    def rows(self) -> list[tuple[str, Any, bool]]:
        """The panel's form rows: the button, then the area its texts show in."""
        return [("", _line_of(self.code_button), False), ("", self.code_output, True)]

    def remember(self, function: str, kwargs: Mapping[str, Any]) -> None:
        """The action calls ``api.<function>(**kwargs)`` (a progress bar or a cancel event,
        which change nothing it does, left out): Code shows that call from now on; the texts
        shown for the action before go."""
        self.call = (function, dict(kwargs))
        self.code_output.outputs = ()

    @property
    def code(self) -> dict[str, str] | None:
        """``{"magic": ..., "python": ..., "cli": ...}`` for the last action (``None``: none
        yet)."""
        if self.call is None:
            return None
        return snippets.code_for(*self.call)

    def show(self) -> None:
        """The Code button: the three texts, each under its heading, ready to copy."""
        code = self.code
        if code is None:
            self.panel._refuse(NO_ACTION, self.code_output)
            return
        parts = [
            f'<div class="dynamo-code-heading"><b>{HEADINGS[name]}</b></div>'
            f'<pre class="dynamo-code-{name}" style="{CODE_STYLE}">{html.escape(code[name])}</pre>'
            for name in HEADINGS
        ]
        self.code_output.outputs = ()
        self.code_output.append_display_data(HTML('<div class="dynamo-code">' + "".join(parts)))

    def insert(self, which: str = "magic") -> None:
        """Put the last action's ``which`` text (``"magic"``, ``"python"`` or ``"cli"``, this as
        a ``!dynamo ...`` shell line) in a new cell after the running one: for a call from a
        cell (JupyterLab, Notebook 7 and IPython take it with the cell's reply).

        Raises
        ------
        ValueError
            ``which`` is none of the three, or there is no action yet.
        RuntimeError
            Not in IPython.
        """
        if which not in HEADINGS:
            raise ValueError(f"which must be one of {', '.join(HEADINGS)}, not {which!r}")
        code = self.code
        if code is None:
            raise ValueError(NO_ACTION)
        from IPython import get_ipython

        shell = get_ipython()
        if shell is None:
            raise RuntimeError("not in IPython: print(panel.code[...]) and copy it instead")
        text = code[which]
        if which == "cli":  # a notebook runs a shell command as !command
            text = "\n".join(
                line if line.startswith("#") else f"!{line}" for line in text.split("\n")
            )
        shell.set_next_input(text, replace=False)

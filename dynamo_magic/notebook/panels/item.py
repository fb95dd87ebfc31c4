"""The query panel's one item (``panel.item``): a row picker under the result table, the
picked item as DynamoDB JSON or plain JSON (to read and copy), and an editor of it.

The editor holds DynamoDB JSON, the one form that keeps every type (sets stay sets, numbers
keep every digit, binaries are base64). **Show changes** lists what differs from the item as
it was read, and nothing is written before it; **Save** is ``dynamo_magic.put_item`` of the
edited item with ``expect=`` the item as read, **Delete** ``delete_item`` with the same
``expect=``: a change made by someone else in the meantime is refused with the difference,
never overwritten. Both need the tick naming the item, table and environment (the item exists:
the copy's rule). The key cannot be edited (that would write another item).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
from IPython.display import HTML

from ... import api
from ...errors import ConfirmationRequired, InvalidQuery
from .layout import BUTTON_WIDTH, _form, _line_of

if TYPE_CHECKING:
    from .query import QueryPanel

MAX_PICKER_ROWS = 1_000  # rows the picker lists (page through a larger result)
MAX_EDITOR_ROWS = 24  # lines the editor shows before it scrolls
ITEM_FORMS = (("DynamoDB JSON", "dynamodb"), ("plain JSON", "plain"))
JSON_STYLE = (
    "white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; max-height: 300px; "
    "overflow: auto; user-select: text"
)
# the item's controls: disabled while a Run runs
ITEM_CONTROLS: tuple[str, ...] = (
    *("row", "item_form", "item_editor", "item_confirm"),
    *("changes_button", "save_button", "delete_button"),
)


class ItemEditor:
    """The one-item rows of a ``QueryPanel``: ``row`` (the picker, a row number of the table
    shown), ``item_form`` (DynamoDB JSON or plain JSON), ``item_json`` (the picked item, to
    copy), ``item_editor``, ``item_confirm``, Show changes, Save and Delete; ``item_output``
    shows the changes, the outcome or the refusal.

    ``old`` is the picked item as read (after a Save: as written; ``None`` after a Delete),
    ``changes`` the last differences shown, ``write`` the last ``ItemWrite``."""

    def __init__(self, panel: QueryPanel):
        self.panel = panel
        self.row = widgets.Dropdown(options=[], value=None)
        self.item_form = widgets.ToggleButtons(options=ITEM_FORMS, value="dynamodb")
        self.item_form.style.button_width = "150px"
        self.item_json = widgets.HTML("")
        self.item_editor = widgets.Textarea(rows=10, layout=widgets.Layout(width="100%"))
        self.item_confirm = widgets.Checkbox(
            value=False, indent=False, layout=widgets.Layout(width="auto")
        )
        self.changes_button = widgets.Button(description="Show changes", icon="search")
        self.save_button = widgets.Button(
            description="Save", button_style="danger", icon="save", disabled=True
        )
        self.delete_button = widgets.Button(
            description="Delete", button_style="danger", icon="trash", disabled=True
        )
        for button in (self.changes_button, self.save_button, self.delete_button):
            button.layout.width = BUTTON_WIDTH
        self.item_output = widgets.Output(layout=widgets.Layout(width="100%", overflow="auto"))
        for name in (*ITEM_CONTROLS, "item_json", "item_output"):
            getattr(self, name).add_class("dynamo-" + name.replace("_", "-"))
        self.source: Any = None  # the ReadResult whose rows the picker lists
        self.table: str | None = None  # where they were read (a write goes there)
        self.env: str | None = None
        self.key_names: tuple[str, ...] = ()  # the table's key attributes
        self.old: dict[str, Any] | None = None
        self.changes: list[str] | None = None
        self.write: Any = None  # api.ItemWrite
        self._checked: str | None = None  # the editor text Show changes was shown for
        self._written: dict[int, dict[str, Any] | None] = {}  # row -> as saved (None: deleted)
        grid = _form(
            [
                ("Item", self.row, False),
                ("", self.item_form, False),
                ("", self.item_json, True),
                ("Edit item", self.item_editor, True),
                ("", self.item_confirm, True),
                ("", _line_of(self.changes_button, self.save_button, self.delete_button), False),
            ]
        )
        self._details = grid.children[2:]  # all but the picker's row: shown once a row is picked
        self.box = widgets.VBox([grid, self.item_output], layout=widgets.Layout(width="100%"))
        self.box.add_class("dynamo-item")
        self.row.observe(lambda _: self._pick(), "value")
        self.item_form.observe(lambda _: self._show_item(), "value")
        self.item_editor.observe(lambda _: self._edited(), "value")
        self.changes_button.on_click(lambda _: self.show_changes())
        self.save_button.on_click(lambda _: self.save())
        self.delete_button.on_click(lambda _: self.delete())
        self.load(None)

    # -- what the picker lists ---------------------------------------------------------------
    def load(self, source: Any) -> None:
        """List the rows of ``source`` (the ReadResult the table shows; ``None``: no result)."""
        panel = self.panel
        self.source, self._written = source, {}
        self.table, self.env = (None, None) if source is None else (source.table, panel.env.value)
        schema = panel.schema
        self.key_names = () if schema is None else schema.key.names
        rows = [] if source is None else source.items[:MAX_PICKER_ROWS]
        options = [
            (f"row {i}: {api.item_key_text(api.item_values(item), self.key_names)}", i)
            for i, item in enumerate(rows)
        ]
        self.row.options = options
        self.row.value = None
        self.box.layout.display = "none" if source is None else ""
        self.item_output.outputs = ()
        self._pick()

    def set_enabled(self, enabled: bool) -> None:
        for name in ITEM_CONTROLS:
            getattr(self, name).disabled = not enabled
        if enabled:
            self._sync()

    # -- the picked item ---------------------------------------------------------------------
    def _pick(self) -> None:
        number = self.row.value
        self.changes, self._checked = None, None
        self.item_confirm.value = False
        self.item_output.outputs = ()
        for cell in self._details:
            cell.layout.display = "none" if number is None else ""
        if number is None:
            self.old = None
            self.item_editor.value = ""
        elif number in self._written:
            self.old = self._written[number]
        else:
            self.old = api.item_values(self.source.items[number])
        if number is not None:
            self._edit(self.old)
        self.item_confirm.description = (
            f"save or delete item {api.item_key_text(self.old or {}, self.key_names)} in table "
            f"'{self.table or '?'}' in env '{self.env or '?'}'"
        )
        self._show_item()
        self._sync()

    def _edit(self, item: dict[str, Any] | None) -> None:
        """The editor holds ``item`` as DynamoDB JSON, one attribute a line, every line shown
        up to ``MAX_EDITOR_ROWS`` (then it scrolls)."""
        text = "" if item is None else api.item_text(item)
        self.item_editor.rows = min(max(text.count("\n") + 1, 4), MAX_EDITOR_ROWS)
        self.item_editor.value = text

    def _show_item(self) -> None:
        if self.old is None:
            text = "" if self.row.value is None else "(deleted)"
        else:
            text = api.item_text(self.old, self.item_form.value)
        self.item_json.value = (
            f'<pre class="dynamo-item-text" style="{JSON_STYLE}">{html.escape(text)}</pre>'
        )

    def _edited(self) -> None:
        """The editor's text changed: the changes shown are for another text."""
        self._sync()

    def _sync(self) -> None:
        picked = self.row.value is not None and self.old is not None
        running = self.panel.running
        self.changes_button.disabled = running or not picked
        self.delete_button.disabled = running or not picked
        self.save_button.disabled = (
            running or not picked or not self.changes or self._checked != self.item_editor.value
        )

    # -- the actions -------------------------------------------------------------------------
    def _refusal(self) -> str | None:
        """Why the picked item cannot be edited (``None``: it can)."""
        if self.row.value is None:
            return "pick a row first"
        if self.old is None:
            return "the item was deleted: Run again to edit another"
        if self.source.projected:
            return (
                "the item was read with a projection (Columns, or an index that projects only "
                "some attributes): Run on the table without Columns to edit the whole item"
            )
        return None

    def _edited_item(self) -> dict[str, Any]:
        """The editor's item (``InvalidQuery`` for text that is no DynamoDB JSON item)."""
        new = api.parse_item_text(self.item_editor.value)
        old_key = api.item_key_text(self.old or {}, self.key_names)
        new_key = api.item_key_text(new, self.key_names)
        if new_key != old_key:
            raise InvalidQuery(
                f"the key changed ({old_key} -> {new_key}): Save writes the item that was read; "
                "edit its other attributes"
            )
        return new

    def show_changes(self) -> None:
        """Show changes: what differs between the item as read and the editor's (nothing is
        written); Save writes exactly that."""
        panel = self.panel

        def action() -> None:
            self.changes, self._checked = None, None
            reason = self._refusal()
            if reason:
                panel._refuse(reason, self.item_output)
                return
            text = self.item_editor.value
            new = self._edited_item()
            found = api.item_differences(self.old, new)
            self.changes, self._checked = found, text
            if not found:
                panel._line("no change: the editor holds the item as read", area=self.item_output)
                return
            lines = html.escape("\n".join(found))
            panel._show(
                HTML(f'<pre class="dynamo-item-changes" style="{JSON_STYLE}">{lines}</pre>'),
                area=self.item_output,
            )
            panel._line(
                f"{len(found)} change(s): tick '{self.item_confirm.description}' and Save",
                clear=False,
                area=self.item_output,
            )

        panel._guarded(action, self.item_output)
        self._sync()

    def save(self) -> None:
        """Save: ``put_item`` of the edited item, on the condition that the item is still as
        read (``expect=``), confirmed by the tick."""
        panel = self.panel

        def action() -> None:
            reason = self._refusal()
            if reason is None and (not self.changes or self._checked != self.item_editor.value):
                reason = "click Show changes first: Save writes the changes shown"
            if reason:
                panel._refuse(f"save refused: {reason}", self.item_output)
                return
            new = self._edited_item()
            try:
                done = api.put_item(
                    str(self.table), new, env=self.env, expect=self.old, yes=self.item_confirm.value
                )
            except ConfirmationRequired as exc:
                panel._refuse(f"save refused: {self._confirm_line(exc, 'save')}", self.item_output)
                return
            self._done(done, done.new)

        panel._guarded(action, self.item_output)
        self._sync()

    def delete(self) -> None:
        """Delete: ``delete_item`` of the picked item, on the condition that it is still as
        read, confirmed by the tick."""
        panel = self.panel

        def action() -> None:
            reason = self._refusal()
            if reason:
                panel._refuse(f"delete refused: {reason}", self.item_output)
                return
            old = self.old or {}
            key = {name: old[name] for name in self.key_names}
            try:
                done = api.delete_item(
                    str(self.table), key, env=self.env, expect=old, yes=self.item_confirm.value
                )
            except ConfirmationRequired as exc:
                line = self._confirm_line(exc, "delete")
                panel._refuse(f"delete refused: {line}", self.item_output)
                return
            self._done(done, None)

        panel._guarded(action, self.item_output)
        self._sync()

    def _confirm_line(self, exc: ConfirmationRequired, doing: str) -> str:
        """The API's confirmation asked for, as the tick to tick (never "confirm with")."""
        box = f"'{self.item_confirm.description}'"
        line = exc.render(lambda k: box if k == "yes" else self.panel._name_of(k))
        return line.replace(f"confirm with {box}", f"tick {box} to {doing}")

    def _done(self, done: Any, now: dict[str, Any] | None) -> None:
        """A write went through: its line, and the item as it is now (the next edit expects
        it); the table above still shows the page as read."""
        self.write = done
        number = self.row.value
        self._written[number] = now
        self.old, self.changes, self._checked = now, None, None
        self.item_confirm.value = False
        if now is not None:
            self._edit(now)
        self._show_item()
        self.panel._line(
            f"{done.summary_line()} (the table above shows it as read: Run to read it again)",
            "dynamo-summary",
            area=self.item_output,
        )

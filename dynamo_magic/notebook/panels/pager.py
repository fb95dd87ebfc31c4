"""The query panel's paging (``panel.pager``): a page size and **First** / **Previous** /
**Next** over ``dynamo_magic.pages`` (DynamoDB's own ``Limit`` and ``ExclusiveStartKey``).

Every page is read once: the walk (``Pages``) keeps what it read, so Previous, First and Next
again show pages already read without a request. A walk belongs to the inputs it was made
with: after a change of an input (or of the page size) First or Next start a new one. The
result table shows the current page; the analysis buttons (Head, Unique values, Summary, Plot,
Store as, Write to) work on every page read so far, and their captions say so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import ipywidgets as widgets

from ... import api
from .layout import ACTION_WIDTH, HEAD_WIDTH, _line_of

if TYPE_CHECKING:
    from .query import QueryPanel

MAX_PAGE_SIZE = 10_000  # items a page may hold (a DynamoDB page also ends at 1 MB read)
Turn = Literal["first", "next", "previous"]
# the paging row's controls
PAGE_CONTROLS: tuple[str, ...] = ("page_size", "first_button", "previous_button", "next_button")


class PageThrough:
    """The paging row of a ``QueryPanel``: ``page_size`` (items, default 100) and the First,
    Previous and Next buttons. ``walk`` is the ``Pages`` being walked (``None``: none yet, or
    the last Run read everything)."""

    def __init__(self, panel: QueryPanel):
        self.panel = panel
        self.page_size = widgets.BoundedIntText(
            value=api.DEFAULT_PAGE_SIZE,
            min=1,
            max=MAX_PAGE_SIZE,
            layout=widgets.Layout(width=HEAD_WIDTH),
        )
        self.first_button = widgets.Button(description="First", icon="fast-backward")
        self.previous_button = widgets.Button(description="Previous", icon="step-backward")
        self.next_button = widgets.Button(description="Next", icon="step-forward")
        for name, button in (
            ("first", self.first_button),
            ("previous", self.previous_button),
            ("next", self.next_button),
        ):
            button.add_class(f"dynamo-page-{name}")
            button.layout.width = ACTION_WIDTH
        self.page_size.add_class("dynamo-page-size")
        self.walk: Any = None  # api.Pages
        self._walked: tuple[Any, ...] | None = None  # the inputs the walk was made with
        self.page_size.observe(lambda _: self._sync(), "value")
        self.first_button.on_click(lambda _: self.first())
        self.previous_button.on_click(lambda _: self.previous())
        self.next_button.on_click(lambda _: self.next())
        self._sync()

    def rows(self) -> list[tuple[str, Any, bool]]:
        """The panel's form row of the paging."""
        buttons = _line_of(self.first_button, self.previous_button, self.next_button)
        return [("Page size", self.page_size, False), ("", buttons, False)]

    # -- the buttons ---------------------------------------------------------------------------
    def first(self) -> None:
        """First: the first page of these inputs (read once: a page read before is shown)."""
        self._turn("first")

    def next(self) -> None:
        """Next: the page after the one shown (the first, for new inputs)."""
        self._turn("next")

    def previous(self) -> None:
        """Previous: the page before the one shown (read before: nothing is read)."""
        self._turn("previous")

    @property
    def paged(self) -> bool:
        """Whether the panel shows a page of a walk (else a Run's whole result, or nothing)."""
        return self.walk is not None and self.walk.number > 0

    def reset(self) -> None:
        """A Run, or another environment, table or index: the walk is over."""
        self.walk, self._walked = None, None
        self._sync()

    def set_enabled(self, enabled: bool) -> None:
        """Disabled while a Run runs; else as the walk allows (``_sync``)."""
        for name in PAGE_CONTROLS:
            getattr(self, name).disabled = not enabled
        if enabled:
            self._sync()

    def scope_note(self) -> str:
        """What the analysis works on, for its captions: ``""`` without paging, else
        ``" (in the 2 page(s) read: 200 items)"``."""
        if not self.paged:
            return ""
        return f" (in the {self.walk.pages_read:,} page(s) read: {len(self.panel.result):,} items)"

    # -- the walk ------------------------------------------------------------------------------
    def _inputs(self) -> tuple[Any, ...]:
        kwargs = self.panel.kwargs()
        return (tuple((k, repr(v)) for k, v in kwargs.items()), self.page_size.value)

    def _turn(self, how: Turn) -> None:
        panel = self.panel

        def action() -> None:
            if panel.running:
                panel._refuse("a query is running: wait for its result")
                return
            if not panel.table.value:
                panel._refuse("choose a table")
                return
            kwargs = panel.kwargs()
            if kwargs.pop("limit") is not None:
                panel._refuse(
                    f"{panel._name_of('limit')} and paging read otherwise: empty "
                    f"{panel._name_of('limit')} to page through the result"
                )
                return
            inputs = self._inputs()
            if self.walk is None or inputs != self._walked:
                if how == "previous":
                    panel._refuse("no page before: the inputs changed, click First")
                    return
                self.walk = api.pages(**kwargs, page_size=self.page_size.value)
                self._walked = inputs
                how_now: Turn = "first"
            else:
                how_now = how
                if how == "previous" and not self.walk.has_previous():
                    panel._refuse("this is the first page: no page before it")
                    return
                if how == "next" and not self.walk.has_next():
                    panel._refuse("this is the last page: no page after it")
                    return
            try:
                page = getattr(self.walk, how_now)()
            finally:
                self._sync()
            # Code: this page alone, read again from the key it started after
            start = {"start_after": self.walk.current.start_key} if self.walk.number > 1 else {}
            panel.code_view.remember(
                "explore", {**kwargs, "page_size": self.page_size.value, **start}
            )
            panel._show_read(self.walk.read_so_far(), self.walk.result, page)

        panel._guarded(action)
        self._sync()

    def _sync(self) -> None:
        """Previous only after the first page of the walk of these inputs, Next only while
        more may follow (or for new inputs: a new walk)."""
        busy = self.panel.running
        walk = self.walk if self._walked is not None and self._walked == self._inputs() else None
        self.first_button.disabled = busy
        self.previous_button.disabled = busy or walk is None or not walk.has_previous()
        self.next_button.disabled = busy or (walk is not None and not walk.has_next())
        self.page_size.disabled = busy

"""Driving ipywidgets controls in the page as a user does (Playwright locators)."""

from __future__ import annotations

from typing import Any

CHOICE_ATTEMPTS = 5
SETTLE_MS = 1_000  # time for the kernel to answer a choice (and for its echo to arrive)


def choose(control: Any, text: str) -> None:
    """Select the option of a Dropdown control whose label contains ``text``, once the kernel
    has put that option there (the choice then travels back to the kernel)."""
    from playwright.sync_api import expect

    select = control.locator("select")
    option = select.locator("option", has_text=text)
    expect(option).to_have_count(1)
    label = option.inner_text().strip()
    # a choice made while the kernel still answers an earlier one (another control's change
    # that reloads this one's options) can be overwritten by that answer: choose again, as a
    # user would, until the choice stays
    for _ in range(CHOICE_ATTEMPTS):
        select.select_option(label=label)
        select.page.wait_for_timeout(SETTLE_MS)
        if select.evaluate("s => s.options[s.selectedIndex]?.label.trim()") == label:
            return
    raise AssertionError(f"the choice {label!r} did not stay in {control}")


def type_into(control: Any, text: str) -> None:
    """Type into a Text control and leave it (ipywidgets syncs on input and on change)."""
    box = control.locator("input")
    box.fill(text)
    box.press("Tab")

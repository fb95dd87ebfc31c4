"""Driving ipywidgets controls in the page as a user does (Playwright locators)."""

from __future__ import annotations

from typing import Any


def choose(control: Any, text: str) -> None:
    """Select the option of a Dropdown control whose label contains ``text``, once the kernel
    has put that option there (the choice then travels back to the kernel)."""
    from playwright.sync_api import expect

    select = control.locator("select")
    option = select.locator("option", has_text=text)
    expect(option).to_have_count(1)
    select.select_option(label=option.inner_text().strip())


def type_into(control: Any, text: str) -> None:
    """Type into a Text control and leave it (ipywidgets syncs on input and on change)."""
    box = control.locator("input")
    box.fill(text)
    box.press("Tab")

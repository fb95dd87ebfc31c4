"""What a panel shows in its output area, as text."""

from __future__ import annotations

import html

import ipywidgets as widgets


def html_of(output: widgets.Output) -> str:
    """Every text/html (else text/plain) of the output area, joined, entities undone."""
    parts = []
    for out in output.outputs:
        data = out.get("data", {})
        parts.append(data.get("text/html") or data.get("text/plain") or out.get("text", ""))
    return html.unescape("\n".join(parts))


def error_lines(output: widgets.Output) -> list[str]:
    return [line for line in html_of(output).splitlines() if "dynamo-error" in line]

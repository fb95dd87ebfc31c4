"""``.. dynamo-modules::``: every module of the package with the first sentence of its
docstring, folder by folder, read from the source as the docs are built, so the map on the
architecture page lists every module there is (a new module without a docstring fails the
build)."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective

import dynamo_magic

PACKAGE = Path(dynamo_magic.__file__).resolve().parent


def summary(path: Path) -> str:
    """The docstring's first sentence (up to the first period followed by a space or the end
    of its first paragraph)."""
    docstring = ast.get_docstring(ast.parse(path.read_text()))
    if not docstring:
        raise ExtensionError(f"{path.relative_to(PACKAGE.parent)} has no module docstring")
    paragraph = " ".join(docstring.split("\n\n")[0].split())
    end = paragraph.find(". ")
    return paragraph if end == -1 else paragraph[: end + 1]


class ModuleMap(SphinxDirective):
    def run(self) -> list[Any]:
        folders: dict[str, list[Path]] = {}
        for path in sorted(PACKAGE.rglob("*.py")):
            folder = path.parent.relative_to(PACKAGE).as_posix()
            folders.setdefault("" if folder == "." else folder, []).append(path)
        self.env.note_dependency(__file__)
        out: list[Any] = []
        for folder, paths in folders.items():
            items = nodes.bullet_list()
            for path in paths:
                name = path.relative_to(PACKAGE).as_posix()
                self.env.note_dependency(str(path))
                para = nodes.paragraph("", "", nodes.literal(text=name), nodes.Text(": "))
                for i, part in enumerate(summary(path).split("``")):  # ``code`` spans
                    para += nodes.literal(text=part) if i % 2 else nodes.Text(part)
                items += nodes.list_item("", para)
            title = f"dynamo_magic/{folder}/" if folder else "dynamo_magic/ (top level)"
            out += [nodes.rubric(text=title), items]
        return out


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("dynamo-modules", ModuleMap)
    return {"parallel_read_safe": True, "version": "1"}

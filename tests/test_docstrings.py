"""Each parameter's text is written once (dynamo_magic/options.py) and the api's docstrings are
real ones in the source, their Parameters sections written from that table by cog: a changed
text without `make cog` fails here, and what static tools read is the whole docstring."""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import inspect
import io
from pathlib import Path

import pytest

import dynamo_magic as dm
from dynamo_magic import api, options
from dynamo_magic.options import API_COMMANDS, OPTIONS, PYTHON_ONLY, label_of, parameter

PACKAGE = Path(api.__file__).parent
COGGED = [PACKAGE / "api.py", PACKAGE / "reading.py"]  # what `make cog` writes
# every public function of the façade (exported by the package, defined in api.py)
PUBLIC = sorted(
    name
    for name in dm.__all__
    if inspect.isfunction(getattr(dm, name)) and getattr(dm, name).__module__ == api.__name__
)


def cog_check() -> tuple[int, str]:
    """``cog --check`` over the cogged files, in this process (so a patched table is seen)."""
    from cogapp import Cog

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        status = Cog().main(["cog", "--check", "--diff", *map(str, COGGED)])
    return status, out.getvalue()


def source_docstrings(path: Path) -> dict[str, str | None]:
    """The docstring of each top-level function and class as the source holds it."""
    tree = ast.parse(path.read_text())
    return {
        node.name: ast.get_docstring(node)
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef)
    }


def test_the_docstrings_are_what_cog_writes_from_the_options_table():
    status, output = cog_check()
    assert status == 0, f"run `make cog`:\n{output}"


def test_a_changed_option_text_without_make_cog_fails_the_check(monkeypatch):
    """The check compares with the table as it is: change one description, and it fails."""
    changed = tuple(
        dataclasses.replace(o, doc=o.doc + " Changed.") if o.keyword == "consistent" else o
        for o in OPTIONS
    )
    monkeypatch.setattr(options, "OPTIONS", changed)
    status, output = cog_check()
    assert status != 0 and "Changed." in output


def test_a_changed_shared_section_without_make_cog_fails_the_check(monkeypatch):
    """The Returns and Raises sections several functions share are written from one text:
    change it, and every docstring naming it is out of date."""
    key = ("Raises", "read")
    changed = {
        **options.SHARED_SECTIONS,
        key: options.SHARED_SECTIONS[key] + "\nNewError\n    New.",
    }
    monkeypatch.setattr(options, "SHARED_SECTIONS", changed)
    status, output = cog_check()
    assert status != 0 and "api.py" in output


def test_shared_sections_are_written_once_in_the_source():
    """No docstring repeats a shared section by hand beyond what cog writes from the table:
    each shared text stands in as many docstrings as cog calls name it."""
    source = (PACKAGE / "api.py").read_text()
    for (heading, key), body in options.SHARED_SECTIONS.items():
        named = source.count(f'{heading.lower()}="{key}"')
        indented = "\n".join(f"    {line}" if line else "" for line in body.split("\n"))
        assert named > 1 and source.count(indented) == named, (heading, key)


@pytest.mark.parametrize("name", PUBLIC)
def test_each_docstring_is_in_the_source_as_python_sees_it(name):
    """No assembly at import: ``inspect.getdoc`` gives exactly the source's docstring, which is
    what jedi, pyright and GitHub read."""
    written = source_docstrings(PACKAGE / "api.py")[name]
    assert written and written == inspect.getdoc(getattr(api, name))
    assert "Examples\n--------" in written


def test_static_analysis_sees_the_whole_docstring():
    """jedi (IPython's completion and IDEs) reads the source without running it."""
    import jedi

    (found,) = jedi.Script("import dynamo_magic\ndynamo_magic.query").infer(2, 15)
    assert found.docstring(raw=True) == inspect.getdoc(dm.query)
    assert "flatten : bool, default False" in found.docstring(raw=True)


@pytest.mark.parametrize("name", PUBLIC)
def test_every_api_parameter_is_described_exactly_once(name):
    """Each parameter of each public function has one record in the table (an ``Option`` used
    by the api, or a ``PYTHON_ONLY`` ``Parameter``), chosen by the function's command."""
    command = API_COMMANDS.get(name)
    for keyword in inspect.signature(getattr(api, name)).parameters:
        record = parameter(keyword, command)
        assert record.keyword == keyword and record.numpy_type and record.doc_for(command)


def test_every_description_serves_a_function_and_no_text_is_written_twice():
    """No record describes a keyword that none of its commands' functions take, and no two
    records hold the same text (a repeated text belongs in one record)."""
    taken = {
        (command, keyword)
        for name, command in API_COMMANDS.items()
        for keyword in inspect.signature(getattr(api, name)).parameters
    }
    records = [o for o in OPTIONS if "api" in o.used_by] + list(PYTHON_ONLY)
    for record in records:
        assert any((c, record.keyword) in taken for c in record.commands), record
    owners: dict[str, set[int]] = {}
    for record in records:
        for command in record.commands:
            owners.setdefault(record.doc_for(command), set()).add(id(record))
    assert [text for text, ids in owners.items() if len(ids) > 1] == []


def test_api_commands_names_every_public_function_with_parameters():
    for name in PUBLIC:
        if name in API_COMMANDS:
            assert API_COMMANDS[name] in options.COMMANDS
        else:  # no command: only keywords that mean one thing (env), or none
            assert set(inspect.signature(getattr(api, name)).parameters) <= {"env"}, name


def _panel_keywords(panel: type) -> list[str]:
    """The api keywords a panel has fields for (its field table, or its labels)."""
    fields = getattr(panel, "FIELDS", None)
    if fields is not None:
        return [field.keyword for field in fields]
    return list(panel.LABELS)


@pytest.mark.parametrize("panel, command", [("QueryPanel", "query"), ("CopyPanel", "copy")])
def test_each_field_of_a_panel_has_its_label_in_the_table(panel, command):
    from dynamo_magic.notebook import panels

    cls = getattr(panels, panel)
    for keyword in _panel_keywords(cls):
        label = label_of(keyword, command)
        assert label == cls.LABELS.get(keyword, label), (keyword, label)


def test_a_keyword_without_a_label_or_a_description_is_refused_with_what_to_do():
    with pytest.raises(LookupError, match=r"has no label: give it one in options\.py"):
        label_of("consistent", "query")
    with pytest.raises(LookupError, match=r"give it one in options\.py"):
        parameter("no_such_keyword", "query")
    with pytest.raises(LookupError, match="'params' of None: 0 of its 2 descriptions apply"):
        parameter("params", None)  # a filter's values, or a statement's markers

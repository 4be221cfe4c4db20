"""docs/contract.md is the output contract in the project's own words: it must say what the code
writes. Every name it lists is checked against where the code takes it from (the JSON Schemas,
the Arrow schema of the row dataclasses, the form definitions, the vocabulary, the rule and
error-code catalogues, the DuckDB views), both ways, and the schemas' `description` texts must be
its words. A rule, error code, form, section, item or measure added elsewhere needs only its line
here; the failure says which is missing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import ROOT

from extractors.errors import ERROR_CODES
from pipeline.checks.catalogue import RULES
from pipeline.definitions import load_catalog as _load_catalog
from pipeline.publish.store import CONTRACT_VERSION, TABLES

DOC = ROOT / "docs" / "contract.md"
# This checkout's schemas and definitions (an editable install of another checkout would find
# its own through importlib.resources).
SCHEMAS = ROOT / "schemas"
SCHEMA_TABLES = ("values", "documents", "findings", "rejects", "corrections")
# The Arrow types written, as the doc's type column names them.
ARROW_WORDS = {
    pa.string(): "string",
    pa.int32(): "int32",
    pa.float64(): "float64",
    pa.bool_(): "bool",
}


def _catalog():
    return _load_catalog(SCHEMAS)


# ------------------------------------------------------------------------------- reading the doc


def _text() -> str:
    return DOC.read_text(encoding="utf-8")


def _body(heading: str) -> str:
    """The text under the first heading that starts with `heading` (its `#`s included), up to
    the next heading of any level."""
    lines = _text().splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith(heading)]
    assert starts, f"docs/contract.md has no heading {heading!r}"
    body = []
    for line in lines[starts[0] + 1 :]:
        if line.startswith("#"):
            break
        body.append(line)
    return "\n".join(body)


def _cells(line: str) -> list[str]:
    """A markdown table row's cells (`\\|` is a pipe inside a cell)."""
    parts = re.split(r"(?<!\\)\|", line.strip())[1:-1]
    return [p.strip().replace("\\|", "|") for p in parts]


def _rows(heading: str) -> list[list[str]]:
    """The rows of the first table under `heading`, without its header and rule lines."""
    lines = [line for line in _body(heading).splitlines() if line.startswith("|")]
    assert len(lines) > 2, f"no table under {heading!r}"
    return [_cells(line) for line in lines[2:]]


def _names(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def _paragraph(heading: str) -> str:
    """The first paragraph under a heading, its lines joined by spaces."""
    paragraph: list[str] = []
    for line in _body(heading).splitlines():
        if line.strip():
            paragraph.append(line.strip())
        elif paragraph:
            break
    return " ".join(paragraph)


def _columns(table: str) -> list[tuple[str, str, str]]:
    """(column, type, meaning) of a table's column list, a row naming several columns split."""
    return [
        (name, kind, meaning)
        for first, kind, meaning in _rows(f"### `{table}`")
        for name in _names(first)
    ]


def _schema(table: str) -> dict:
    return json.loads((SCHEMAS / f"{table}.schema.json").read_text(encoding="utf-8"))


def _nullable(prop: dict) -> bool:
    kinds = prop.get("type", [])
    return "null" in (kinds if isinstance(kinds, list) else [kinds]) or None in prop.get("enum", [])


# ------------------------------------------------------------------------------- the tables


@pytest.mark.parametrize("table", ["values", "documents", "findings", "corrections"])
def test_the_doc_lists_exactly_the_schemas_columns_in_order(table):
    listed = [name for name, _, _ in _columns(table)]
    assert listed == list(_schema(table)["properties"])


def test_rejects_are_every_values_column_and_the_docs_own():
    own = [name for name, _, _ in _columns("rejects")]
    assert own == ["error"]
    assert list(_schema("rejects")["properties"]) == [*_schema("values")["properties"], *own]


@pytest.mark.parametrize("table", SCHEMA_TABLES)
def test_each_columns_type_is_the_arrow_type_written_and_null_as_the_schema_says(table):
    arrow = TABLES[table]
    props = _schema(table)["properties"]
    for name, kind, _ in _columns(table):
        words = [w.strip() for w in kind.split(",")]
        field = arrow.field(name)
        written = "timestamp" if pa.types.is_timestamp(field.type) else ARROW_WORDS[field.type]
        assert words[0] == written, (table, name, kind)
        assert ("null" in words) == _nullable(props[name]), (table, name, kind)


@pytest.mark.parametrize("table", SCHEMA_TABLES)
def test_the_schemas_descriptions_are_the_docs_words(table):
    heading = f"### `{table}`"
    schema = _schema(table)
    assert schema.get("description") == _paragraph(heading)
    meanings = {name: meaning for name, _, meaning in _columns(table)}
    if table == "rejects":  # every values column, meaning what it means there
        meanings = {**{n: m for n, _, m in _columns("values")}, **meanings}
    described = {name: prop.get("description") for name, prop in schema["properties"].items()}
    assert described == meanings


def test_every_table_written_has_its_schema_and_its_section():
    assert set(SCHEMA_TABLES) == set(TABLES)
    for table in TABLES:
        assert (SCHEMAS / f"{table}.schema.json").is_file(), table
        assert _columns(table), table


@pytest.mark.parametrize("column", ["status", "field"])
def test_a_corrections_status_and_field_are_the_schemas_enum_in_order(column):
    meaning = next(m for name, _, m in _columns("corrections") if name == column)
    enum = _schema("corrections")["properties"][column]["enum"]
    assert [n for n in _names(meaning) if n in enum] == enum


def test_a_findings_form_is_any_form_of_the_definitions():
    enum = _schema("findings")["properties"]["form"]["enum"]
    assert [f for f in enum if f is not None] == list(_catalog().form_order)


def test_the_doc_states_the_contract_version_written():
    text = _text()
    assert text.startswith(f"# Output contract (v{CONTRACT_VERSION})")
    assert f"`contract_version` = `{CONTRACT_VERSION}`" in text


# ------------------------------------------------------------------------------- the forms


def test_the_forms_table_is_every_form_of_the_definitions():
    listed = [_names(row[0])[0] for row in _rows("## The forms")]
    assert listed == list(_catalog().form_order)


def test_every_title_the_forms_table_names_is_one_of_its_forms_titles():
    for row in _rows("## The forms"):
        form = _names(row[0])[0]
        listed = row[1].split(";", 1)[0].replace("…", "")
        titles = [re.sub(r" \(.*\)$", "", t.strip()) for t in listed.split(",") if t.strip()]
        assert titles, form
        unknown = [t for t in titles if t not in _catalog().forms[form].titles]
        assert not unknown, (form, unknown)


def _expected_sections(form: str) -> dict[str, tuple[dict[str, str | None], list[str]]]:
    """Each section of a form, as the definitions make it: its items with their parents, and
    its measures; the indicator groups' section and the footer, which every form has, too."""
    catalog = _catalog()
    sections: dict[str, tuple[dict[str, str | None], list[str]]] = {}
    for section in catalog.forms[form].sections:
        measures = [*section.measures, section.measure, section.pair_measure]
        items = {} if section.kind == "indicators" else {i.item: i.parent for i in section.items}
        sections[section.section] = (items, list(dict.fromkeys(m for m in measures if m)))
        if section.group_section:
            sections[section.group_section] = ({}, ["weight"])
    footer = {i.item: None for i in catalog.vocabulary.footer_items}
    sections["footer"] = (footer, ["value"])
    return sections


def _listed_items(cell: str) -> dict[str, str | None]:
    """`a`, `b`; under `P`: `c` → {a: None, b: None, c: P}: each `; `-separated part names items,
    those of an `under `P`:` part with P as their parent."""
    items: dict[str, str | None] = {}
    for part in cell.split("; "):
        under = re.match(r"under `([^`]+)`:(.*)", part.strip())
        parent, rest = (under.group(1), under.group(2)) if under else (None, part)
        for name in _names(rest):
            assert name not in items, f"{name} listed twice"
            items[name] = parent
    return items


@pytest.mark.parametrize("form", _catalog().form_order)
def test_each_forms_sections_items_parents_and_measures(form):
    expected = _expected_sections(form)
    rows = _rows(f"#### `{form}`")
    listed = {
        _names(section)[0]: (_listed_items(items), _names(measures))
        for section, items, measures in rows
    }
    assert set(listed) == set(expected)
    for section, (items, measures) in expected.items():
        assert listed[section][0] == items, (form, section)
        assert listed[section][1] == measures, (form, section)


def test_the_measures_table_is_every_measure_with_its_kind_and_default_unit():
    vocabulary = _catalog().vocabulary
    rows = _rows("### Measures")
    listed = {_names(row[0])[0]: row for row in rows}
    assert sorted(listed) == sorted(_schema("values")["properties"]["measure"]["enum"])
    for measure, (_, _, kind, unit) in listed.items():
        spec = vocabulary.measures[measure]
        assert kind == ("number" if spec.numeric else "text"), measure
        assert unit == {"@money": "money", None: ""}.get(spec.unit, spec.unit), measure


# ------------------------------------------------------------------------------- the catalogues


def test_the_status_table_is_the_documents_schemas_enum():
    listed = [_names(row[0])[0] for row in _rows("## Document statuses")]
    assert listed == _schema("documents")["properties"]["status"]["enum"]


def test_the_error_code_table_is_the_catalogue():
    listed = [_names(row[0])[0] for row in _rows("## Error codes")]
    assert len(listed) == len(set(listed))
    assert set(listed) == set(ERROR_CODES)


def test_the_rule_table_is_the_catalogue_with_its_severities():
    listed = {_names(row[0])[0]: row[1] for row in _rows("## Findings")}
    assert listed == {rule: spec.severity for rule, spec in RULES.items()}


# ------------------------------------------------------------------------------- the views


def _view_columns(out: Path) -> dict[str, list[str]]:
    from pipeline.publish.views import memory_connection

    for name, schema in TABLES.items():
        pq.write_table(schema.empty_table(), out / f"{name}.parquet")
    con = memory_connection(out)
    try:
        names = [
            r[0]
            for r in con.execute(
                "SELECT view_name FROM duckdb_views() WHERE NOT internal"
            ).fetchall()
        ]
        return {n: [r[0] for r in con.execute(f'DESCRIBE "{n}"').fetchall()] for n in names}
    finally:
        con.close()


def test_the_views_table_names_every_view_and_column(tmp_path):
    views = _view_columns(tmp_path)
    rows = _rows("## DuckDB views")
    tables = [row for row in rows if set(_names(row[0])) == set(TABLES)]
    assert len(tables) == 1  # the four tables' own views, in one row
    listed = {_names(row[0])[0]: _names(row[2]) for row in rows if row not in tables}
    assert set(listed) | set(TABLES) == set(views)
    per_rule = views["findings_by_document"][-len(RULES) :]
    assert per_rule == list(RULES)  # one count column per rule id, in the catalogue's order
    for view, columns in listed.items():
        if view == "findings_by_document":  # the doc names the per-rule columns by one example
            columns = [c for c in columns if c not in RULES]
            assert columns == views[view][: -len(RULES)]
        else:
            assert columns == views[view], view


# ------------------------------------------------------------------------------- the links


def _anchors(page: Path) -> set[str]:
    """The anchors a markdown page's headings get (GitHub's rule: lower case, punctuation
    dropped, spaces made hyphens)."""
    headings = re.findall(r"^#+ (.+)$", page.read_text(encoding="utf-8"), flags=re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize("page", ["README.md", "docs/contract.md"])
def test_every_relative_link_resolves_in_a_clone(page):
    path = ROOT / page
    text = path.read_text(encoding="utf-8")
    assert "../shared/" not in text
    links = re.findall(r"\]\(([^)\s]+)\)", text)
    local = [link for link in links if not re.match(r"[a-z]+:", link)]
    assert local, f"{page} has no relative link: the pattern no longer finds them"
    for link in local:
        target, _, anchor = link.partition("#")
        linked = (path.parent / target) if target else path
        assert linked.exists(), f"{page} links to {link}, which a clone has not"
        if anchor:
            assert anchor in _anchors(linked), f"{page} links to {link}: no such heading"


def test_the_readme_links_to_the_contract():
    assert "](docs/contract.md" in (ROOT / "README.md").read_text(encoding="utf-8")

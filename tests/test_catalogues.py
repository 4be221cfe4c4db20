"""The catalogues are the one source: the README's rule table, the findings schema's rule enum,
the values schema's enums and the documents schema's form columns all agree with them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from extractors.errors import catalogue_to_codes
from pipeline.checks.catalogue import RULES, catalogue_to_rules
from pipeline.checks.rules import DOCUMENT_RULES
from pipeline.checks.validate import slot_enums
from pipeline.definitions import SCHEMAS_DIR, DefinitionError, load_catalog

ROOT = Path(__file__).resolve().parent.parent
_RULE_ROW = re.compile(r"^\| `([a-z_]+)` \| (error|warning) \|", re.MULTILINE)


def _schema(name: str) -> dict:
    return json.loads((SCHEMAS_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))


def test_the_readme_rule_table_is_the_catalogue():
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("### Findings", 1)[1]
    section = section.split("\n## ", 1)[0]
    rows = dict(_RULE_ROW.findall(section))
    assert rows == {rule: spec.severity for rule, spec in RULES.items()}


def test_the_findings_schema_enum_is_the_catalogue():
    assert _schema("findings")["properties"]["rule"]["enum"] == list(RULES)


def test_every_registered_rule_is_catalogued_with_its_severity():
    for registered in DOCUMENT_RULES:
        assert RULES[registered.rule].severity == registered.severity


def test_the_values_schema_enums_follow_the_definitions():
    enums = slot_enums(load_catalog())
    props = _schema("values")["properties"]
    assert props["form"]["enum"] == enums["form"]
    assert props["section"]["enum"] == enums["section"]
    assert props["measure"]["enum"] == enums["measure"]


def test_the_documents_schema_has_a_column_per_form():
    props = _schema("documents")["properties"]
    columns = [k for k in props if k.startswith("n_") and k != "n_values"]
    assert columns == [f"n_{form}" for form in load_catalog().form_order]


@pytest.mark.parametrize("form", ["transfer_eval"])
def test_a_form_is_named_only_by_its_definition(form):
    """No Python module names a form (the catalogue's order and checks say everything)."""
    hits = [
        str(path.relative_to(ROOT))
        for folder in ("pipeline", "extractors")
        for path in (ROOT / folder).rglob("*.py")
        if form in path.read_text(encoding="utf-8")
    ]
    assert hits == []


def test_the_schema_writer_finds_nothing_to_change():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "schema_enums.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout


_LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
_PRODUCT_NAMES = re.compile(r"Excel|WPS|PDF")  # what a clerk calls them too


@pytest.mark.parametrize("rule", list(RULES))
def test_every_rule_has_a_chinese_name_and_explanation(rule):
    """What an analyst reads of a rule (the report's headings, the workbook's 规则) is Chinese."""
    spec = RULES[rule]
    assert spec.name and spec.explains
    words = _PRODUCT_NAMES.sub("", spec.name + spec.explains)
    assert not _LATIN_WORD.search(words), (spec.name, spec.explains)
    assert re.search(r"[\u4e00-\u9fff]", spec.name)


def _rule(**change):
    entry = {
        "id": "execution_rate_mismatch",
        "severity": "error",
        "name": "执行率不符",
        "checks": "执行率 = 全年执行数 / 全年预算数",
        "explains": "请核对执行数、预算数和执行率。",
    }
    return entry | change


@pytest.mark.parametrize(
    "entries, said",
    [
        ([_rule(), _rule()], "listed twice"),
        ([_rule(severity="fatal")], "severity"),
        ([_rule(name="rate mismatch")], "name must be said in Chinese"),
        ([_rule(id="Rate-Mismatch")], "not a lower-case slug"),
        ([_rule(), _rule(id="budget_score_mismatch")], "share a Chinese name"),
        ([_rule(checks=" ")], "says nothing"),
        ([], "lists no rule"),
    ],
    ids=["twice", "severity", "latin-name", "slug", "shared-name", "no-checks", "empty"],
)
def test_a_broken_rule_catalogue_is_refused_naming_what_is_wrong(entries, said):
    with pytest.raises(DefinitionError, match=said):
        catalogue_to_rules({"rules": entries}, "rules.json")


def test_the_rule_catalogue_keeps_its_order():
    rules = catalogue_to_rules({"rules": [_rule(id="b_rule"), _rule(id="a_rule", name="甲")]}, "x")
    assert list(rules) == ["b_rule", "a_rule"]


@pytest.mark.parametrize(
    "entries, said",
    [
        ([{"code": "empty", "name": "空文件", "meaning": "no content"}] * 2, "listed twice"),
        ([{"code": "empty", "name": "empty file", "meaning": "no content"}], "Chinese name"),
        ([{"code": "empty", "name": "空文件", "meaning": ""}], "says nothing"),
        ([{"code": "Empty", "name": "空文件", "meaning": "x"}], "slug"),
    ],
    ids=["twice", "latin-name", "no-meaning", "slug"],
)
def test_a_broken_error_catalogue_is_refused_naming_what_is_wrong(entries, said):
    with pytest.raises(ValueError, match=said):
        catalogue_to_codes({"errors": entries}, "errors.json")

"""Form definitions are data, checked when loaded: a mistake names its file and what is wrong."""

from __future__ import annotations

import json
import shutil

import pytest

from pipeline.definitions import SCHEMAS_DIR, DefinitionError, load_catalog


def test_the_bundled_definitions_load():
    catalog = load_catalog()
    assert set(catalog.forms) == {"base_data", "dept_eval", "project_eval", "transfer_eval"}
    assert catalog.form_for_title(" 2024年度项目支出绩效自评表") == "project_eval"
    assert catalog.form_for_title("2024年度部门整体支出绩效评价基础数据表") == "base_data"


def _copy(tmp_path):
    target = tmp_path / "schemas"
    shutil.copytree(SCHEMAS_DIR, target)
    return target


def _edit(path, change):
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda d: d["sections"][0].update(kind="table"), "kind"),
        (
            lambda d: d["sections"][1].update(measures=["budget_initial", "budget_total"]),
            "budget_total",
        ),
        (lambda d: d["sections"][1]["items"][0]["synonyms"].append("当年财政拨款"), "means both"),
        (lambda d: d["sections"][1]["items"][1].update(parent="资金总计"), "unknown parent"),
        (lambda d: d["sections"].append(d["sections"][-1]), "more than once"),
        (lambda d: d["checks"]["subtotals"][0].update(parent="资金总计"), "unknown item"),
        (lambda d: d["signature"]["head"][0].update(weight=0), "signature"),
        (lambda d: d["signature"].update(footer=[{"words": ["填表人"], "weight": 1}]), "footer"),
    ],
    ids=[
        "bad-kind",
        "unknown-measure",
        "ambiguous-label",
        "unknown-parent",
        "section-twice",
        "check-names-unknown-item",
        "signature-weight-not-positive",
        "signature-unknown-place",
    ],
)
def test_a_broken_definition_is_refused_with_its_file_named(tmp_path, change, says):
    schemas = _copy(tmp_path)
    _edit(schemas / "forms" / "project_eval.json", change)
    with pytest.raises(DefinitionError) as raised:
        load_catalog(schemas)
    assert "project_eval.json" in str(raised.value)
    assert says in str(raised.value)


def test_a_new_synonym_is_a_data_change(tmp_path):
    schemas = _copy(tmp_path)
    _edit(
        schemas / "vocabulary.json",
        lambda d: d["measures"]["executed"]["headers"].append("实际支出数"),
    )
    assert load_catalog(schemas).vocabulary.header_index()["实际支出数"] == "executed"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda d: d["unit_prefixes"].update({"万": 12000}), "power of ten"),
        (lambda d: d["unit_prefixes"].update({"百": 1}), "power of ten"),
        (lambda d: d["unit_prefixes"].update({"万": "10000"}), "power of ten"),
        (lambda d: d["unit_prefixes"].update({"万元": 10000}), "power of ten"),
        (lambda d: d["unit_prefixes"].update({"米": 10}), "are units"),
        (lambda d: d["units"].update({"万人次": ["万人次"]}), "万 × 人次"),
        (lambda d: d.update(money_units=["圆"]), "money_units"),
    ],
    ids=[
        "factor-not-a-power-of-ten",
        "factor-one",
        "factor-a-string",
        "prefix-two-characters",
        "prefix-a-unit",
        "unit-listed-with-a-multiplier",
        "money-unit-not-listed",
    ],
)
def test_a_broken_multiplier_is_refused_when_loaded(tmp_path, change, says):
    schemas = _copy(tmp_path)
    _edit(schemas / "vocabulary.json", change)
    with pytest.raises(DefinitionError) as raised:
        load_catalog(schemas)
    assert "vocabulary.json" in str(raised.value)
    assert says in str(raised.value)


def test_a_new_multiplier_is_a_data_change(tmp_path):
    schemas = _copy(tmp_path)
    _edit(schemas / "vocabulary.json", lambda d: d["unit_prefixes"].update({"百": 100}))
    parsed = load_catalog(schemas).vocabulary.parser.parse("≥3百户", None)
    assert (parsed.value_num, parsed.value_unit, parsed.comparator) == (300.0, "户", "≥")


def test_a_footer_items_shape_that_is_no_pattern_is_refused_when_loaded(tmp_path):
    schemas = _copy(tmp_path)

    def broken(data):
        phone = next(i for i in data["footer"]["items"] if i["item"] == "联系电话")
        phone["shape"] = "[0-9"

    _edit(schemas / "vocabulary.json", broken)
    with pytest.raises(DefinitionError) as raised:
        load_catalog(schemas)
    assert "vocabulary.json" in str(raised.value)

"""What an analyst checks first on the seed (中共岳阳市委办公室, 2024), in Word and PDF alike."""

from __future__ import annotations

import pandas as pd
import pytest

SEED = ["yueyang-2024.docx", "yueyang-2024.pdf"]


def _one(frame: pd.DataFrame, **where: object) -> pd.Series:
    for column, value in where.items():
        frame = frame[frame[column] == value]
    assert len(frame) == 1, f"{len(frame)} rows for {where}"
    return frame.iloc[0]


@pytest.fixture(params=SEED)
def seed(request, season_values) -> pd.DataFrame:
    return season_values[season_values.source_path == request.param]


def test_forms_found(seed, season_out):
    docs = pd.read_parquet(season_out / "documents.parquet")
    for name in SEED:
        doc = _one(docs, source_path=name)
        assert (doc.n_base_data, doc.n_dept_eval, doc.n_project_eval) == (1, 1, 7)
        assert doc.status == "ok"
    assert seed.groupby("form").form_seq.nunique().to_dict() == {
        "base_data": 1,
        "dept_eval": 1,
        "project_eval": 7,
    }


def test_unit_and_year_on_every_row(seed):
    assert set(seed.unit) == {"中共岳阳市委办公室"}
    assert set(seed.fiscal_year) == {2024}


def test_dept_funds(seed):
    rate = _one(
        seed, form="dept_eval", section="funds", item="年度资金总额", measure="execution_rate"
    )
    assert (rate.value_num, rate.value_unit) == (91.02, "%")
    score = _one(seed, form="dept_eval", section="funds", item="年度资金总额", measure="score")
    assert (score.value_num, score.value_unit, score.value_text) == (9.10, "分", "9.10")
    other = _one(seed, form="dept_eval", section="funds_by_source", item="其他资金")
    assert (other.measure, other.value_num, other.item_parent) == ("amount", 271.89, "年度资金总额")


def test_project_indicator(seed):
    row = _one(
        seed,
        project="维稳、调研工作经费",
        section="indicators",
        level2="经济效益指标",
        item="服务产业项目建设",
        measure="weight",
    )
    assert (row.value_num, row.value_unit, row.level1) == (10, "分", "效益指标")


def test_base_data_expense(seed):
    row = _one(seed, form="base_data", section="expenses", item="公车运行维护", measure="final")
    assert (row.item_parent, row.value_num, row.value_unit) == (
        "公务用车购置和维护经费",
        40.53,
        "万元",
    )

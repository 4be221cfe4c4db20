"""Who has not sent: a roster of units against the units whose forms came, in the report and
the workbook; a roster file that cannot be used is said in words."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES
from lxml import html
from openpyxl import Workbook, load_workbook

from pipeline.cli import main
from pipeline.publish.roster import RosterError, check_roster, read_roster
from pipeline.run.ingest import ingest

# the demo season's five units (fixtures/demo: one department each)
DEMO_UNITS = (
    "中共岳阳市委办公室",
    "江城市教育局",
    "江城市交通运输局",
    "江城市文化旅游广电局",
    "江城市卫生健康委员会",
)


def test_a_csv_roster_in_gbk_with_its_header_below_a_title(tmp_path: Path):
    path = tmp_path / "名单.csv"
    path.write_bytes(
        "2024年度预算单位名单,\n序号,单位名称\n1,江城市教育局\n2,\n3,江城市民政局\n4,江城市教育局\n".encode(
            "gbk"
        )
    )
    assert read_roster(path) == ("江城市教育局", "江城市民政局")


def test_an_xlsx_roster(tmp_path: Path):
    book = Workbook()
    book.active.append(["部门名称", "联系人"])
    book.active.append(["江城市教育局", "王五"])
    book.save(tmp_path / "名单.xlsx")
    assert read_roster(tmp_path / "名单.xlsx") == ("江城市教育局",)


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("名单.csv", "序号,名称\n1,江城市教育局\n", "没有“单位名称”一栏"),
        ("名单.csv", "单位名称\n\n", "是空的"),
        ("名单.txt", "单位名称\n江城市教育局\n", "应为 .csv 或 .xlsx"),
        ("名单.xlsx", "not a workbook", "无法作为工作簿打开"),
    ],
    ids=["no-name-column", "empty", "wrong-kind", "broken-workbook"],
)
def test_a_roster_that_cannot_be_used_says_why(tmp_path: Path, name, content, words):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RosterError, match=words):
        read_roster(path)


def test_names_match_across_widths_spaces_and_traditional_characters():
    sent = {"江城市 教育局": ["a.docx"], "江城市交通運輸局": ["b.pdf"], "江城市审计局": ["c.pdf"]}
    check = check_roster(("江城市教育局", "江城市交通运输局", "江城市民政局"), sent)
    assert check.missing == ("江城市民政局",)
    assert check.outside == (("江城市审计局", ("c.pdf",)),)


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo-out")
    folder = tmp_path_factory.mktemp("demo-in")
    shutil.copytree(FIXTURES / "demo", folder, dirs_exist_ok=True)
    ingest(folder, out, workers=2)
    return out


def _roster(tmp_path: Path) -> Path:
    """Four of the demo's units (one written with spaces), and one that sent nothing."""
    path = tmp_path / "名单.csv"
    names = ["江城市 教育局", *DEMO_UNITS[2:], "江城市民政局"]
    path.write_text("单位名称\n" + "\n".join(names) + "\n", encoding="utf-8")
    return path


def test_the_report_lists_who_has_not_sent_and_who_is_not_on_the_roster(demo_out, tmp_path):
    assert main(["report", str(demo_out), "--roster", str(_roster(tmp_path))]) == 0
    page = html.fromstring((demo_out / "report.html").read_text(encoding="utf-8"))
    missing = [td.text_content() for td in page.xpath('//table[@id="missing"]//td')]
    assert missing == ["江城市民政局"]
    outside = page.xpath('//table[@id="outside"]//tr[@class="outside"]/td[1]')
    assert [td.text_content() for td in outside] == ["中共岳阳市委办公室"]


def test_the_workbook_has_the_roster_sheets(demo_out, tmp_path):
    target = tmp_path / "汇总.xlsx"
    assert (
        main(["export", str(demo_out), "--xlsx", str(target), "--roster", str(_roster(tmp_path))])
        == 0
    )
    book = load_workbook(target)
    assert [c.value for c in book["未报送单位"]["A"]] == ["单位名称", "江城市民政局"]
    assert [c.value for c in book["名单外单位"]["A"]] == ["单位名称", "中共岳阳市委办公室"]


def test_a_bad_roster_is_a_usage_error_in_one_line(demo_out, tmp_path, capsys):
    assert main(["report", str(demo_out), "--roster", str(tmp_path / "无.csv")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "不存在" in err[0]

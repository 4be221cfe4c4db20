"""Workbooks: sheets as pages, merges as spans, cells as Excel shows them, and what a reader
passes over (hidden sheets, formulas with no saved result) said, never silent."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import EXPECTED, FIXTURES, SEASON, expected_records, frame_rows, record_key
from openpyxl import Workbook
from openpyxl.styles import Border, Side

import extractors.office.legacy
import extractors.office.xlsx
from extractors import ExtractionError, Grid, TextLine, extract, fill_covered_slots

NAMES = sorted(p.stem for p in EXPECTED.glob("*.jsonl") if (SEASON / f"{p.stem}.xlsx").exists())
ONE_FORM_A_SHEET = {"yueyang-2024", "jiangcheng-jiaoyu-2024"}  # as fixtures/build_web.py writes
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
needs_calc = pytest.mark.skipif(
    extractors.office.legacy.soffice() is None
    or not extractors.office.legacy.has_calc(extractors.office.legacy.soffice()),
    reason="LibreOffice Calc is not installed",
)


def _grids(path: Path) -> list[Grid]:
    return [b for b in extract(path).blocks if isinstance(b, Grid)]


def _texts(grid: Grid) -> list[list[str]]:
    return [[c.text if c else "" for c in row] for row in fill_covered_slots(grid)]


@pytest.mark.parametrize("name", NAMES)
def test_value_raw_is_the_text_excel_shows(season_values, name):
    """The fixture stores plain numbers as numbers under a format (91.02% as 0.9102 in 0.00%,
    12,860.00 as 12860 in #,##0.00): the shown text is what the .docx says."""
    got = {
        record_key(r): r["value_raw"]
        for r in frame_rows(season_values[season_values.source_path == f"{name}.xlsx"])
    }
    wrong = [
        (record_key(w), w["value_raw"], got.get(record_key(w)))
        for w in expected_records(name)
        if got.get(record_key(w)) != w["value_raw"]
    ]
    assert not wrong, wrong[:5]


@pytest.mark.parametrize("name", NAMES)
def test_page_is_the_sheet(season_values, name):
    rows = season_values[season_values.source_path == f"{name}.xlsx"]
    assert rows[["bbox_x0", "bbox_top", "bbox_x1", "bbox_bottom"]].isna().all().all()
    body = rows[rows.section != "footer"]
    if name in ONE_FORM_A_SHEET:  # form k of the document on sheet k + 1
        forms = body.drop_duplicates(["form", "form_seq"])[["form", "form_seq", "page"]]
        assert list(forms.page) == list(range(1, len(forms) + 1))
    else:
        assert set(body.page) == {1}


def test_number_formats_as_excel_shows_them(tmp_path):
    shown = [  # (value, number format, what Excel shows)
        (0.9102, "0.00%", "91.02%"),
        (0.9, "0%", "90%"),
        (12860, "#,##0.00", "12,860.00"),
        (7745.72, "0.00", "7745.72"),
        (3.5, "0.00", "3.50"),
        (1234567.891, "#,##0", "1,234,568"),
        (98, "General", "98"),
        (91.02, "General", "91.02"),
        (0.1 + 0.2, "General", "0.3"),
        (-1234.5, "#,##0.00;[Red]-#,##0.00", "-1,234.50"),
        (5, '0.00"万元"', "5.00万元"),
        (dt.datetime(2025, 6, 25), "yyyy-mm-dd", "2025-06-25"),
        (dt.datetime(2025, 6, 5), 'yyyy"年"m"月"d"日"', "2025年6月5日"),
        (dt.datetime(2025, 6, 5, 14, 7), "h:mm", "14:07"),
        (dt.datetime(2025, 6, 25), "mm-dd-yy", "2025/6/25"),  # built-in 14: the short date
        ("0123", "@", "0123"),
        (2.5, "[$-10804]0.0#", "2.5"),
        (42, "0.0E+00;;", "42"),  # not understood: shown as General, never an error
    ]
    book = Workbook()
    sheet = book.active
    for r, (value, fmt, _) in enumerate(shown, start=1):
        sheet.cell(r, 1, "值").border = BOX
        cell = sheet.cell(r, 2, value)
        cell.number_format, cell.border = fmt, BOX
    path = tmp_path / "formats.xlsx"
    book.save(path)
    (grid,) = _grids(path)
    assert [row[1] for row in _texts(grid)] == [want for _, _, want in shown]


def _two_forms_on_one_sheet(path: Path, hidden: bool = False) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "自评表"
    sheet["A1"] = "2024年度项目支出绩效自评表"
    sheet.merge_cells("A1:D1")
    rows = [["项目名称", "道路维修", None, None], ["年度资金总额", "100", "95", "95.00%"]]
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            sheet.cell(r, c, value).border = BOX
    sheet.merge_cells("B2:D2")
    sheet["A4"] = "填表人：张三"
    sheet["A6"] = "2024年度项目支出绩效自评表"
    for c, value in enumerate(["项目名称", "路灯改造"], start=1):
        sheet.cell(7, c, value).border = BOX
    if hidden:
        notes = book.create_sheet("内部测算")
        notes["A1"] = "不公开的测算数"
        notes.sheet_state = "hidden"
        book.create_sheet("附表")["A1"] = "说明"
    book.save(path)


def test_several_forms_on_one_sheet_with_merges_as_spans(tmp_path):
    path = tmp_path / "two.xlsx"
    _two_forms_on_one_sheet(path)
    document = extract(path)
    kinds = [
        (type(b).__name__, b.text if isinstance(b, TextLine) else b.n_rows) for b in document.blocks
    ]
    assert kinds == [
        ("TextLine", "2024年度项目支出绩效自评表"),
        ("Grid", 2),
        ("TextLine", "填表人：张三"),
        ("TextLine", "2024年度项目支出绩效自评表"),
        ("Grid", 1),
    ]
    first = document.blocks[1]
    name = next(c for c in first.cells if c.text == "道路维修")
    assert (name.row, name.col, name.rowspan, name.colspan, name.page) == (0, 1, 1, 3, 1)
    assert document.source_format == "xlsx" and document.pages == 1


def test_a_hidden_sheet_is_not_read_and_says_so(tmp_path):
    path = tmp_path / "hidden.xlsx"
    _two_forms_on_one_sheet(path, hidden=True)
    document = extract(path)
    assert document.pages == 3
    texts = [b.text for b in document.blocks if isinstance(b, TextLine)]
    assert "不公开的测算数" not in texts and "说明" in texts
    (note,) = document.notes
    assert (note.rule, note.page) == ("hidden_sheet", 2)
    assert "内部测算" in note.message
    third = [b for b in document.blocks if isinstance(b, TextLine) and b.text == "说明"]
    assert third[0].page == 3  # page is the sheet's number in the workbook, hidden ones counted


def _with_cached_value(path: Path, ref: str, cached: str) -> None:
    """Give the formula in `ref` the result a spreadsheet program saves with it."""
    with zipfile.ZipFile(path) as src:
        members = {i.filename: src.read(i.filename) for i in src.infolist()}
    xml = members["xl/worksheets/sheet1.xml"].decode()
    start = xml.index(f'<c r="{ref}"')
    end = xml.index("</c>", start)
    cell = xml[start:end].replace("<v></v>", "").replace("<v />", "")
    members["xl/worksheets/sheet1.xml"] = (
        xml[:start] + cell + f"<v>{cached}</v>" + xml[end:]
    ).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in members.items():
            dst.writestr(name, data)


def test_a_formula_shows_its_saved_result_and_one_without_is_a_note(tmp_path):
    book = Workbook()
    sheet = book.active
    for r, row in enumerate(
        [["全年预算数", "全年执行数", "执行率"], [100, 95, "=B2/A2"], [80, 60, "=B3/A3"]], 1
    ):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(r, c, value)
            cell.border = BOX
    sheet["C2"].number_format = sheet["C3"].number_format = "0.00%"
    path = tmp_path / "formulas.xlsx"
    book.save(path)
    _with_cached_value(path, "C2", "0.95")
    document = extract(path)
    (grid,) = [b for b in document.blocks if isinstance(b, Grid)]
    assert _texts(grid)[1] == ["100", "95", "95.00%"]
    assert _texts(grid)[2] == ["80", "60", ""]  # no result saved: blank, never 0
    (note,) = document.notes
    assert note.rule == "uncached_formula" and "C3" in note.message and note.page == 1


def test_a_sheet_without_borders_is_still_one_table(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet["A1"] = "2024年度部门整体支出绩效自评表"
    rows = [
        ["一级指标", "三级指标", "指标值"],
        ["产出指标", "培训人次", "≥100人次"],
        ["……", None, None],
        ["效益指标", "满意度", "≥90%"],
    ]
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            sheet.cell(r, c, value)
    path = tmp_path / "plain.xlsx"
    book.save(path)
    blocks = extract(path).blocks
    assert isinstance(blocks[0], TextLine)
    (grid,) = blocks[1:]
    assert _texts(grid) == [[v or "" for v in row] for row in rows]


def test_a_sheet_past_the_row_limit_is_refused_before_it_is_loaded(tmp_path, monkeypatch):
    """Counted from the sheet's XML as it streams, even where its <dimension> says less."""
    book = Workbook()
    for r in range(1, 41):
        book.active.cell(r, 1, r)
    path = tmp_path / "long.xlsx"
    book.save(path)
    with zipfile.ZipFile(path) as src:
        members = {i.filename: src.read(i.filename) for i in src.infolist()}
    xml = members["xl/worksheets/sheet1.xml"].decode()
    members["xl/worksheets/sheet1.xml"] = xml.replace(
        '<dimension ref="A1:A40"', '<dimension ref="A1"'
    ).encode()
    with zipfile.ZipFile(path, "w") as dst:
        for name, data in members.items():
            dst.writestr(name, data)
    monkeypatch.setattr(extractors.office.xlsx, "MAX_SHEET_ROWS", 30)
    loaded = []
    monkeypatch.setattr(extractors.office.xlsx, "read_sheets", lambda *a: loaded.append(a) or [])
    with pytest.raises(ExtractionError) as raised:
        extract(path)
    assert raised.value.code == "too_large" and "Sheet" in raised.value.message
    assert "有 31 行（超过 30 行）" in raised.value.message and not loaded


def test_an_xls_that_is_really_a_workbook_or_a_page_is_read_by_content(tmp_path):
    shutil.copy(SEASON / "jiangcheng-wenlv-2023.xlsx", tmp_path / "a.xls")
    shutil.copy(SEASON / "jiangcheng-wenlv-2023.html", tmp_path / "b.xls")
    want = _grids(SEASON / "jiangcheng-wenlv-2023.xlsx")
    assert [_texts(g) for g in _grids(tmp_path / "a.xls")] == [_texts(g) for g in want]
    assert extract(tmp_path / "a.xls").source_format == "xls"
    html_grids = _grids(tmp_path / "b.xls")
    assert [_texts(g) for g in html_grids] == [
        _texts(g) for g in _grids(SEASON / "jiangcheng-wenlv-2023.html")
    ]


@needs_calc
def test_xls_and_et_through_libreoffice_give_the_rows_of_the_xlsx(tmp_path):
    """fixtures/web/jiangcheng-wenlv-2023.xls is the season .xlsx saved by LibreOffice Calc as
    Excel 97-2003; a WPS .et is the same kind of OLE file."""
    from pipeline.run.ingest import ingest

    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(FIXTURES / "web" / "jiangcheng-wenlv-2023.xls", folder / "a.xls")
    shutil.copy(FIXTURES / "web" / "jiangcheng-wenlv-2023.xls", folder / "b.et")
    ingest(folder, tmp_path / "out", workers=2)
    documents = pd.read_parquet(tmp_path / "out" / "documents.parquet").set_index("source_path")
    assert list(documents.source_format) == ["xls", "et"]
    values = pd.read_parquet(tmp_path / "out" / "values.parquet")
    want = sorted(
        (record_key(r), r["value_text"]) for r in expected_records("jiangcheng-wenlv-2023")
    )
    for name in ("a.xls", "b.et"):
        got = sorted(
            (record_key(r), r["value_text"]) for r in frame_rows(values[values.source_path == name])
        )
        assert got == want, name


def test_without_calc_an_xls_fails_with_converter_missing(tmp_path, monkeypatch):
    monkeypatch.setattr(extractors.office.legacy, "has_calc", lambda command: False)
    shutil.copy(FIXTURES / "web" / "jiangcheng-wenlv-2023.xls", tmp_path / "a.xls")
    with pytest.raises(ExtractionError) as raised:
        extract(tmp_path / "a.xls")
    assert raised.value.code == "converter_missing" and "libreoffice-calc" in raised.value.message


def test_the_web_set_lists_files_that_exist():
    listed = json.loads((FIXTURES / "web" / "expected.json").read_text(encoding="utf-8"))
    for name, stem in listed.items():
        assert (FIXTURES / "web" / name).is_file() and (EXPECTED / f"{stem}.jsonl").is_file()


FAMILIES = FIXTURES / "families"
FAMILY_SPECS = [  # the family documents that have a .docx to compare with
    p for p in sorted((FAMILIES / "specs").glob("*.json")) if (FAMILIES / f"{p.stem}.docx").exists()
]
FAMILY_FORMATS = ("xlsx", "html", "gov.htm", "sheet.htm")
TEXT_COLUMNS = ("value_num", "value_unit", "comparator", "item_parent", "project", "unit")


@pytest.fixture(scope="module")
def families_run(tmp_path_factory):
    """Each family document (fixtures/families: unseen layouts of the known families) beside
    its .docx as a workbook, a web page, a GBK government page and a sheet as Excel saves it as
    a web page (one table, titles in rows of their own), rendered from its spec."""
    import importlib.util
    import sys

    from pipeline.run.ingest import ingest

    sys.path.insert(0, str(FIXTURES))
    loaded = {}
    for name in ("build_families", "render_web"):
        spec = importlib.util.spec_from_file_location(name, FIXTURES / f"{name}.py")
        loaded[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(loaded[name])
    folder = tmp_path_factory.mktemp("families-in")
    for path in FAMILY_SPECS:
        blocks = loaded["build_families"].check_spec(json.loads(path.read_text("utf-8")), path.stem)
        shutil.copy(FAMILIES / f"{path.stem}.docx", folder / f"{path.stem}.docx")
        web = loaded["render_web"]
        web.blocks_to_xlsx(blocks, folder / f"{path.stem}.xlsx")
        web.blocks_to_html(blocks, folder / f"{path.stem}.html")
        web.blocks_to_html(blocks, folder / f"{path.stem}.gov.htm", "gbk", gov=True)
        web.blocks_to_html(blocks, folder / f"{path.stem}.sheet.htm", "gbk", sheet_table=True)
    out = tmp_path_factory.mktemp("families-out")
    ingest(folder, out, workers=2)
    return pd.read_parquet(out / "values.parquet")


def _rows_by_key(values: pd.DataFrame, name: str) -> dict[tuple, tuple]:
    return {
        record_key(r): (
            *(r[c] for c in TEXT_COLUMNS),
            "".join((r["value_text"] or "").split()),
        )
        for r in frame_rows(values[values.source_path == name])
    }


@pytest.mark.skipif(not FAMILY_SPECS, reason="no family fixtures")
@pytest.mark.parametrize("fmt", FAMILY_FORMATS)
def test_every_family_document_gives_the_rows_of_its_docx_in_every_format(families_run, fmt):
    """The contract's promise: the same document as .docx, .xlsx or .html gives the same rows
    (value_text compared without white space)."""
    differ = []
    for path in FAMILY_SPECS:
        docx = _rows_by_key(families_run, f"{path.stem}.docx")
        other = _rows_by_key(families_run, f"{path.stem}.{fmt}")
        if docx != other:
            keys = set(docx) ^ set(other) or {k for k in docx if docx[k] != other[k]}
            differ.append((path.stem, sorted(keys, key=str)[:3]))
    assert not differ, differ


def test_a_dimension_written_too_large_does_not_refuse_a_small_sheet(tmp_path):
    """Tools write <dimension ref="A1:IV65536"> for a sheet with a whole column formatted:
    what the sheet holds is what counts."""
    book = Workbook()
    book.active["A1"], book.active["B1"] = "项目名称", "道路维修"
    path = tmp_path / "wide.xlsx"
    book.save(path)
    with zipfile.ZipFile(path) as src:
        members = {i.filename: src.read(i.filename) for i in src.infolist()}
    xml = members["xl/worksheets/sheet1.xml"].decode()
    members["xl/worksheets/sheet1.xml"] = xml.replace(
        '<dimension ref="A1:B1"', '<dimension ref="A1:IV65536"'
    ).encode()
    with zipfile.ZipFile(path, "w") as dst:
        for name, data in members.items():
            dst.writestr(name, data)
    (grid,) = _grids(path)
    assert _texts(grid) == [["项目名称", "道路维修"]]


def test_hidden_rows_and_columns_are_not_read_and_said(tmp_path):
    path = tmp_path / "hidden-rows.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.title = "自评表"
    sheet["A1"] = "2024年度项目支出绩效自评表"
    rows = [
        ["项目名称", "道路维修", None, None, None],
        ["年度资金总额", "100", "内部测算 90", "95", "95.00%"],  # C: a hidden working column
        ["填表人：张三", None, None, None, None],  # a hidden row
    ]
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            sheet.cell(r, c, value).border = BOX
    sheet.merge_cells("B2:E2")  # over the hidden column: shown over three
    sheet.column_dimensions["C"].hidden = True
    sheet.column_dimensions["G"].hidden = True  # hidden, but empty: nothing to say
    sheet.row_dimensions[4].hidden = True
    sheet.row_dimensions[6].hidden = True  # empty
    sheet["A7"] = "说明"
    book.save(path)
    document = extract(path)
    texts = [b.text for b in document.blocks if isinstance(b, TextLine)]
    assert texts == ["2024年度项目支出绩效自评表", "说明"]
    (funds,) = [b for b in document.blocks if not isinstance(b, TextLine)]
    by_row = [
        sorted((c.col, c.text) for c in funds.cells if c.row == r) for r in range(funds.n_rows)
    ]
    assert [[text for _, text in row] for row in by_row] == [
        ["项目名称", "道路维修"],
        ["年度资金总额", "100", "95", "95.00%"],
    ]  # as Excel shows it
    name = next(c for c in funds.cells if c.text == "道路维修")
    assert (name.col, name.colspan) == (1, 3)
    (note,) = document.notes
    assert (note.rule, note.page) == ("hidden_cells", 1)
    assert "第 1 个工作表（自评表）中隐藏的第 4 行和第 C 列有文字" in note.message
    assert "未读取" in note.message


def test_a_hidden_line_renumbers_the_lines_after_it():
    from extractors.office.xlsx import _shown_lines

    hidden = (3, 4, 8)
    assert _shown_lines(1, 2, hidden) == (1, 2)
    assert _shown_lines(2, 5, hidden) == (2, 3)  # a range over hidden 3-4 keeps 2 and 5
    assert _shown_lines(3, 4, hidden) is None
    assert _shown_lines(5, 9, hidden) == (3, 6)  # 5, 6, 7, 9 → 3, 4, 5, 6
    assert _shown_lines(8, 8, hidden) is None


def test_runs_of_hidden_lines_are_written_as_ranges():
    from extractors.office.xlsx import _spans
    from extractors.office.xlsx_access import column_letter

    assert _spans([1, 2, 3, 7, 9, 10]) == "1-3, 7, 9-10"
    assert _spans([5, 6, 28], column_letter) == "E-F, AB"
    assert [column_letter(n) for n in (1, 26, 27, 52, 703)] == ["A", "Z", "AA", "AZ", "AAA"]


def test_the_cell_limit_counts_the_whole_workbook(tmp_path, monkeypatch):
    import openpyxl

    book = openpyxl.Workbook()
    for index in range(3):  # three sheets, each well within the limit, past it together
        sheet = book.active if index == 0 else book.create_sheet(f"表{index}")
        for row in range(1, 11):
            for col in range(1, 6):
                sheet.cell(row, col, row * col)
    path = tmp_path / "three.xlsx"
    book.save(path)
    monkeypatch.setattr(extractors.office.xlsx, "MAX_SHEET_CELLS", 120)
    loaded = []
    monkeypatch.setattr(extractors.office.xlsx, "read_sheets", lambda *a: loaded.append(a) or [])
    with pytest.raises(ExtractionError) as raised:
        extract(path)
    assert raised.value.code == "too_large" and "单元格超过 120 个" in raised.value.message
    assert "表2" in raised.value.message and not loaded

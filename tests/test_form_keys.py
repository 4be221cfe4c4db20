"""The project name keys every value of a form: a form under the very title of a named form
before it, that shows no project row at all, is a piece of that form opened by its title
printed again, and its values are in doubt."""

from __future__ import annotations

from datetime import UTC, datetime

from extractors import Cell, Document, TextLine, cells_to_grid
from pipeline.definitions import load_catalog
from pipeline.forms.mapping import form_to_slots
from pipeline.forms.recognize import document_to_forms
from pipeline.forms.records import UNSURE, SourceInfo, forms_to_records

CATALOG = load_catalog()
HEADER = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"]
INDICATOR = ["产出指标(50分)", "数量指标", "巡河次数", "≥120次", "126次", "20", "20"]


def _mapped(rows: list[list[str]], title: str = "2024年度项目支出绩效自评表"):
    cells = [Cell(r, c, t, page=1) for r, row in enumerate(rows) for c, t in enumerate(row)]
    doc = Document(blocks=(TextLine(title, page=1), cells_to_grid(cells)), source_format="pdf")
    return [(f, form_to_slots(f, CATALOG)[0]) for f in document_to_forms(doc, CATALOG)]


def _records(*forms):
    source = SourceInfo("x.pdf", "0" * 64, "pdf", datetime.now(UTC), "test")
    mapped = [pair for form in forms for pair in form]
    return forms_to_records(mapped, source, CATALOG.vocabulary)


NAMED = [["项目名称", "河湖长制巡查经费", "", "", "", "", ""], HEADER, INDICATOR]
UNNAMED = [["项目名称", "", "", "", "", "", ""], HEADER, INDICATOR]
HEADLESS = [HEADER, INDICATOR]


def _confidences(records, project):
    return {r.confidence for r in records if r.project == project and r.section == "indicators"}


def test_a_headless_piece_beside_a_named_form_is_in_doubt():
    records = _records(_mapped(NAMED), _mapped(HEADLESS))
    assert _confidences(records, "河湖长制巡查经费") == {1.0}
    assert _confidences(records, None) == {UNSURE}


def test_a_form_the_clerk_left_unnamed_keeps_its_values():
    """Its blank name row is there: missing_required says so, its values stand."""
    records = _records(_mapped(NAMED), _mapped(UNNAMED))
    assert _confidences(records, None) == {1.0}


def test_a_headless_form_alone_in_its_document_keeps_its_values():
    assert _confidences(_records(_mapped(HEADLESS)), None) == {1.0}


def test_a_headless_form_under_a_title_of_its_own_keeps_its_values():
    """Not a title printed again over a piece of the named form: the tail of another form
    whose head is on a page not at hand."""
    tail = _mapped(HEADLESS, title="河道保洁项目支出绩效自评表")
    records = _records(tail, _mapped(NAMED))
    assert _confidences(records, None) == {1.0}


def test_headless_pieces_under_a_heading_printed_again_are_in_doubt():
    """The sheet's title rows (`…项目支出绩效自评情况`) printed over each later band opened a
    form there for the piece of the named form above."""
    heading = "江城县2024年度项目支出绩效自评情况"
    named = _mapped(NAMED, title="江城县2024年度河湖长制巡查经费项目支出绩效自评表")
    records = _records(named, _mapped(HEADLESS, title=heading), _mapped(HEADLESS, title=heading))
    assert _confidences(records, "河湖长制巡查经费") == {1.0}
    assert _confidences(records, None) == {UNSURE}

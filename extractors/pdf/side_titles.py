"""A sheet's print title rows, printed again over every page of a sheet printed across pages.

A spreadsheet's rows 1:2 set as print title rows (a sheet title, the 金额单位 line) are printed
at the head of every page: between a part on one page and the part going on from it on a
later one they are lines the earlier page shows at the very same place, with the same text, and
are not read again (they would part the table there). A character of a cut cell's text drawn
over them (a group label wrapped a character a line, centred on a merged cell running over the
page break) runs into their line: what is left of the line without the title row's characters
is that text, a line of its own over the part.
"""

from __future__ import annotations

from dataclasses import replace

from extractors.model import BBox, TextLine
from extractors.pdf.side_repeats import ROW_TOLERANCE, within
from extractors.tables import TablePart, continues

Item = TablePart | TextLine


def without_title_rows(items: list[Item]) -> list[Item]:
    """The items without the title rows printed again over a part that goes on from an earlier
    page's part (the lines between the two that the earlier page shows at the same place)."""
    out: list[Item] = []
    previous: TablePart | None = None
    between: list[TextLine] = []
    lines_on: dict[int, list[TextLine]] = {}
    for item in items:
        if isinstance(item, TextLine):
            lines_on.setdefault(item.page or 0, []).append(item)
    with_parts = {item.page for item in items if isinstance(item, TablePart)}
    for item in items:
        if isinstance(item, TextLine):
            between.append(item)
            continue
        if previous is not None and item.page != previous.page and continues(previous, item):
            shown = lines_on.get(previous.page, [])
            between = [rest for line in between if (rest := _left_over(line, shown)) is not None]
        else:
            between = _not_again(between, previous, lines_on, with_parts)
        out.extend(between)
        out.append(item)
        previous, between = item, []
    return out + _not_again(between, previous, lines_on, with_parts)


def _not_again(
    lines: list[TextLine],
    previous: TablePart | None,
    lines_on: dict[int, list[TextLine]],
    with_parts: set[int],
) -> list[TextLine]:
    """The lines after a part, but those on a later page holding no table that the part's page
    shows at the very same place, with the same text (the title rows over a page holding only
    the form's footer: they would part the footer from its form)."""
    if previous is None:
        return lines
    shown = lines_on.get(previous.page, [])
    return [
        line
        for line in lines
        if line.page == previous.page
        or line.page in with_parts
        or _left_over(line, shown) is not None
    ]


def _left_over(line: TextLine, shown: list[TextLine]) -> TextLine | None:
    """The line without the title row `shown` at the very same place on another page: None
    where it is that row again, the characters left where it holds that row's among others
    (a cut cell's character drawn over it), the line as it is where it holds none."""
    if line.bbox is None:
        return line
    text = "".join(line.text.split())
    for other in shown:
        if (
            other.bbox is None
            or other.page == line.page
            or abs(other.bbox.top - line.bbox.top) > ROW_TOLERANCE
            or abs(other.bbox.x0 - line.bbox.x0) > ROW_TOLERANCE
        ):
            continue
        title = "".join(other.text.split())
        if title == text:
            return None
        if len(title) >= 2 and len(text) > len(title) and within(title, text):
            return _without_chars(line, title)
    return line


def _without_chars(line: TextLine, title: str) -> TextLine:
    """The line's characters other than the title row's (its first places, in order), boxed at
    the line's left a character's width each (where the cut cell's column lies: the title row
    starts there too)."""
    assert line.bbox is not None
    rest = list(title)
    left: list[str] = []
    for char in "".join(line.text.split()):
        if rest and char == rest[0]:
            rest.pop(0)
        else:
            left.append(char)
    width = (line.bbox.bottom - line.bbox.top) * len(left)
    box = BBox(line.bbox.x0, line.bbox.top, line.bbox.x0 + width, line.bbox.bottom)
    return replace(line, text="".join(left), bbox=box, off_page=False)

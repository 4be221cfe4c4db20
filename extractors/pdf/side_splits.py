"""A strip of a sheet that holds several tables' columns as one ruled part, cut back apart.

On the first strip of a sheet printed across pages, two forms one under the other are two
tables: the footer under the first (填表人 …) and the second's title stand between them, on no
ruled row. On a later strip the page's side edge leaves every row's rule open, and the closing
rule drawn there (page.open_ends_closed) also closes the gap between the two tables: the
strip reads as one part, the second form's title (where it falls on this strip) a cell of it.
Cut at the earlier page's tables' feet and heads, each piece is one table's strip again, and a
cell wholly in a gap between them is the text it shows there, a line outside any table.
"""

from __future__ import annotations

from dataclasses import replace

from extractors.model import BBox, TextLine
from extractors.tables import Box, TablePart, merge_edges

TOLERANCE = 0.75  # points: row lines this close are one line on both pages


def split_at_tables(part: TablePart, tables: list[TablePart]) -> list[TablePart | TextLine]:
    """The part cut where `tables` (an earlier page's, top to bottom) end and start again, if
    its rows run from one of them (or a gap beside it) over a gap, each table's foot and head
    within it a row line of the part, and every cell lies in one table's rows or in a gap;
    else the part as it is."""
    lines = merge_edges(sorted({b[1] for b in part.boxes} | {b[3] for b in part.boxes}))
    top, bottom = part.bbox[1], part.bbox[3]
    spans = [
        (max(t.bbox[1], top), min(t.bbox[3], bottom))
        for t in tables
        if t.bbox[3] > top + TOLERANCE and t.bbox[1] < bottom - TOLERANCE
    ]
    edges = [y for span in spans for y in span]
    if not spans or not all(_among(y, lines) for y in edges):
        return [part]
    gaps = [(a, b) for a, b in zip([top, *edges[1::2]], [*edges[::2], bottom], strict=True)]
    gaps = [(a, b) for a, b in gaps if b - a > TOLERANCE]
    if not gaps:
        return [part]
    pieces: list[list[int]] = [[] for _ in spans]
    shown: list[TextLine] = []
    for index, box in enumerate(part.boxes):
        band = next((i for i, span in enumerate(spans) if _inside(box, span)), None)
        if band is not None:
            pieces[band].append(index)
        elif any(_inside(box, gap) for gap in gaps):
            if part.texts[index].strip():
                shown.append(TextLine(part.texts[index], part.page, BBox(*box)))
        else:
            return [part]  # a cell across a table's foot: no gap there after all
    if any(not piece for piece in pieces):
        return [part]
    items: list[TablePart | TextLine] = [_piece(part, piece) for piece in pieces]
    return sorted(items + shown, key=_top)


def _top(item: TablePart | TextLine) -> float:
    if isinstance(item, TablePart):
        return item.bbox[1]
    assert item.bbox is not None
    return item.bbox.top


def _near(a: float, b: float) -> bool:
    return abs(a - b) <= TOLERANCE


def _among(y: float, lines: list[float]) -> bool:
    return any(_near(y, line) for line in lines)


def _inside(box: Box, span: tuple[float, float]) -> bool:
    return box[1] >= span[0] - TOLERANCE and box[3] <= span[1] + TOLERANCE


def _piece(part: TablePart, indexes: list[int]) -> TablePart:
    """The part's cells of `indexes` as a part of their own (the cut sets renumbered)."""
    renumber = {old: new for new, old in enumerate(indexes)}
    boxes = tuple(part.boxes[i] for i in indexes)

    def cut(cells: frozenset[int]) -> frozenset[int]:
        return frozenset(renumber[i] for i in cells if i in renumber)

    return replace(
        part,
        boxes=boxes,
        texts=tuple(part.texts[i] for i in indexes),
        bbox=(
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        ),
        confidences=tuple(part.confidences[i] for i in indexes) if part.confidences else (),
        sources=tuple(part.sources[i] for i in indexes) if part.sources else (),
        cut_left=cut(part.cut_left),
        cut_right=cut(part.cut_right),
        cut_top=cut(part.cut_top),
        cut_bottom=cut(part.cut_bottom),
    )

"""Table parts, as a PDF page's text layer or a scan's OCR gives them, made into Grids; and the
joining of a cell's lines into its text.

A part is one ruled table on one page: its cells' boxes in points and the text of each. A table
that runs over a page break (nothing but page furniture between its end on one page and its
continuation at the top of the next, and the same outer width) is joined back into one Grid, its
rows numbered on from the first part.

pdf.py and scan/page.py both make parts and both join a cell's lines with `join_wrapped_lines`; each
measures its lines its own way (character boxes, OCR line boxes) and this module needs neither.
"""

from __future__ import annotations

import bisect
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from extractors.model import BBox, Block, Cell, Grid, TextLine, cells_to_grid

EDGE_TOLERANCE = 2.0  # points: cell edges closer than this are the same ruling line
_PAGE_FURNITURE = re.compile(r"^\s*(第?\s*\d+\s*页|-\s*\d+\s*-|\d+\s*/\s*\d+|\d+)\s*$")

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class TablePart:
    """One ruled table found on one page: its cells' boxes and the text of each."""

    page: int
    boxes: tuple[Box, ...]
    texts: tuple[str, ...]
    bbox: Box
    confidences: tuple[float, ...] = ()  # per cell, the OCR score; empty: a text layer (1.0)
    # per cell, its page and box where they are not the part's own (a side from a later page
    # joined on, its boxes shifted to continue the columns); empty: the part's page, `boxes`
    sources: tuple[tuple[int, Box], ...] = ()
    # the cells a side cut of the page divided, at their left and right (no rule was drawn)
    cut_left: frozenset[int] = frozenset()
    cut_right: frozenset[int] = frozenset()
    cut_top: frozenset[int] = frozenset()  # and at their top and foot (a page break)
    cut_bottom: frozenset[int] = frozenset()
    # per cell, its characters' OCR scores where known (a one-line cell of a scan); empty or
    # of another length: each cell's confidence stands for its characters
    char_confidences: tuple[tuple[float, ...], ...] = ()
    # the page it goes on from where that is not the page before (a sheet printed over, then
    # down: the pages between hold the right-hand strips of the rows above); 0: the page before
    follows: int = 0


# ---------------------------------------------------------------------------------------------
# A cell's lines into its text


@dataclass(frozen=True)
class WrappedLine:
    """One line of a cell as its reader measured it (points or pixels, the same for all)."""

    text: str
    room_left: float  # the width still free at the line's end, before the cell's padding
    char_width: float  # the width of one of its characters
    first_unit: float  # the width of its first unbreakable run (a word, a glued character)


def is_latin_letter(char: str) -> bool:
    return char.isascii() and char.isalpha()


def join_wrapped_lines(
    lines: Sequence[WrappedLine], spaced: Callable[[str], bool] = is_latin_letter
) -> str:
    """A cell's lines as its text: a line the writer broke by hand (the next line's first word
    would have fitted on it) keeps its line break, a line the layout wrapped is joined to the
    next, with a space only where `spaced` holds for the characters either side."""
    text = ""
    for i, line in enumerate(lines):
        if i > 0:
            previous = lines[i - 1]
            if line.first_unit <= previous.room_left - 0.5 * previous.char_width:
                text += "\n"
            elif spaced(text[-1:]) and spaced(line.text[:1]):
                text += " "
        text += line.text
    return text


# ---------------------------------------------------------------------------------------------
# Parts into Grids


def merge_edges(values: list[float]) -> list[float]:
    """Sorted coordinates, those closer than EDGE_TOLERANCE merged into one ruling line."""
    merged: list[float] = []
    for v in values:
        if merged and v - merged[-1] < EDGE_TOLERANCE:
            continue
        merged.append(v)
    return merged


def nearest_edge(edges: list[float], value: float) -> int:
    """Index of the ruling line nearest to `value`."""
    i = bisect.bisect_left(edges, value)
    candidates = [j for j in (i - 1, i) if 0 <= j < len(edges)]
    return min(candidates, key=lambda j: abs(edges[j] - value))


def join_parts(items: list[TablePart | TextLine]) -> list[Block]:
    """Join table parts continued over page breaks, then turn each table into a Grid."""
    blocks: list[Block] = []
    run: list[TablePart] = []
    pending_furniture: list[TextLine] = []
    for item in items:
        if isinstance(item, TextLine):
            if run and _PAGE_FURNITURE.match(item.text):
                pending_furniture.append(item)
                continue
            if run:
                blocks.append(parts_to_grid(run))
                run = []
            blocks.extend(pending_furniture)
            pending_furniture = []
            blocks.append(item)
            continue
        if run and continues(run[-1], item):
            run.append(item)
            continue
        if run:
            blocks.append(parts_to_grid(run))
        blocks.extend(pending_furniture)
        pending_furniture = []
        run = [item]
    if run:
        blocks.append(parts_to_grid(run))
    blocks.extend(pending_furniture)
    return blocks


def continues(previous: TablePart, part: TablePart) -> bool:
    """A part on the next page with the same outer width continues the previous table."""
    same_width = (
        abs(previous.bbox[0] - part.bbox[0]) < 3 * EDGE_TOLERANCE
        and abs(previous.bbox[2] - part.bbox[2]) < 3 * EDGE_TOLERANCE
    )
    next_page = part.page == previous.page + 1 or (part.follows and part.follows == previous.page)
    return bool(next_page) and same_width


def parts_to_grid(parts: list[TablePart]) -> Grid:
    """One Grid from one or more table parts: columns from all parts' ruling lines, rows stacked."""
    parts = _edges_snapped(_scans_aligned(parts))
    xs = merge_edges(
        sorted({b[0] for p in parts for b in p.boxes} | {b[2] for p in parts for b in p.boxes})
    )
    cells: list[Cell] = []
    row_offset = 0
    for part in parts:
        ys = merge_edges(sorted({b[1] for b in part.boxes} | {b[3] for b in part.boxes}))
        confidences = part.confidences or (1.0,) * len(part.boxes)
        sources = part.sources or tuple((part.page, box) for box in part.boxes)
        chars = part.char_confidences
        if len(chars) != len(part.boxes):
            chars = ((),) * len(part.boxes)
        for box, text, confidence, (page, shown), scores in zip(
            part.boxes, part.texts, confidences, sources, chars, strict=True
        ):
            r0, r1 = nearest_edge(ys, box[1]), nearest_edge(ys, box[3])
            c0, c1 = nearest_edge(xs, box[0]), nearest_edge(xs, box[2])
            if r1 <= r0 or c1 <= c0:
                continue  # a sliver between two ruling lines drawn twice
            cells.append(
                Cell(
                    row=row_offset + r0,
                    col=c0,
                    text=text,
                    rowspan=r1 - r0,
                    colspan=c1 - c0,
                    page=page,
                    bbox=BBox(*shown),
                    confidence=confidence,
                    char_confidences=scores if len(scores) == len(text) else (),
                )
            )
        row_offset += max(len(ys) - 1, 0)
    return cells_to_grid(cells)


def _x_edges(part: TablePart) -> list[float]:
    return merge_edges(sorted({b[0] for b in part.boxes} | {b[2] for b in part.boxes}))


def _scans_aligned(parts: list[TablePart]) -> list[TablePart]:
    """The scanned parts of a table continued over pages, each after the first moved across
    onto the columns of those before it: a scanned page is levelled about its own centre, so
    the same columns come out a few points to one side on the next page (a page tilted the
    other way), and would be read as new columns. Moved by the median offset of its column
    edges to the nearest edge before it, within what `continues` let pass; a text layer's parts
    stay where they are. The cells keep their own boxes on their own page (`sources`)."""
    if len(parts) < 2 or not all(p.confidences for p in parts):
        return parts
    aligned = [parts[0]]
    edges = _x_edges(parts[0])
    for part in parts[1:]:
        offsets = [
            edges[nearest_edge(edges, x)] - x
            for x in _x_edges(part)
            if abs(edges[nearest_edge(edges, x)] - x) < 3 * EDGE_TOLERANCE
        ]
        shift = float(statistics.median(offsets)) if offsets else 0.0
        if abs(shift) >= EDGE_TOLERANCE / 2:
            part = _shifted(part, shift)
        aligned.append(part)
        edges = merge_edges(sorted(set(edges) | set(_x_edges(part))))
    return aligned


SNAP = 3 * EDGE_TOLERANCE  # points: a continuation's edge this near an earlier one is it


def _edges_snapped(parts: list[TablePart]) -> list[TablePart]:
    """The parts after the first with each cell edge that lies a few points off an edge of the
    parts before it put on that edge: a browser lays a table's fragment on the next page out
    anew, its rules two or three points from where they were (278 → 275), and the union of
    both would hold slivers, a column that is no column, and count the next page's columns
    one off. An edge with an earlier one within EDGE_TOLERANCE, or none within SNAP, stays.
    The cells keep their own boxes on their own page (`sources`)."""
    if len(parts) < 2:
        return parts
    snapped = [parts[0]]
    edges = _x_edges(parts[0])
    for part in parts[1:]:
        moved = {x: _snap(x, edges) for x in _x_edges(part)}
        if any(moved[x] != x for x in moved):
            part = _edges_moved(part, moved)
        snapped.append(part)
        edges = merge_edges(sorted(set(edges) | set(_x_edges(part))))
    return snapped


def _snap(x: float, edges: list[float]) -> float:
    nearest = edges[nearest_edge(edges, x)]
    return nearest if EDGE_TOLERANCE <= abs(nearest - x) < SNAP else x


def _edges_moved(part: TablePart, moved: dict[float, float]) -> TablePart:
    """The part with its cells' left and right edges put where `moved` says (each edge of
    `_x_edges`, and the boxes' own coordinates merged into it)."""
    keys = sorted(moved)

    def at(x: float) -> float:
        edge = keys[nearest_edge(keys, x)]
        return moved[edge] - edge + x

    return _across(part, at)


def _shifted(part: TablePart, dx: float) -> TablePart:
    """The part with its cells' boxes moved `dx` across."""
    return _across(part, lambda x: x + dx)


def _across(part: TablePart, at: Callable[[float], float]) -> TablePart:
    """The part with each x of its cells' boxes and its own box put `at` where it goes, each
    cell keeping its own box on its own page as shown (`sources`)."""
    sources = part.sources or tuple((part.page, box) for box in part.boxes)
    boxes = tuple((at(b[0]), b[1], at(b[2]), b[3]) for b in part.boxes)
    bbox = (at(part.bbox[0]), part.bbox[1], at(part.bbox[2]), part.bbox[3])
    return replace(part, boxes=boxes, bbox=bbox, sources=sources)

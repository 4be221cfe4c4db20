"""A born-digital PDF page as either reader gives it, and its ruled tables found.

The two readers (pdfium_access.py, the default; pdfplumber_access.py, the reference) each turn
a page into a PageContent: its characters, the straight pieces of its painted paths, whether it
holds an image. Everything after that is the same code, so both readers give the same Grids.

Tables are found by pdfplumber's own table finder, called through its public functions
(`merge_edges → edges_to_intersections → intersections_to_cells → cells_to_tables`) with its
default settings, on edges made from the pieces as pdfplumber makes them from its objects.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from extractors.tables import Box

Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Char:
    """One character in points from the page's top-left. Horizontally its advance; vertically
    the em square standing on its baseline (`bottom` is the baseline, `top` one font size
    above it), so characters of different fonts on one line share their top."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    upright: bool = True


@dataclass(frozen=True, slots=True)
class Piece:
    """A painted subpath: a `line` (its two ends), a `rect` (two opposite corners) or a
    `curve` (its points, a Bézier's by its end points), in points from the top-left. `shade`:
    a rectangle filled in a colour (not white) with no outline, wider and taller than a rule: a
    cell's background, whose sides no one drew as rules."""

    kind: str
    points: tuple[Point, ...]
    shade: bool = False


@dataclass(frozen=True)
class PageContent:
    number: int
    width: float
    height: float
    chars: tuple[Char, ...]
    pieces: tuple[Piece, ...]
    has_images: bool


SHADE_MIN = 3.0  # points: a filled rectangle thinner than this either way is a rule
WHITE = 0.97  # of full intensity: a fill this light in every channel is the paper's white


def shades_marked(pieces: list[Piece], coloured_fill: bool) -> list[Piece]:
    """A path's pieces, its rectangles marked as shades when the path is filled in a colour
    and not stroked (`coloured_fill`, as the reader sees its paint) and they are no rule."""
    if not coloured_fill:
        return pieces
    return [
        Piece(p.kind, p.points, True) if p.kind == "rect" and _wider_than_rule(p.points) else p
        for p in pieces
    ]


def _wider_than_rule(points: tuple[Point, ...]) -> bool:
    (xa, ya), (xb, yb) = points[0], points[1]
    return abs(xb - xa) >= SHADE_MIN and abs(yb - ya) >= SHADE_MIN


def shade_boxes(pieces: tuple[Piece, ...]) -> list[Box]:
    """The shades among the pieces, each as its box."""
    return [_piece_box(p) for p in pieces if p.shade]


def rule_boxes(pieces: tuple[Piece, ...]) -> list[Box]:
    """The rules among the pieces (every piece's edges but a shade's), each as its box: the
    lines someone drew, as against the sides of a coloured background."""
    edges = pieces_to_edges(tuple(p for p in pieces if not p.shade))
    return [(e["x0"], e["top"], e["x1"], e["bottom"]) for e in edges if e["orientation"]]


def _piece_box(piece: Piece) -> Box:
    (xa, ya), (xb, yb) = piece.points[0], piece.points[1]
    return (min(xa, xb), min(ya, yb), max(xa, xb), max(ya, yb))


# ---------------------------------------------------------------------------------------------
# Pieces into edges, edges into tables


def pieces_to_edges(pieces: tuple[Piece, ...]) -> list[dict[str, Any]]:
    """The edges pdfplumber's `page.edges` holds for these pieces: the lines', then the
    rectangles' four sides, then the curves' straight steps, each in the pieces' order."""
    lines = [_line_edge(p.points) for p in pieces if p.kind == "line"]
    rects = [e for p in pieces if p.kind == "rect" for e in _rect_edges(p.points)]
    curves = [e for p in pieces if p.kind == "curve" for e in _curve_edges(p.points)]
    return lines + rects + curves


def _edge(kind: str, x0: float, top: float, x1: float, bottom: float, orientation) -> dict:
    return {
        "object_type": kind,
        "x0": x0,
        "x1": x1,
        "top": top,
        "bottom": bottom,
        "doctop": top,
        "width": x1 - x0,
        "height": bottom - top,
        "orientation": orientation,
    }


def _line_edge(points: tuple[Point, ...]) -> dict:
    (xa, ya), (xb, yb) = points[0], points[1]
    top, bottom = min(ya, yb), max(ya, yb)
    # pdfplumber's rule: level when its ends are at one height, else upright
    return _edge("line", min(xa, xb), top, max(xa, xb), bottom, "h" if top == bottom else "v")


def _rect_edges(points: tuple[Point, ...]) -> list[dict]:
    (xa, ya), (xb, yb) = points[0], points[1]
    x0, x1, top, bottom = min(xa, xb), max(xa, xb), min(ya, yb), max(ya, yb)
    return [
        _edge("rect_edge", x0, top, x1, top, "h"),
        _edge("rect_edge", x0, bottom, x1, bottom, "h"),
        _edge("rect_edge", x0, top, x0, bottom, "v"),
        _edge("rect_edge", x1, top, x1, bottom, "v"),
    ]


def _curve_edges(points: tuple[Point, ...]) -> list[dict]:
    edges = []
    for (xa, ya), (xb, yb) in itertools.pairwise(points):
        orientation = "v" if xa == xb else ("h" if ya == yb else None)
        edges.append(
            _edge("curve_edge", min(xa, xb), min(ya, yb), max(xa, xb), max(ya, yb), orientation)
        )
    return edges


def edges_to_tables(edges: list[dict[str, Any]]) -> list[list[Box]]:
    """The ruled tables among the edges, each as its cells' boxes, top to bottom, as
    pdfplumber's `page.find_tables()` finds them with its default settings."""
    return edges_to_ruling(edges)[0]


def edges_to_ruling(edges: list[dict[str, Any]]) -> tuple[list[list[Box]], list[Box]]:
    """The ruled tables among the edges (as `edges_to_tables`), and the rules a page cut left
    out and `open_ends_closed` put in, as boxes (a cell ending at one was cut there)."""
    from pdfplumber.table import (
        TableSettings,
        cells_to_tables,
        edges_to_intersections,
        intersections_to_cells,
        merge_edges,
    )
    from pdfplumber.utils import filter_edges

    s = TableSettings.resolve(None)
    vertical = filter_edges(edges, "v", min_length=s.edge_min_length_prefilter)
    horizontal = filter_edges(edges, "h", min_length=s.edge_min_length_prefilter)
    merged = merge_edges(
        vertical + horizontal,
        snap_x_tolerance=s.snap_x_tolerance,
        snap_y_tolerance=s.snap_y_tolerance,
        join_x_tolerance=s.join_x_tolerance,
        join_y_tolerance=s.join_y_tolerance,
    )
    merged = filter_edges(merged, min_length=s.edge_min_length)
    merged += frame_closed(merged, s.intersection_x_tolerance, s.intersection_y_tolerance)
    closing = open_ends_closed(merged, s.intersection_x_tolerance, s.intersection_y_tolerance)
    merged += closing
    points = edges_to_intersections(merged, s.intersection_x_tolerance, s.intersection_y_tolerance)
    tables = [list(cells) for cells in cells_to_tables(intersections_to_cells(points))]
    cuts = [(e["x0"], e["top"], e["x1"], e["bottom"]) for e in closing]
    return tables, cuts


def frame_closed(edges: list[dict[str, Any]], x_tol: float, y_tol: float) -> list[dict]:
    """The frame a form drawn without one leaves out (a report engine rules only between
    cells): when the rules' ends stand free on all four sides (two or more on each, none
    meeting a rule across there), the four sides of the rules' box are drawn in."""
    vertical = [e for e in edges if e["orientation"] == "v"]
    horizontal = [e for e in edges if e["orientation"] == "h"]
    if len(vertical) < 2 or len(horizontal) < 2:
        return []
    x0 = min(h["x0"] for h in horizontal)
    x1 = max(h["x1"] for h in horizontal)
    top = min(v["top"] for v in vertical)
    bottom = max(v["bottom"] for v in vertical)

    def free(rules: list[dict], end: str, at: float, across: list[dict], pos: str, span) -> int:
        """How many rules end at `at` with no rule across meeting them there."""
        return sum(
            1
            for r in rules
            if abs(r[end] - at) <= (x_tol if end in ("x0", "x1") else y_tol)
            and not any(
                abs(a[pos] - at) <= x_tol + y_tol
                and a[span[0]] - y_tol <= r[pos_of(end)]
                and r[pos_of(end)] <= a[span[1]] + y_tol
                for a in across
            )
        )

    def pos_of(end: str) -> str:
        return "top" if end in ("x0", "x1") else "x0"

    sides = (
        free(horizontal, "x0", x0, vertical, "x0", ("top", "bottom")),
        free(horizontal, "x1", x1, vertical, "x0", ("top", "bottom")),
        free(vertical, "top", top, horizontal, "top", ("x0", "x1")),
        free(vertical, "bottom", bottom, horizontal, "top", ("x0", "x1")),
    )
    if min(sides) < 1:
        return []
    return [
        _edge("line", x0, top, x0, bottom, "v"),
        _edge("line", x1, top, x1, bottom, "v"),
        _edge("line", x0, top, x1, top, "h"),
        _edge("line", x0, bottom, x1, bottom, "h"),
    ]


def open_ends_closed(edges: list[dict[str, Any]], x_tol: float, y_tol: float) -> list[dict]:
    """The ruling a page cut leaves out: where a browser or a spreadsheet breaks a table over
    pages, the columns' rules stop at the foot of the page (and start again at the head of the
    next) with no rule across them, or none across a merged cell the cut runs through; a sheet
    printed across pages leaves its rows' rules open at the page's right or left edge the same
    way. Between two rules ending at one place with no rule running on through the place between
    them, a stretch no rule across covers there is closed by one."""
    vertical = [e for e in edges if e["orientation"] == "v"]
    horizontal = [e for e in edges if e["orientation"] == "h"]
    return _cuts_closed(vertical, horizontal, ("x0", "top", "bottom"), (x_tol, y_tol)) + (
        _cuts_closed(horizontal, vertical, ("top", "x0", "x1"), (y_tol, x_tol), sideways=True)
    )


def _cuts_closed(
    rules: list[dict],
    across: list[dict],
    keys: tuple[str, str, str],
    tols: tuple[float, float],
    sideways: bool = False,
) -> list[dict]:
    """The closing rules (across `rules`) of the stretches between rules ending at one place.
    A side cut (`sideways`, rows' rules ending at a page's edge) is closed only where a column
    rule joins two of the rules ending there somewhere (rows of one table cut; a row merged
    over the whole strip is then closed too): two tables one above the other end at the same
    margins."""
    pos, start, stop = keys
    tol, end_tol = tols
    along = {"x0": ("x0", "x1"), "top": ("top", "bottom")}[pos]  # an across rule's extent
    level = "h" if pos == "x0" else "v"

    def covered(a: float, b: float, at: float) -> bool:
        return any(
            abs(r[start] - at) <= end_tol and r[along[0]] - tol <= a and b <= r[along[1]] + tol
            for r in across
        )

    def linked(a: float, b: float) -> bool:
        """A rule across joins the two somewhere: they bound one stretch of a table."""
        return any(r[along[0]] - tol <= a and b <= r[along[1]] + tol for r in across)

    def crossed(a: float, b: float, at: float) -> bool:
        """A rule between the two runs on through that place: the stretch is no cut."""
        return any(
            a + tol < r[pos] < b - tol and r[start] < at - end_tol and r[stop] > at + end_tol
            for r in rules
        )

    closing = []
    for end in (start, stop):
        groups: list[list[dict]] = []  # rules ending within end_tol of the group's first
        for r in sorted(rules, key=lambda r: r[end]):
            if groups and r[end] - groups[-1][0][end] <= end_tol:
                groups[-1].append(r)
            else:
                groups.append([r])
        for group in groups:
            places = sorted({r[pos] for r in group})
            at = min(r[end] for r in group) if end == start else max(r[end] for r in group)
            stretches = [
                (a, b)
                for a, b in itertools.pairwise(places)
                if b - a > tol and not covered(a, b, at) and not crossed(a, b, at)
            ]
            if sideways and not any(linked(a, b) for a, b in stretches):
                continue  # no row of a table cut there: tables one above another
            for a, b in stretches:
                box = (a, at, b, at) if level == "h" else (at, a, at, b)
                closing.append(_edge("line", *box, level))
    return closing


def cells_bbox(cells: list[Box]) -> Box:
    return (
        min(c[0] for c in cells),
        min(c[1] for c in cells),
        max(c[2] for c in cells),
        max(c[3] for c in cells),
    )

"""Texts a spreadsheet clipped at their cell's edge, told from the neighbour's text beside them.

A text too long for its cell, its neighbour holding a text of its own, is printed by a
spreadsheet (LibreOffice Calc) only as far as the cell goes: up to the glyph the edge passes
through (drawn clipped) or up to the last one that starts before the cell's right padding, the
rest left out of the file. The neighbour's own text starts at its padding just past the edge:
over the cut glyph's cut-off part, a little after it, or exactly on the cut text's pitch. The
cut glyph is its own cell's, the neighbour's text the neighbour's; the cut cell holds only the
part printed (unsure), and where the neighbour's text stands on the cut text's pitch it may as
well be that text spilling on over an empty neighbour: whose characters are whose cannot be
told, and the neighbour is doubted too. A text with Latin letters or digits is drawn whole
under the clip instead, running on behind the neighbour's: where its hidden glyphs go on on
the cut glyph's pitch and the neighbour's on their own, each text is whole and its cell's;
where a glyph could be either's, cells.py reads the two as printed one over the other
(unsure). Only a text that ran up to the edge is taken (the glyph before the cut one in its
cell, on its pitch): a single glyph too wide for a narrow column is no cut text.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from extractors.pdf.page import Char

BASELINE_TOLERANCE = 0.5  # points: characters whose baselines differ less are on one line
RULE_TOLERANCE = 0.5  # points: a gap (or a glyph) holds a ruling line this near its ends
PITCH_BREAK = 0.05  # of the font size: a text's next glyph is off its pitch by more
LEVEL = 0.3  # of the size: characters whose middles differ less stand on one line
CLIP_PADDING = 0.15  # of the font size: a spreadsheet starts a cell's text this near its left
PADDING_TOLERANCE = 0.2  # points: a text that fits ends at least its cell's padding, less this,
# before the cell's edge


@dataclass(frozen=True)
class EdgeCut:
    """A glyph cut at its cell's edge: its cell, and the neighbour doubted along with it when
    the neighbour's text stands on the cut text's pitch (it may be that text spilling on)."""

    cell: int
    doubted: int | None = None


def chars_by_line(chars: tuple[Char, ...], indexes: list[int]) -> list[int]:
    """The characters' indexes line by line (one baseline), each line left to right."""
    return sorted(indexes, key=lambda i: (round(chars[i].bottom / BASELINE_TOLERANCE), chars[i].x0))


def edge_cuts(
    chars: tuple[Char, ...], indexes: list[int], xs: list[float], cell_at
) -> dict[int, EdgeCut]:
    """The glyphs a spreadsheet cut at their cell's edge: a text too long for its cell, its
    neighbour filled, is printed up to the glyph the edge passes through (drawn clipped) or
    up to the last one that starts before the cell's right padding, and the neighbour's own
    text stands past the edge, off the cut text's pitch. Where the neighbour's text starts on
    the pitch, it may as well be the text spilling on over an empty neighbour: whose
    characters are whose cannot be told, and both cells are doubted. Taken only where the
    neighbour's text is a text of its own (none of its glyphs lies over the next): the cut
    text does not run on behind it. `cell_at(ch, x)`: the cell at x on the character's line
    (without x, at its centre)."""
    order = _side_by_side(chars, indexes)
    cuts: dict[int, EdgeCut] = {}
    for k, (a, b) in enumerate(itertools.pairwise(order)):
        first, second = chars[a], chars[b]
        if not _level(first, second):
            continue
        edge = _edge_reached(first, second, xs)
        if edge is None:
            continue
        cell, neighbour = cell_at(first, first.x0), cell_at(second)
        if None in (cell, neighbour) or cell == neighbour or cell_at(first, edge + 1) != neighbour:
            continue  # not two cells side by side, or the next text not in the neighbour
        if k == 0 or not _runs_into(chars, order[k - 1], first, cell, cell_at):
            continue  # no text ran up to the edge (one glyph too wide for a narrow column)
        after = order[k + 2] if k + 2 < len(order) else None
        if after is not None and lie_over(second, chars[after]):
            continue  # the cut text runs on behind the neighbour's: whose is whose is unsure
        on_pitch = abs(second.x0 - first.x1) <= PITCH_BREAK * second.size
        cuts[a] = EdgeCut(cell=cell, doubted=neighbour if on_pitch else None)
    return cuts


def texts_behind(
    chars: tuple[Char, ...], indexes: list[int], xs: list[float], cell_at
) -> tuple[dict[int, int], dict[int, int]]:
    """The glyphs of texts drawn whole under their cell's clip, running on behind the
    neighbour's text, each with its cell: the glyph the edge passes through, the neighbour's
    first glyph at its padding just past the edge, and behind it glyphs going on on the cut
    glyph's pitch (the hidden part) beside glyphs going on on the neighbour's. Taken only
    where every glyph after the edge goes on one pitch and not both (or stands past the end
    of both): which is whose is then told. Returned: the cut glyphs and the hidden glyphs,
    each with its cell. `cell_at` as for edge_cuts."""
    cut: dict[int, int] = {}
    hidden_by: dict[int, int] = {}
    for line in _lines(chars, indexes):
        for k, (a, b) in enumerate(itertools.pairwise(line)):
            first, second = chars[a], chars[b]
            through = [x for x in xs if first.x0 + RULE_TOLERANCE < x < first.x1 - RULE_TOLERANCE]
            if not through or not (
                -RULE_TOLERANCE <= second.x0 - through[-1] <= CLIP_PADDING * second.size
            ):
                continue
            cell, neighbour = cell_at(first, first.x0), cell_at(first, through[-1] + 1)
            if None in (cell, neighbour) or cell == neighbour or cell_at(second) != neighbour:
                continue
            if k == 0 or not _runs_into(chars, line[k - 1], first, cell, cell_at):
                continue
            hidden = _hidden_part(chars, first, second, line[k + 2 :])
            if hidden:
                cut[a] = cell
                hidden_by.update(dict.fromkeys(hidden, cell))
    return cut, hidden_by


def _runs_into(chars: tuple[Char, ...], previous: int, cut: Char, cell: int, cell_at) -> bool:
    """Does the cut glyph go on from the glyph before it, on its line, in its cell, on its
    pitch: a text that ran up to the edge, not one glyph too wide for its column?"""
    before = chars[previous]
    return (
        _level(before, cut)
        and abs(cut.x0 - before.x1) <= PITCH_BREAK * cut.size
        and cell_at(before) == cell
    )


def _hidden_part(chars: tuple[Char, ...], cut: Char, own: Char, rest: list[int]) -> list[int]:
    """The glyphs of `rest` (left to right) going on on the cut glyph's pitch, beside those
    going on on the neighbour's first glyph's (`own`); none where one stands on both pitches
    or on neither before both ended."""
    text_end, own_end = cut.x1, own.x1
    hidden: list[int] = []
    for i in rest:
        ch = chars[i]
        tolerance = PITCH_BREAK * ch.size
        on_text, on_own = abs(ch.x0 - text_end) <= tolerance, abs(ch.x0 - own_end) <= tolerance
        if on_text == on_own:
            if not on_text and ch.x0 > max(text_end, own_end):
                break  # both texts ended
            return []  # on both pitches, or between them: whose is whose cannot be told
        if on_text:
            hidden.append(i)
            text_end = ch.x1
        else:
            own_end = ch.x1
    return hidden


def _side_by_side(chars: tuple[Char, ...], indexes: list[int]) -> list[int]:
    """The characters' indexes line by line, each line left to right (see _lines)."""
    return [i for line in _lines(chars, indexes) for i in line]


def _lines(chars: tuple[Char, ...], indexes: list[int]) -> list[list[int]]:
    """The characters' indexes in lines, top to bottom, each left to right, a line being the
    characters standing level (their middles within LEVEL of the line's first): two cells'
    texts of different sizes, each set in the middle of its row, on one line."""
    order = sorted(indexes, key=lambda i: chars[i].top + chars[i].bottom)
    lines: list[list[int]] = []
    for i in order:
        if lines and _level(chars[lines[-1][0]], chars[i]):
            lines[-1].append(i)
        else:
            lines.append([i])
    return [sorted(line, key=lambda i: chars[i].x0) for line in lines]


def _level(first: Char, second: Char) -> bool:
    """Do the two characters stand level: their middles within LEVEL of the larger size?"""
    middle = (first.top + first.bottom - second.top - second.bottom) / 2
    return abs(middle) <= LEVEL * max(first.size, second.size)


def _edge_reached(first: Char, second: Char, xs: list[float]) -> float | None:
    """The column rule a text's glyph was cut at, the next glyph on its line standing past
    it: the rule passes through the glyph (the next one off its pitch, or at its neighbour's
    padding), or the glyph ends inside the cell's right padding (as wide as the padding the
    next one stands at past the rule), where a text that fits never reaches. Else None."""
    size = second.size
    on_pitch = abs(second.x0 - first.x1) <= PITCH_BREAK * size
    for x in reversed(xs):
        if not first.x0 + RULE_TOLERANCE < x <= second.x0 + RULE_TOLERANCE:
            continue
        padding = second.x0 - x
        at_padding = -RULE_TOLERANCE <= padding <= CLIP_PADDING * size
        if x < first.x1 - RULE_TOLERANCE:  # through the glyph
            return x if at_padding or not on_pitch else None
        if at_padding and first.x1 > x - padding + PADDING_TOLERANCE:
            return x  # into the padding: it did not fit
        return None
    return None


def lie_over(first: Char, second: Char) -> bool:
    """Does the second character (next on the line) lie over the first by more than half?"""
    same_line = abs(first.bottom - second.bottom) <= BASELINE_TOLERANCE
    return same_line and second.x0 - first.x1 < -0.5 * (first.x1 - first.x0)

"""A value cell that spans rows only because their rule was left out, cut back at those rows.

A spreadsheet prints only the borders it was given, and a web page may leave a rule out: the
amounts of a total row and of the child rows under it then stand in one tall box, each on its
own line beside its own row's label (`320` beside 年度资金总额, `320` beside 其中：当年财政拨款),
and read as one cell they run into one number (`320\\n320`, 320320). Where every line of such a
cell is a number and each lies within a different row of the table (the rules the other
columns draw through the box), the cell is cut at those rules: each line its row's own cell.
"""

from __future__ import annotations

import re

from extractors.pdf.page import Char
from extractors.tables import Box

LINE_TOLERANCE = 3.0  # points: characters whose tops differ less are on one line
EDGE = 1.0  # points: a line may stand this far over its row's rule
_NUMBER = re.compile(r"^[≥≤<>]?[+-]?(?:\d[\d,]*)?(?:\.\d+)?%?$")


def cells_cut_at_rows(
    box: Box, chars: list[Char], rows: list[float]
) -> list[tuple[Box, list[Char]]]:
    """The cell as the boxes of the rows its number lines stand in (each with its line's
    characters; a row with none an empty cell), or the cell whole."""
    inner = [y for y in rows if box[1] + EDGE < y < box[3] - EDGE]
    lines = chars_to_lines(chars)
    if not inner or len(lines) < 2 or not all(is_number_line(line) for line in lines):
        return [(box, chars)]
    edges = [box[1], *inner, box[3]]
    bands: dict[int, list[Char]] = {}
    for line in lines:
        band = next(
            (
                k
                for k in range(len(edges) - 1)
                if edges[k] - EDGE <= min(c.top for c in line)
                and max(c.bottom for c in line) <= edges[k + 1] + EDGE
            ),
            None,
        )
        if band is None or band in bands:
            return [(box, chars)]  # a line across a rule, or two in one row: one cell's text
        bands[band] = line
    return [
        ((box[0], edges[k], box[2], edges[k + 1]), bands.get(k, [])) for k in range(len(edges) - 1)
    ]


def chars_to_lines(chars: list[Char]) -> list[list[Char]]:
    """A cell's characters in lines, top to bottom: characters whose tops are within
    LINE_TOLERANCE of a line's first are on it."""
    lines: list[list[Char]] = []
    for ch in sorted(chars, key=lambda c: (round(c.top), c.x0)):
        if lines and abs(ch.top - lines[-1][0].top) <= LINE_TOLERANCE:
            lines[-1].append(ch)
        else:
            lines.append([ch])
    return lines


def is_number_line(line: list[Char]) -> bool:
    text = "".join(c.text for c in sorted(line, key=lambda c: c.x0)).strip()
    return any(c.isdigit() for c in text) and bool(_NUMBER.match(text))

"""A text line outside the tables that runs from the paper to text past its side edge.

pdfplumber's line finder puts every character on one baseline into one line, however far
apart: a cut label's character drawn over a sheet's title rows and a title row's text centred
past the paper's edge become one line (`产 金额单位：万元`), and the title row is no longer the
one the other pages print. Such a line is two where a wide gap parts text on the paper from
text reaching past the edge.
"""

from __future__ import annotations

EDGE_GAP = 2.0  # ems: a gap this wide between text on the paper and text past its edge


def apart_at_edge(line: dict, width: float) -> list[tuple[str, float, float, float, float]]:
    """The line's text and box, or its pieces where it runs from text on the paper to text
    reaching past the paper's side edge over a wide gap (a label's character drawn over the
    sheet's title rows, far from a title row's text running past the edge: two lines)."""
    chars = sorted((c for c in line.get("chars", ()) if c["text"].strip()), key=lambda c: c["x0"])
    cuts = [
        i
        for i in range(1, len(chars))
        if chars[i]["x0"] - chars[i - 1]["x1"] > EDGE_GAP * max(chars[i]["size"], 1.0)
        and _reaches_past(chars[:i], width) != _reaches_past(chars[i:], width)
    ]
    whole = (line["text"], line["x0"], line["top"], line["x1"], line["bottom"])
    if not cuts:
        return [whole]
    text = line["text"].strip()
    pieces, start, at = [], 0, 0
    for cut in [*cuts, len(chars)]:
        group = chars[start:cut]
        shown = 0
        end = at
        while end < len(text) and shown < len(group):
            shown += not text[end].isspace()
            end += 1
        if shown < len(group):
            return [whole]  # (the text does not hold the characters one by one)
        pieces.append(
            (
                text[at:end].strip(),
                min(c["x0"] for c in group),
                min(c["top"] for c in group),
                max(c["x1"] for c in group),
                max(c["bottom"] for c in group),
            )
        )
        start, at = cut, end
    return pieces


def _reaches_past(chars: list[dict], width: float) -> bool:
    """Do the characters reach past the paper's side edge?"""
    return any(char["x1"] > width or char["x0"] < 0 for char in chars)

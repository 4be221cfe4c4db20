"""Which columns of a side repeat its host's title columns (a sheet's print title columns,
one or two, printed again at the left of each strip): column by column, a cell that repeats
the host's text in the same rows, or the host's cell merged over, or its last characters
drawn beside (side_hosts.py says which part a side is of, side_join.py puts it beside)."""

from __future__ import annotations

from extractors.tables import TablePart

ROW_TOLERANCE = 0.75  # points: row lines this close are one line on both pages


def repeated_columns_end(
    host: TablePart, side: TablePart, title_width: float | None = None
) -> float:
    """Where the side's own columns start: after its first columns, as many as are the host's
    first columns again (a sheet's title columns printed on every page, `A:A` or `A:B`), else
    at its left edge."""
    end = side.bbox[0]
    while True:
        column = _column_at(side, end)
        if column is None:
            return end
        width, cells = column
        if end > side.bbox[0] and end + width >= side.bbox[2] - ROW_TOLERANCE:
            return end  # (a side keeps a column of its own)
        if not _repeats_host_column(host, side, end - side.bbox[0], width, cells, title_width):
            return end
        end += width


def _repeats_host_column(
    host: TablePart,
    side: TablePart,
    offset: float,
    width: float,
    cells: list[tuple[float, float, str]],
    title_width: float | None,
) -> bool:
    """Is the side's column `offset` from its left edge (`width` wide, its `cells`) the host's
    column there again: a column line of the host at the same place, each cell's text the
    host's there, two at least, or none where another strip of the sheet showed title columns
    reaching there?"""
    left = host.bbox[0] + offset
    line = left + width
    ends_known = title_width is not None and abs(title_width - offset - width) <= ROW_TOLERANCE
    if not ends_known and not any(abs(box[2] - line) <= ROW_TOLERANCE for box in host.boxes):
        return False  # (where the title columns' end is known, the host's cells there may
        # all be merged on past it)
    over = [
        offset > ROW_TOLERANCE
        and host_text_at(host, top, bottom, left) == "\0"
        and _merged_over(host, left, top, bottom)
        for top, bottom, _ in cells
    ]
    shown = [t for (_, _, t), o in zip(cells, over, strict=True) if t.strip() and not o] + [
        t
        for top, bottom, t in cells
        if not t.strip() and _drawn_beside(host, side, offset + width, top, bottom, left)
    ]
    same = all(
        not text.strip()
        or o
        or within(host_text_at(host, top, bottom, left), text)
        or _spilt(text, host_text_at(host, top, bottom, left))
        or _last_chars_beside(
            text,
            host_text_at(host, top, bottom, left),
            _text_beside(side, side.bbox[0] + offset + width, top),
        )
        for (top, bottom, text), o in zip(cells, over, strict=True)
    )  # the host's text, among other cells' text clipped away behind the repeat (or none:
    # the host's text stands beyond the column, in a cell merged on over the next ones; or
    # the host's cell there runs on from the title column before: its text is that column's,
    # and what this one shows is another's, drawn over it)
    known = title_width is not None and offset + width <= title_width + ROW_TOLERANCE
    return same and (len(shown) >= 2 or known)


def _merged_over(host: TablePart, x: float, top: float, bottom: float) -> bool:
    """Does a cell of the host in these rows run on over `x` (merged over a column line)?"""
    return any(
        box[0] < x - ROW_TOLERANCE < x + ROW_TOLERANCE < box[2]
        and abs(box[1] - top) <= ROW_TOLERANCE
        and abs(box[3] - bottom) <= ROW_TOLERANCE
        for box in host.boxes
    )


def _drawn_beside(
    host: TablePart, side: TablePart, width: float, top: float, bottom: float, left: float
) -> bool:
    """Does the side's cell right of its title column (ending `width` from its left edge) in
    these rows hold the host's text of that column (its cell at `left`) there, in order (a
    label centred over a merged cell wider than the column, clipped: all of it drawn past the
    column's edge)?"""
    host_text = "".join(host_text_at(host, top, bottom, left).split())
    if host_text in ("", "\0"):
        return False
    offset = side.bbox[0] + width
    return any(
        abs(box[0] - offset) <= ROW_TOLERANCE
        and abs(box[1] - top) <= ROW_TOLERANCE
        and abs(box[3] - bottom) <= ROW_TOLERANCE
        and within(host_text, text)
        for box, text in zip(side.boxes, side.texts, strict=True)
    )


LAST_CHARS = 2  # at most this many of a title cell's characters read into the next cell


def _last_chars_beside(text: str, host_text: str, beside: str) -> bool:
    """Is the text the host's among another's, its last character or two read at the head of
    the next cell (a cell of the strip merged back over the title column draws its text under
    the repeated label, the two interleaved: a label's last character run together with the
    character after it, a word across the column's rule)?"""
    whole, head = "".join(host_text.split()), "".join(beside.split())
    for lost in range(1, LAST_CHARS + 1):
        kept = whole[:-lost]
        if len(kept) >= 2 and within(kept, text) and head.startswith(whole[-lost:]):
            return True
    return False


def _text_beside(side: TablePart, edge: float, top: float) -> str:
    """The text of the side's cell starting at `edge` (its title column's right edge) in the
    row from `top` ("" if none)."""
    for box, text in zip(side.boxes, side.texts, strict=True):
        if abs(box[0] - edge) <= ROW_TOLERANCE and abs(box[1] - top) <= ROW_TOLERANCE:
            return text
    return ""


def _spilt(text: str, host_text: str) -> bool:
    """Is the text the host's cut short where it ran on past the title column, with the start
    of the next cell's text run in (a label centred over a merged cell, clipped): the host's
    text for at least half of it from its start?"""
    mine, theirs = "".join(text.split()), "".join(host_text.split())
    common = 0
    while common < min(len(mine), len(theirs)) and mine[common] == theirs[common]:
        common += 1
    return common >= 2 and 2 * common >= len(mine)


def host_text_at(host: TablePart, top: float, bottom: float, left: float | None = None) -> str:
    """The text of the host's cell at its left edge (or at `left`) over these rows ("\0" if
    none)."""
    left = host.bbox[0] if left is None else left
    for box, text in zip(host.boxes, host.texts, strict=True):
        if (
            abs(box[0] - left) <= ROW_TOLERANCE
            and abs(box[1] - top) <= ROW_TOLERANCE
            and abs(box[3] - bottom) <= ROW_TOLERANCE
        ):
            return text
    return "\0"


def _column_at(part: TablePart, x: float) -> tuple[float, list[tuple[float, float, str]]] | None:
    """The width of the part's column starting at `x` (its narrowest cell starting there) and
    the cells (top, bottom, text) of that width there (a wider one runs on into the next
    columns)."""
    left = [
        (box, text)
        for box, text in zip(part.boxes, part.texts, strict=True)
        if abs(box[0] - x) <= ROW_TOLERANCE
    ]
    if not left:
        return None
    width = min(box[2] - box[0] for box, _ in left)
    return width, [
        (box[1], box[3], text) for box, text in left if box[2] - box[0] <= width + ROW_TOLERANCE
    ]


def within(part: str, whole: str) -> bool:
    """Are `part`'s characters `whole`'s, in order (the pieces of its lines one page kept)?"""
    rest = iter("".join(whole.split()))
    return all(char in rest for char in "".join(part.split()))

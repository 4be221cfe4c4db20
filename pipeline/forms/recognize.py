"""Form recognition: find each form's title in a document and gather its tables and lines."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from extractors import Document, Grid, TextLine, fill_covered_slots
from pipeline.definitions import Catalog
from pipeline.forms.kind import Kind, evidence_to_kind, gather_evidence
from pipeline.forms.mapping.footer import footer_items_in, footer_lead
from pipeline.forms.normalize import label_key, normalize_label, strip_pinyin, to_simplified
from pipeline.forms.pieces import (
    body_labels,
    naming_labels,
    opens_with_head,
    rows_of,
    split_at_heads,
)
from pipeline.forms.titles import tail_keys, tailless_match
from pipeline.model import FormInstance

_YEAR = re.compile(r"(\d{4})\s*年")
# A title line is short: the title words plus a year, 附件N and the like. A sentence in a report
# that merely mentions a form's name is longer than this.
_TITLE_SLACK = 16
_GENERIC_LENGTH = 40
_WRAPPED_TAIL = 12  # characters: the end of a title the page wrapped onto the next line
_HEADER_ROWS = 16  # rows of a table looked through for its column headers
_RECENT_LINES = 3
_SPLIT_TITLE_CELLS = 3  # a title split over more cells than this is a row of something else


_NOTE = re.compile(r"^\s*(说明|备注|注)\s*[:：\d（(一1]")
_NARRATIVE = 60  # a line this long (white space aside) that is no note or footer is narrative


@dataclass
class _Open:
    form: str | None  # None: a generic title, the form told by the first table's head
    title: str
    title_line: TextLine | None
    grids: list[Grid] = field(default_factory=list)
    before: list[TextLine] = field(default_factory=list)
    after: list[TextLine] = field(default_factory=list)
    lead: list[TextLine] = field(default_factory=list)  # its footer lines above its title
    closed: bool = False  # narrative came after the table: later tables are not this form's
    lines_since_grid: int = 0
    kind: Kind | None = None  # the kind its evidence gave, once its first table is seen


_SENTENCE = re.compile(r"[，。；！？,;!?]")
_TITLE_TAIL = re.compile(r"[\s（）()\d年度]*$")


def title_to_form(text: str, catalog: Catalog) -> str | None:
    """The form a title line names, or None when the line is not a form title. A page title
    may put the unit and project before the form's name (`博峰县农业农村局…资金2023年度项目支出
    绩效自评表`); a sentence that merely mentions a form is longer, or goes on after the name."""
    form = catalog.form_for_title(text)
    if form is None or collection_title(text, catalog):
        return None
    key = label_key(text)
    longest = max(len(label_key(t)) for t in catalog.forms[form].titles)
    if len(key) <= longest + _TITLE_SLACK:
        return form
    tails = tail_keys(catalog.vocabulary.title_tails)
    ends_with_title = any(
        _TITLE_TAIL.sub("", key).endswith(label_key(t)) or tailless_match(key, label_key(t), tails)
        for t in catalog.forms[form].titles
    )
    return form if ends_with_title and not _SENTENCE.search(text) else None


def collection_title(text: str, catalog: Catalog) -> bool:
    """A heading over several forms (`瓯澜市2024年度项目支出及转移支付绩效自评表汇编`, printed
    again at the top of each page as a sheet's title rows, a line under it perhaps run into
    it): no form's title."""
    key = label_key(text)
    return any(f"表{label_key(w)}" in key for w in catalog.vocabulary.collection_titles)


def generic_title(text: str, catalog: Catalog) -> bool:
    """A short title naming no form, only `…绩效自评表` (`就业补助资金绩效自评表`): the form is
    told by its head rows."""
    if collection_title(text, catalog):
        return False
    key = label_key(text)
    words = catalog.vocabulary.generic_titles
    return (
        len(key) <= _GENERIC_LENGTH
        and not _SENTENCE.search(text)
        and any(label_key(w) in _TITLE_TAIL.sub("", key)[-len(label_key(w)) - 2 :] for w in words)
    )


def title_to_year(text: str) -> int | None:
    """`2024年度部门整体支出绩效自评表` → 2024."""
    match = _YEAR.search(text)
    return int(match.group(1)) if match else None


def _year_below_title(lines: list[TextLine]) -> int | None:
    """`(2024年度)` on the line under a title that has no year of its own."""
    for line in lines[:2]:
        if len(label_key(line.text)) <= 12 and (year := title_to_year(line.text)):
            return year
    return None


def _title_in_grid(grid: Grid, catalog: Catalog) -> str | None:
    """Some forms carry their title in the table's first row (a generic one, too: the head
    rows under it then tell the form)."""
    if grid.n_rows == 0:
        return None
    first_row = {id(c): c for c in fill_covered_slots(grid)[0] if c is not None}
    texts = [c.text for c in first_row.values() if c.text.strip()]
    for text in texts:
        if title_to_form(text, catalog):
            return text
    # a generic title only as the row's one text (項目名稱 | …支出績效自評表 is a value)
    if len(texts) == 1 and generic_title(texts[0], catalog):
        return texts[0]
    # a title split over the row's cells (`2023年度项目支出` | `绩效自评表`), the row nothing else
    joined = "".join(t.strip() for t in texts)
    labels = body_labels(catalog) | naming_labels(catalog)
    if (
        1 < len(texts) <= _SPLIT_TITLE_CELLS
        and not any(label_key(normalize_label(t).text) in labels for t in texts)
        and title_to_form(joined, catalog)
    ):
        return joined
    return None


def _is_narrative(line: TextLine, catalog: Catalog) -> bool:
    """A report's own prose: long, and neither a note under a form nor its footer line (a
    pinyin reading after each character is not counted)."""
    text = to_simplified(strip_pinyin("".join(line.text.split())))
    if len(text) < _NARRATIVE or _NOTE.match(text):
        return False
    footer_words = (w for i in catalog.vocabulary.footer_items for w in (i.item, *i.synonyms))
    return not any(f"{w}：" in text or f"{w}:" in text for w in footer_words)


def _starts_like_a_form(grid: Grid, catalog: Catalog) -> bool:
    """Does the table open with column headers the vocabulary knows (a form continued in a
    second table, its header row repeated)?"""
    known = catalog.vocabulary.header_index()
    roles = {label_key(w) for words in catalog.vocabulary.roles.values() for w in words}
    matrix = fill_covered_slots(grid)
    for row in matrix[:2]:
        keys = {label_key(c.text) for c in {id(c): c for c in row if c}.values()}
        if len([k for k in keys if k in known or k in roles]) >= 2:
            return True
    return False


_EVALUATED = ("actual", "executed", "score", "execution_rate")


def untitled_form(
    grid: Grid, catalog: Catalog, recent: list[TextLine], following: Grid | None = None
) -> str | None:
    """A form whose title was lost (a table pasted without it, the tail of a form whose head
    was on a page not published): its headers state what was achieved (实际完成值, 全年执行数,
    得分), no line above calls it something else (a 申报表, a 目标表), and its head names a
    form's head labels; a tail with no head is taken as the form of the table after it."""
    others = [label_key(w) for w in catalog.vocabulary.not_form_titles]
    if any(w in label_key(line.text) for line in recent for w in others):
        return None
    form = evidence_to_kind(gather_evidence("", grid), catalog).form
    if form is None and following is not None:
        form = evidence_to_kind(gather_evidence("", following), catalog).form
    if form is None:
        return None
    index = catalog.vocabulary.header_index()
    matrix = fill_covered_slots(grid)
    seen = {
        index.get(label_key(c.text)) for row in matrix[:_HEADER_ROWS] for c in row if c is not None
    }
    return form if len(seen & set(_EVALUATED)) >= 2 else None


def split_at_titles(blocks: list, catalog: Catalog) -> list:
    """A table holding several forms, each opened by a title row (`2024年度项目支出绩效自评表`
    alone in a row that no cell above runs across): one table per form, the title a line."""
    out: list = []
    for block in blocks:
        if not isinstance(block, Grid):
            out.append(block)
            continue
        matrix = fill_covered_slots(block)
        start = 0
        for r in range(1, block.n_rows):
            cells = {id(c): c for c in matrix[r] if c is not None}.values()
            texts = [c for c in cells if c.text.strip()]
            crossing = any(c.row < r for c in cells)
            if crossing or len(texts) != 1 or not title_to_form(texts[0].text, catalog):
                continue
            out.append(rows_of(block, start, r))
            out.append(TextLine(texts[0].text, texts[0].page, texts[0].bbox))
            start = r + 1
        out.append(block if start == 0 else rows_of(block, start, block.n_rows))
    return [b for b in out if not isinstance(b, Grid) or b.n_rows]


def join_wrapped_titles(blocks: tuple, catalog: Catalog) -> list:
    """A title the page wrapped (`…2023年度项目支出绩效自` + `评表`) as one line again."""
    out: list = []
    for block in blocks:
        previous = out[-1] if out else None
        if (
            isinstance(block, TextLine)
            and isinstance(previous, TextLine)
            and previous.page == block.page
            and not title_to_form(previous.text, catalog)
            and len(label_key(block.text)) <= _WRAPPED_TAIL
        ):
            joined = previous.text.rstrip() + block.text.strip()
            if title_to_form(joined, catalog):
                out[-1] = TextLine(joined, previous.page, previous.bbox, previous.confidence)
                continue
        out.append(block)
    return out


def _page_heading(
    line: TextLine, current: _Open | None, blocks: list, at: int, catalog: Catalog
) -> bool:
    """The open form's own title again, above a table that goes on with it (no head naming a
    new form, no title of its own): a page heading, not a new form."""
    if current is None or not current.grids or not current.title:
        return False
    if label_key(line.text) != label_key(current.title):
        return False
    following = _next_grid(blocks, at)
    if following is None or _title_in_grid(following, catalog) is not None:
        return False
    head = gather_evidence("", following).head
    return not opens_with_head(following, catalog) and not head & naming_labels(catalog)


def _next_grid(blocks: list, at: int) -> Grid | None:
    """The table right after block `at` (lines between aside), if any."""
    return next((b for b in blocks[at + 1 :] if isinstance(b, Grid)), None)


def _take_from_previous(lead: list[TextLine], opened: list[_Open]) -> None:
    """The lead lines are the next form's: no longer the form before's footer."""
    if lead and opened:
        opened[-1].after = [line for line in opened[-1].after if line not in lead]


def document_to_forms(document: Document, catalog: Catalog) -> list[FormInstance]:
    """Split a document into its forms, in document order, numbering each kind from 0.

    A form is its title line and the tables under it. In a longer report, prose after a
    form's table closes it: a later table belongs to the form only if it opens with the
    form's column headers (a form split into two tables); other tables are the report's own."""
    opened: list[_Open] = []
    current: _Open | None = None
    recent: list[TextLine] = []
    loose: list[TextLine] = []  # the lines since the last table
    above: frozenset[str] = frozenset()  # footer items the first form has above its title
    blocks = split_at_heads(
        split_at_titles(join_wrapped_titles(document.blocks, catalog), catalog), catalog
    )
    for at, block in enumerate(blocks):
        if isinstance(block, TextLine) and catalog.vocabulary.is_page_mark(block.text):
            continue  # a page's number between a form's tables: the form goes on
        if isinstance(block, TextLine) and _page_heading(block, current, blocks, at, catalog):
            continue  # the form's title printed again at the top of its next page
        if isinstance(block, TextLine):
            recent = [*recent[-(_RECENT_LINES - 1) :], block]
            form = title_to_form(block.text, catalog)
            if form is not None or generic_title(block.text, catalog):
                lead = footer_lead(loose, above if opened else None, catalog.vocabulary)
                above = above if opened else footer_items_in(lead, catalog.vocabulary)
                _take_from_previous(lead, opened)
                current = _Open(form=form, title=block.text, title_line=block, lead=lead)
                opened.append(current)
                loose = []
                continue
            loose.append(block)
            if current is not None and not current.grids:
                current.before.append(block)
            elif current is not None and not current.closed:
                if _is_narrative(block, catalog):
                    current.closed = True
                else:
                    current.after.append(block)
                    current.lines_since_grid += 1
            continue
        loose = []
        title = _title_in_grid(block, catalog)
        if title is not None:
            form = title_to_form(title, catalog)
            if current is None or current.grids or current.form != form:
                current = _Open(form=form, title=title, title_line=None)
                opened.append(current)
        elif (current is None or (current.grids and opens_with_head(block, catalog))) and (
            form := untitled_form(block, catalog, recent, _next_grid(blocks, at))
        ):
            current = _Open(form=form, title="", title_line=None)  # a table pasted without it
            current.kind = evidence_to_kind(gather_evidence("", block), catalog)
            if current.kind.form != form:  # a tail with no head: the form of the table after it
                current.kind = Kind(form, 0.0)
            opened.append(current)
        if current is None:
            continue
        if current.kind is None:
            current.kind = evidence_to_kind(gather_evidence(current.title, block), catalog)
            current.form = current.kind.form
            if current.form is None:  # a table under a generic title that is no form's
                opened.remove(current)
                current = None
                continue
        follows = not current.closed and current.lines_since_grid == 0
        if not current.grids or follows or _starts_like_a_form(block, catalog):
            current.grids.append(block)
            current.closed = False
            current.lines_since_grid = 0
    counters: dict[str, int] = {}
    instances = []
    for item in opened:
        if not item.grids:
            continue  # a title with no table under it (a table of contents, a narrative mention)
        seq = counters.get(item.form, 0)
        counters[item.form] = seq + 1
        instances.append(
            FormInstance(
                form=item.form,
                form_seq=seq,
                title=item.title.strip(),
                fiscal_year=title_to_year(item.title) or _year_below_title(item.before),
                grids=tuple(item.grids),
                lines_before=(*item.lead, *item.before),
                lines_after=tuple(item.after),
                title_line=item.title_line,
                rival=item.kind.rival if item.kind else None,
                kind_scores=(item.kind.score, item.kind.rival_score) if item.kind else None,
            )
        )
    return instances


def relabel_forms(
    forms: list[FormInstance], kinds: tuple[tuple[str, int, str], ...]
) -> tuple[list[FormInstance], tuple[tuple[str, int, str, int], ...]]:
    """The forms with an analyst's corrections of their kind: (kind read, form_seq read, kind
    it is) makes that form one of the other kind, numbered after the forms of that kind read
    as such (their form_seq, and so their record_ids, do not move). Also returns what was
    relabelled: (kind read, form_seq read, kind, new form_seq)."""
    wanted = {(kind, seq): new for kind, seq, new in kinds}
    if not wanted:
        return forms, ()
    counters: dict[str, int] = {}
    for form in forms:
        if (form.form, form.form_seq) not in wanted:
            counters[form.form] = max(counters.get(form.form, 0), form.form_seq + 1)
    out, done = [], []
    for form in forms:
        new = wanted.get((form.form, form.form_seq))
        if new is None or new == form.form:
            out.append(form)
            continue
        seq = counters.get(new, 0)
        counters[new] = seq + 1
        out.append(replace(form, form=new, form_seq=seq))
        done.append((form.form, form.form_seq, new, seq))
    return out, tuple(done)


MIN_TABLE_CELLS = 4  # cells with text: fewer is a seal's ring or a smudge read as a box


def scanned_pages_outside_forms(document: Document, forms: list[FormInstance]) -> list[int]:
    """The scanned pages with a table no form took in, and no form's table on them: a page
    whose title was lost (a phone photo's warp, a fold) and whose values so went unread."""
    in_forms = {page for form in forms for grid in form.grids for page in grid.pages}
    pages = set()
    for block in document.blocks:
        if isinstance(block, TextLine):
            continue
        scanned = [c for c in block.cells if c.text.strip() and c.confidence < 1.0]
        if len(scanned) >= MIN_TABLE_CELLS:
            pages.update(c.page for c in scanned if c.page is not None)
    return sorted(pages - in_forms)

"""Label–value rows: `市级预算部门名称 | 值`, `其中：一般公共预算：7745.72` in one cell, the head's
other rows by their own label (项目类别 | …), `自评总分(分) | 97.6`, the rows after the table
(评价结论 | …), and a funds header written as a label beside its value (`预算数(A) | 5.8万`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from extractors import Cell
from pipeline.forms.mapping.context import MapContext, Resolved, key_of
from pipeline.forms.mapping.headers import resolve_header
from pipeline.forms.normalize import normalize_label
from pipeline.model import Slot

_COLON = re.compile(r"[:：]")
_LEADING_QIZHONG = re.compile(r"^\s*其中\s*[:：]\s*")
_DIGIT = re.compile(r"\d")
PAIR_KINDS = ("label_value", "inline")


@dataclass(frozen=True)
class _Hit:
    at: int
    section: str
    item: str
    parent: str | None
    measure: str
    inline: str | None  # the value written after the label's colon, if any
    carries: str | None = None
    numeric: bool = True
    label: Cell | None = None  # a head label no definition names: the item is its own words


def split_inline(text: str) -> tuple[str, str | None]:
    """`其中：一般公共预算：7745.72` → (`一般公共预算`, `7745.72`); no colon → (text, None)."""
    rest = _LEADING_QIZHONG.sub("", text)
    match = _COLON.search(rest)
    if not match:
        return text, None
    return rest[: match.start()], rest[match.end() :]


def _hit_of(ctx: MapContext, resolved: Resolved, at: int, inline: str | None) -> _Hit | None:
    section = resolved.section
    if section.kind in PAIR_KINDS:
        measure = section.measure or "value"
    elif section.pair_measure and ctx.state.in_head:  # 自评总分(分) | 97.6 in the head
        measure = section.pair_measure
    else:
        return None
    return _Hit(
        at,
        section.section,
        resolved.item.item,
        resolved.item.parent,
        measure,
        inline,
        resolved.item.carries,
        ctx.numeric(measure),
    )


def cell_to_hit(ctx: MapContext, cell: Cell, at: int) -> _Hit | None:
    """The label-value item a cell names, with the value after its colon if it has one."""
    label, value = split_inline(cell.text)
    kinds = (*PAIR_KINDS, "columns")
    if value is not None:
        resolved = ctx.resolve(label, kinds)
        if resolved is not None and (hit := _hit_of(ctx, resolved, at, value)):
            return hit
    resolved = ctx.resolve(cell.text, kinds)
    return _hit_of(ctx, resolved, at, None) if resolved is not None else None


def _head_hit(ctx: MapContext, cell: Cell, at: int, has_next: bool) -> _Hit | None:
    """In the head, a row label no definition names is a header item by its own label."""
    header = next(
        (s for s in ctx.definition.sections if s.open_items and s.kind in PAIR_KINDS), None
    )
    if header is None or not ctx.state.in_head:
        return None
    label, value = split_inline(cell.text)
    if value is not None and label.strip() and (value.strip() or not has_next):
        text = normalize_label(label).text
    elif has_next and cell.text.strip() and not _DIGIT.search(cell.text):
        text, value = normalize_label(cell.text).text, None
    else:
        return None
    if not text or ctx.is_block(text) or ctx.is_template(text):
        return None
    measure = header.measure or "value"
    return _Hit(at, header.section, text, None, measure, value, numeric=False, label=cell)


def label_value_row_to_slots(ctx: MapContext, own: list[Cell]) -> bool:
    """Rows of label | value pairs and `label：value` cells. False when the row has none."""
    hits: list[_Hit] = []
    grouped: set[int] = set()
    taken: set[int] = set()
    known = {i: cell_to_hit(ctx, cell, i) for i, cell in enumerate(own)}
    for i, cell in enumerate(own):
        if i in taken:
            continue
        if key_of(cell.text) in ctx.groups or key_of(split_inline(cell.text)[0]) in ctx.groups:
            grouped.add(i)  # 按收入性质分：(its own total, which the split's rows add up to)
            continue
        hit = known[i]
        blank_inline = hit is not None and hit.inline is not None and not hit.inline.strip()
        if blank_inline and i + 1 < len(own) and known.get(i + 1) is None:  # `项目名称: | 值`
            hit = replace(hit, inline=None)
        if hit is None:
            hit = _head_hit(ctx, cell, i, i + 1 < len(own)) if hits or i == 0 else None
        if hit is None:
            continue
        hits.append(hit)
        if hit.inline is None and i + 1 < len(own) and known.get(i + 1) is None:
            taken.add(i + 1)
    if not hits and not grouped:
        return False
    used = {h.at for h in hits} | grouped
    hit_at = {h.at for h in hits}
    for hit in hits:
        cell = own[hit.at]
        beside = hit.at + 1 < len(own) and hit.at + 1 not in hit_at and hit.at + 1 not in grouped
        if hit.inline is not None and (hit.inline.strip() or not beside):
            _emit(ctx, hit, hit.inline, cell)
        elif beside:
            used.add(hit.at + 1)
            _emit(ctx, hit, own[hit.at + 1].text, own[hit.at + 1])
        else:
            _emit(ctx, hit, "", cell)
    for i, cell in enumerate(own):
        if i not in used and cell.text.strip():
            ctx.unknown(cell.text, cell, "标签旁的单元格")
    return True


def _emit(ctx: MapContext, hit: _Hit, value: str, cell: Cell) -> None:
    ctx.emit(
        Slot(
            section=hit.section,
            item=hit.item,
            item_parent=hit.parent,
            measure=hit.measure,
            value_raw=value,
            default_unit=ctx.unit_for(hit.measure, None),
            numeric=hit.numeric,
            cell=cell,
            carries=hit.carries,
            rests_on=_inferred_item(hit.label),
        )
    )


INFERRED = 0.5  # the confidence of a scanned value whose item no definition names


def _inferred_item(label: Cell | None) -> float:
    """How sure a head value is of its item: a scanned label no definition names may as well
    be a piece of a name a broken grid cut off (a seal's ring read as a ruling line split
    `江城市 | 文化旅游广电局`), so its value is unsure; a text layer's is the form's own."""
    if label is not None and label.confidence < 1.0:
        return min(label.confidence, INFERRED)
    return 1.0


def measure_pairs_to_slots(ctx: MapContext, own: list[Cell]) -> bool:
    """`转移支付预算数(A) | 5.8万 | 预算执行率(B/A) | 100%`: funds headers written as labels,
    each beside its value, for the section's total row. False when the row is not such."""
    cells = [c for c in own if not ctx.is_block(c.text)]
    if len(cells) < 2 or len(cells) % 2:
        return False
    pairs = list(zip(cells[::2], cells[1::2], strict=True))
    meanings = [resolve_header(label.text, ctx.index).name for label, _ in pairs]
    values_known = [resolve_header(value.text, ctx.index).name for _, value in pairs]
    section = next(
        (
            s
            for s in ctx.definition.sections
            if s.kind == "columns" and s.total_item and all(m in s.measures for m in meanings)
        ),
        None,
    )
    if section is None or any(values_known) or not all(v.text.strip() for _, v in pairs):
        return False
    item = section.total_item
    assert item is not None
    for (_, value), measure in zip(pairs, meanings, strict=True):
        ctx.emit(
            Slot(
                section=section.section,
                item=item.item,
                item_parent=item.parent,
                measure=measure,
                value_raw=value.text,
                default_unit=ctx.unit_for(measure, None),
                numeric=ctx.numeric(measure),
                cell=value,
            )
        )
    return True


def lines_cells_to_slots(ctx: MapContext, own: list[Cell]) -> list[Cell]:
    """A row's cell of `label：value` funds lines among other cells (a checklist's 预算执行情况
    row, its explanation and papers beside it): the lines as the funds' total row, the row's
    other cells left to be read as its own."""
    kept = []
    for cell in own:
        if cell.text.count("\n") and len(own) > 1 and measure_lines_to_slots(ctx, [cell]):
            continue
        kept.append(cell)
    return kept


def measure_lines_to_slots(ctx: MapContext, own: list[Cell]) -> bool:
    """`全年预算数：320万元` / `全年执行数：300万元` / `执行率：93.75%`: the funds written as
    `label：value` lines inside one cell (beside a block label), each line a measure of the
    section's total row; a line whose label is no measure is a finding. False when no cell of
    the row is such."""
    cells = [c for c in own if not ctx.is_block(c.text) and c.text.strip()]
    if len(cells) != 1:
        return False
    lines = [line for line in cells[0].text.splitlines() if line.strip()]
    parts = [split_inline(line) for line in lines]
    if len(lines) < 2 or any(value is None for _, value in parts):
        return False
    meanings = [resolve_header(label, ctx.index).name for label, _ in parts]
    section = next(
        (
            s
            for s in ctx.definition.sections
            if s.kind == "columns" and s.total_item and sum(m in s.measures for m in meanings) >= 2
        ),
        None,
    )
    if section is None:
        return False
    item = section.total_item
    assert item is not None
    for (label, value), measure in zip(parts, meanings, strict=True):
        if measure not in section.measures:
            ctx.unknown(label, cells[0], "“名称：金额”形式的资金行")
            continue
        ctx.emit(
            Slot(
                section=section.section,
                item=item.item,
                item_parent=item.parent,
                measure=measure,
                value_raw=(value or "").strip(),
                default_unit=ctx.unit_for(measure, None),
                numeric=ctx.numeric(measure),
                cell=cells[0],
            )
        )
    return True

"""Mapping: turn a recognised form's grids and lines into value slots, driven by its definition.

The mapping reads a grid row by row, the way a person reads the form:
- a row of column headers (年初预算数, 全年预算数 …) names the measures of the columns below it,
  and the section they belong to; its label cells may name the section's item, a block label or
  the table's money unit (`（万元）`);
- a row holding a label of a label-value or inline section (市级预算部门名称 | 值,
  `其中：一般公共预算：7745.72`) gives those values;
- any other row is a data row of the active column section: its label names the item, each
  value cell is assigned to the header column it overlaps most.
Labels are matched through the definition's synonyms; a label or header no definition knows is
reported as an `unknown_header` finding, and its values are still kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from extractors import Cell, Grid, TextLine, fill_covered_slots

from .definitions import Catalog, FormDef, ItemDef, SectionDef, Vocabulary
from .model import Finding, FormInstance, Slot
from .normalize import label_key, normalize_label, split_year, strip_note, strip_text

_COLON = re.compile(r"[:：]")
_LEADING_QIZHONG = re.compile(r"^\s*其中\s*[:：]\s*")
_INDICATOR_ROLES = ("level1", "level2", "item")
MAX_WRAPPED_REMAINDER = 20  # characters: more than this under a footer line is a paragraph


@dataclass(frozen=True)
class _Column:
    c0: int
    c1: int  # exclusive
    name: str  # a measure, a role (level1/level2/item) or an unknown header's label
    known: bool = True


@dataclass
class _ColumnMap:
    """What a header row says about the rows below it."""

    section: SectionDef
    columns: list[_Column]
    boundary: int  # first column of values; labels stand left of it
    default_item: ItemDef | None = None
    money_unit: str | None = None
    column_units: dict[str, str] = field(default_factory=dict)

    def role(self, name: str) -> _Column | None:
        return next((c for c in self.columns if c.name == name), None)


@dataclass(frozen=True)
class _Resolved:
    section: SectionDef
    item: ItemDef


class FormMapper:
    """Maps one form instance to slots and findings. One mapper per form instance."""

    def __init__(self, form: FormInstance, definition: FormDef, vocabulary: Vocabulary) -> None:
        self.instance = form
        self.definition = definition
        self.vocabulary = vocabulary
        self.headers = vocabulary.header_index()
        self.roles = {label_key(w): role for role, words in vocabulary.roles.items() for w in words}
        self.labels: dict[str, _Resolved] = {}
        self.groups: dict[str, SectionDef] = {}
        self.blocks: dict[str, SectionDef] = {}
        for section in definition.sections:
            for item in section.items:
                for word in (item.item, *item.synonyms):
                    self.labels[_key(word)] = _Resolved(section, item)
            for word in section.groups:
                self.groups[_key(word)] = section
            for word in (*section.blocks, *section.anchors):
                self.blocks[_key(word)] = section
        self.templates = [re.compile(p) for p in vocabulary.template_labels]
        self.money_unit = _declared_money_unit(form.lines_before, vocabulary)
        self.slots: list[Slot] = []
        self.findings: list[Finding] = []
        self.active: _ColumnMap | None = None
        self.open_parent: ItemDef | None = None
        self.level1: str | None = None
        self.level2: str | None = None
        self.seen_groups: set[int] = set()
        self.last_row: dict[str, int] = {}  # measure → index in self.slots, of the last data row
        self.last_row_page: int | None = None

    # ---------------------------------------------------------------- entry point

    def map(self) -> tuple[list[Slot], list[Finding]]:
        for grid in self.instance.grids:
            self.grid_to_slots(grid)
        self.lines_to_footer(self.instance.lines_after)
        return self.slots, self.findings

    def grid_to_slots(self, grid: Grid) -> None:
        matrix = fill_covered_slots(grid)
        for r, row in enumerate(matrix):
            cells = _distinct(row)
            own = [c for c in cells if c.row == r]
            if not own or self.title_or_unit_row(own):
                continue
            header = self.header_row_to_map(own, cells, r)
            if header is not None:
                self.active = header
                self.open_parent = None
                continue
            if self.indicator_row(row) is None and self.label_value_row_to_slots(own):
                continue
            if self.active is not None:
                self.data_row_to_slots(r, row, own)
            else:
                for cell in own:
                    self._unknown(cell.text, cell, "a row before any column header")

    def title_or_unit_row(self, own: list[Cell]) -> bool:
        """A first row holding the form's title, or a row that only says `单位：万元`."""
        texts = [c.text for c in own if c.text.strip()]
        if len(texts) != 1:
            return False
        key = label_key(texts[0])
        if any(label_key(title) in key for title in self.definition.titles):
            return True
        unit = _declared_money_unit((TextLine(texts[0]),), self.vocabulary)
        if unit is not None:
            self.money_unit = unit
            return True
        return False

    # ---------------------------------------------------------------- header rows

    def resolve_header(self, text: str) -> tuple[str | None, int | None, str | None]:
        """A header cell's measure or role, the year written in it, and its bracketed note."""
        key = label_key(text)
        year, rest = split_year(key)
        base, note = strip_note(rest)
        for candidate in (key, rest, base):
            if candidate in self.headers:
                return self.headers[candidate], year, note
            if candidate in self.roles:
                return self.roles[candidate], year, note
        return None, year, note

    def header_row_to_map(self, own: list[Cell], cells: list[Cell], r: int) -> _ColumnMap | None:
        resolved = [(cell, *self.resolve_header(cell.text)) for cell in own if cell.text.strip()]
        names = {name for _, name, _, _ in resolved if name}
        best: tuple[int, SectionDef] | None = None
        for section in self.definition.sections:
            if section.kind not in ("columns", "indicators"):
                continue
            wanted = set(section.measures)
            if section.kind == "indicators":
                wanted |= set(_INDICATOR_ROLES)
            score = len(names & wanted)
            if score >= 2 and (best is None or score > best[0]):
                best = (score, section)
        if best is None:
            return None
        section = best[1]
        wanted = set(section.measures) | (
            set(_INDICATOR_ROLES) if section.kind == "indicators" else set()
        )
        years = [y for _, name, y, _ in resolved if name and y is not None]
        columns: list[_Column] = []
        units: dict[str, str] = {}
        value_cols = [
            cell.col
            for cell, name, _, _ in resolved
            if name in wanted and name not in self.roles.values()
        ]
        boundary = min(value_cols) if value_cols else 0
        cm = _ColumnMap(section=section, columns=columns, boundary=boundary, column_units=units)
        for cell, name, year, note in resolved:
            if name in wanted:
                name = self._year_role(name, year, years)
                columns.append(_Column(cell.col, cell.col + cell.colspan, name))
                if note and self._unit_word(note):
                    units[name] = self._unit_word(note)
            elif cell.col < boundary:
                self._header_label(cell, cm)
            else:
                label = normalize_label(cell.text).text
                columns.append(_Column(cell.col, cell.col + cell.colspan, label, known=False))
                self._unknown(cell.text, cell, f"a column header of {section.section}")
        # A block label merged down from an earlier row (年度预算申请) may declare the unit too.
        for cell in cells:
            if cell.row != r and cell.col < boundary:
                self._header_label(cell, cm, report=False)
        return cm

    def _year_role(self, measure: str, year: int | None, years: list[int]) -> str:
        """`2023年决算数` on a 2024 form is the prior year's final figure."""
        spec = self.vocabulary.measures.get(measure)
        prior = spec.prior_year if spec else None
        if not prior or year is None:
            return measure
        fiscal = self.instance.fiscal_year
        if fiscal is not None:
            return prior if year < fiscal else measure
        return prior if year < max(years) else measure

    def _header_label(self, cell: Cell, cm: _ColumnMap, report: bool = True) -> None:
        """A label cell of a header row: the section's item, a block label or anchor, or unknown."""
        if not cell.text.strip():
            return
        label = normalize_label(cell.text)
        unit = self._unit_word(label.note) if label.note else None
        key = _key(label.text)
        resolved = self.labels.get(key)
        if resolved is not None and resolved.section is cm.section:
            cm.default_item = resolved.item
        elif resolved is not None or self._is_block(key):
            pass
        elif report:
            self._unknown(cell.text, cell, f"a label in the header of {cm.section.section}")
        if unit in ("万元", "元"):
            cm.money_unit = unit

    def _is_block(self, key: str) -> bool:
        """A block label, or a piece of one cut by a page break (`绩效` of `绩效指标`)."""
        return key in self.blocks or (
            len(key) >= 2
            and any(block.startswith(key) or block.endswith(key) for block in self.blocks)
        )

    def _unit_word(self, note: str | None) -> str | None:
        if not note:
            return None
        parsed = self.vocabulary.parser.parse(f"1{note}", None)
        return parsed.value_unit if parsed.value_num == 1 else None

    # ---------------------------------------------------------------- label-value rows

    def label_value_row_to_slots(self, own: list[Cell]) -> bool:
        """Rows of label | value pairs and `label：value` cells. False when the row has none."""
        hits: list[tuple[int, _Resolved, str | None]] = []
        grouped: set[int] = set()
        for i, cell in enumerate(own):
            key = _key(normalize_label(cell.text).text)
            if key in self.groups:
                grouped.add(i)
                continue
            label, value = _split_inline(cell.text)
            if value is not None:  # `label：value`, the value part possibly blank
                resolved = self.labels.get(_key(label))
                if resolved is not None and resolved.section.kind in ("label_value", "inline"):
                    hits.append((i, resolved, value))
                    continue
            resolved = self.labels.get(key)
            if resolved is not None and resolved.section.kind in ("label_value", "inline"):
                hits.append((i, resolved, None))
        if not hits and not grouped:
            return False
        used = {i for i, _, _ in hits} | grouped
        hit_at = {i for i, _, _ in hits}
        for i, resolved, inline in hits:
            cell = own[i]
            beside = i + 1 < len(own) and i + 1 not in hit_at and i + 1 not in grouped
            if inline is not None and (inline.strip() or not beside):
                self._emit_label_value(resolved, inline, cell)
            elif beside:
                used.add(i + 1)
                self._emit_label_value(resolved, own[i + 1].text, own[i + 1])
            else:
                self._emit_label_value(resolved, "", cell)
        for i, cell in enumerate(own):
            if i not in used and cell.text.strip():
                self._unknown(cell.text, cell, "a cell beside labels")
        return True

    def _emit_label_value(self, resolved: _Resolved, value: str, cell: Cell) -> None:
        section = resolved.section
        measure = section.measure or "value"
        spec = self.vocabulary.measures[measure]
        self.slots.append(
            Slot(
                section=section.section,
                item=resolved.item.item,
                item_parent=resolved.item.parent,
                measure=measure,
                value_raw=value,
                default_unit=self._unit_for(measure, None),
                numeric=spec.numeric,
                cell=cell,
                carries=resolved.item.carries,
            )
        )

    # ---------------------------------------------------------------- data rows

    def indicator_row(self, row: list[Cell | None]) -> Cell | None:
        """The 三级指标 cell when this is an indicator row under indicator headers, else None
        (a row whose label spans the level columns, such as 总分, is not one)."""
        cm = self.active
        if cm is None or cm.section.kind != "indicators":
            return None
        item_col, level1_col = cm.role("item"), cm.role("level1")
        if item_col is None or row[item_col.c0] is None:
            return None
        item_cell = row[item_col.c0]
        if level1_col is not None and item_cell.col <= level1_col.c0:
            return None
        return item_cell

    def data_row_to_slots(self, r: int, row: list[Cell | None], own: list[Cell]) -> None:
        cm = self.active
        assert cm is not None
        item_cell = self.indicator_row(row)
        if item_cell is not None:
            self.indicator_row_to_slots(r, row, own, item_cell)
            return
        label_cells = _distinct([c for c in row[: cm.boundary] if c is not None])
        label_text = ""
        for cell in reversed(label_cells):
            text = normalize_label(cell.text).text
            if text and not self._is_block(_key(text)):
                label_text = text
                break
        if self._is_template(label_text):
            return
        values = [c for c in own if c.col >= cm.boundary]
        if not label_text and self._continue_last_row(values, cm):
            return
        section, item, parent = self._resolve_row_label(label_text, cm, values)
        if section is None:
            return
        self._values_to_slots(values, cm, section, item, parent)

    def _resolve_row_label(
        self, label: str, cm: _ColumnMap, values: list[Cell]
    ) -> tuple[SectionDef | None, str, str | None]:
        if not label:
            if cm.default_item is not None:
                return cm.section, cm.default_item.item, cm.default_item.parent
            if any(c.text.strip() for c in values):
                self._unknown("", values[0], f"values with no row label in {cm.section.section}")
                return cm.section, "", None
            return None, "", None
        resolved = self.labels.get(_key(label))
        if resolved is not None and resolved.section.kind in ("columns", "indicators"):
            self.open_parent = resolved.item if resolved.item.open_children else None
            return resolved.section, resolved.item.item, resolved.item.parent
        if self.open_parent is not None:
            return cm.section, label, self.open_parent.item
        self._unknown(label, values[0] if values else None, f"a row label in {cm.section.section}")
        return cm.section, label, None

    def _values_to_slots(
        self,
        values: list[Cell],
        cm: _ColumnMap,
        section: SectionDef,
        item: str,
        parent: str | None,
        level1: str | None = None,
        level2: str | None = None,
    ) -> None:
        assigned: list[tuple[Cell, str]] = []
        taken: set[str] = set()
        for cell in values:
            column = _best_column(cell, cm.columns)
            if column is None or column.name in _INDICATOR_ROLES or column.name in taken:
                if cell.text.strip():
                    self._unknown(
                        cell.text, cell, f"a value outside any column of {section.section}"
                    )
                continue
            if section is not cm.section and column.name not in section.measures:
                continue
            taken.add(column.name)
            assigned.append((cell, column.name))
        if section is not cm.section and not assigned:
            # A row of another section under these headers (总分 under the indicators): its
            # values in order, one per measure of its own section.
            filled = [c for c in values if c.text.strip()]
            assigned = list(zip(filled, section.measures, strict=False))
        self.last_row = {}
        for cell, measure in assigned:
            spec = self.vocabulary.measures.get(measure)
            self.last_row[measure] = len(self.slots)
            self.last_row_page = cell.page
            self.slots.append(
                Slot(
                    section=section.section,
                    item=item,
                    item_parent=parent,
                    level1=level1,
                    level2=level2,
                    measure=measure,
                    value_raw=cell.text,
                    default_unit=self._unit_for(measure, cm),
                    numeric=spec.numeric if spec else True,
                    cell=cell,
                )
            )

    def _continue_last_row(self, values: list[Cell], cm: _ColumnMap) -> bool:
        """A row cut by a page break goes on at the top of the next page with no label of its
        own: add its text to the slots of the row it continues."""
        pages = [c.page for c in values if c.page is not None]
        if not self.last_row or not pages or self.last_row_page is None:
            return False
        if min(pages) <= self.last_row_page:
            return False
        for cell in values:
            column = _best_column(cell, cm.columns)
            index = self.last_row.get(column.name) if column is not None else None
            if index is not None and cell.text.strip():
                slot = self.slots[index]
                self.slots[index] = replace(slot, value_raw=slot.value_raw + cell.text)
        self.last_row_page = min(pages)
        return True

    def indicator_row_to_slots(
        self, r: int, row: list[Cell | None], own: list[Cell], item_cell: Cell
    ) -> None:
        cm = self.active
        assert cm is not None
        level1 = self._level(row, cm.role("level1"), "level1")
        level2 = self._level(row, cm.role("level2"), "level2")
        item = normalize_label(item_cell.text).text if item_cell.row == r else ""
        values = [c for c in own if c.col >= cm.boundary and c is not item_cell]
        if self._is_template(item):
            return
        if not item and self._continue_last_row(values, cm):
            return
        if not item and not any(c.text.strip() for c in values):
            return
        if not item:
            self._unknown(
                "", values[0] if values else item_cell, "an indicator row with no 三级指标"
            )
        self._values_to_slots(values, cm, cm.section, item, None, level1, level2)

    def _level(self, row: list[Cell | None], column: _Column | None, which: str) -> str | None:
        """The 一级/二级指标 covering this row; a blank one continues the last (page breaks)."""
        if column is None or row[column.c0] is None:
            return getattr(self, which)
        cell = row[column.c0]
        label = normalize_label(cell.text)
        if not label.text:
            return getattr(self, which)
        setattr(self, which, label.text)
        if which == "level1" and id(cell) not in self.seen_groups:
            self.seen_groups.add(id(cell))
            self._emit_group(label.text, label.weight_raw, label.note, cell)
        if which == "level1":
            self.level2 = None
        return label.text

    def _emit_group(self, label: str, weight_raw: str | None, note: str | None, cell: Cell) -> None:
        assert self.active is not None
        section = self.active.section.group_section or "indicator_groups"
        self.slots.append(
            Slot(
                section=section,
                item=label,
                measure="weight",
                value_raw=weight_raw or "",
                parse_text=note if weight_raw else None,
                default_unit="分",
                cell=cell,
            )
        )

    # ---------------------------------------------------------------- footer

    def lines_to_footer(self, lines: tuple[TextLine, ...]) -> None:
        """`填表人：何琼    填报日期：2025.6.25 …` under a form: one slot per footer item."""
        words = {
            w: item for item in self.vocabulary.footer_items for w in (item.item, *item.synonyms)
        }
        pattern = re.compile(
            "(" + "|".join(sorted(map(re.escape, words), key=len, reverse=True)) + r")\s*[:：]"
        )
        seen: set[str] = set()
        previous: TextLine | None = None
        margin = max((ln.bbox.x1 for ln in lines if ln.bbox is not None), default=None)
        for line in lines:
            matches = list(pattern.finditer(line.text))
            if not matches and _wraps_on(previous, line, margin) and self.slots:
                # A footer line wrapped by the PDF layout: the last value goes on here.
                last = self.slots[-1]
                if last.section == "footer":
                    self.slots[-1] = replace(last, value_raw=last.value_raw + line.text.strip())
                previous = None
                continue
            previous = line if matches else None
            for i, match in enumerate(matches):
                item = words[match.group(1)]
                end = matches[i + 1].start() if i + 1 < len(matches) else len(line.text)
                if item.item in seen:
                    continue
                seen.add(item.item)
                self.slots.append(
                    Slot(
                        section="footer",
                        item=item.item,
                        measure="value",
                        value_raw=strip_text(line.text[match.end() : end]),
                        numeric=False,
                        is_date=item.date,
                        line=line,
                    )
                )

    # ---------------------------------------------------------------- helpers

    def _unit_for(self, measure: str, cm: _ColumnMap | None) -> str | None:
        spec = self.vocabulary.measures.get(measure)
        if spec is None or spec.unit is None:
            return None
        if cm is not None and measure in cm.column_units:
            return cm.column_units[measure]
        if spec.unit != "@money":
            return spec.unit
        if cm is not None and cm.money_unit:
            return cm.money_unit
        return self.money_unit or self.definition.money_unit

    def _is_template(self, label: str) -> bool:
        return bool(label) and any(p.match(label) for p in self.templates)

    def _unknown(self, text: str, cell: Cell | None, where: str) -> None:
        shown = strip_text(text) or "(blank)"
        self.findings.append(
            Finding(
                rule="unknown_header",
                severity="warning",
                message=f"unknown label {shown!r} in {where}",
                form=self.instance.form,
                form_seq=self.instance.form_seq,
                item=normalize_label(text).text or None,
                page=cell.page if cell is not None else None,
            )
        )


def _wraps_on(previous: TextLine | None, line: TextLine, right_margin: float | None) -> bool:
    """Does `line` continue `previous` right under it on the same page: a short remainder of a
    line that ran into the right margin (not the next paragraph)?"""
    if previous is None or previous.bbox is None or line.bbox is None or right_margin is None:
        return False
    height = previous.bbox.bottom - previous.bbox.top
    gap = line.bbox.top - previous.bbox.bottom
    reached_margin = previous.bbox.x1 >= right_margin - 2 * height
    short = len("".join(line.text.split())) <= MAX_WRAPPED_REMAINDER
    return line.page == previous.page and -1 <= gap < 0.8 * height and reached_margin and short


def _key(text: str) -> str:
    return label_key(normalize_label(text).text)


def _distinct(cells: list[Cell | None]) -> list[Cell]:
    seen: set[int] = set()
    out = []
    for cell in cells:
        if cell is not None and id(cell) not in seen:
            seen.add(id(cell))
            out.append(cell)
    return out


def _split_inline(text: str) -> tuple[str, str | None]:
    """`其中：一般公共预算：7745.72` → (`一般公共预算`, `7745.72`); no colon → (text, None)."""
    rest = _LEADING_QIZHONG.sub("", text)
    match = _COLON.search(rest)
    if not match:
        return text, None
    return rest[: match.start()], rest[match.end() :]


def _best_column(cell: Cell, columns: list[_Column]) -> _Column | None:
    """The header column this cell overlaps most."""
    best: tuple[int, _Column] | None = None
    for column in columns:
        overlap = min(cell.col + cell.colspan, column.c1) - max(cell.col, column.c0)
        if overlap > 0 and (best is None or overlap > best[0]):
            best = (overlap, column)
    return best[1] if best else None


def _declared_money_unit(lines: tuple[TextLine, ...], vocabulary: Vocabulary) -> str | None:
    """`单位：元` or `（万元）` on a line above a table (alone, or among other words)."""
    patterns = [re.compile(p) for p in vocabulary.money_unit_declarations]
    for line in lines:
        for part in (*re.split(r"\s{2,}", line.text.strip()), line.text):
            key = label_key(part)
            for pattern in patterns:
                match = pattern.search(key)
                if match:
                    return match.group("unit")
    return None


def form_to_slots(form: FormInstance, catalog: Catalog) -> tuple[list[Slot], list[Finding]]:
    """Map one recognised form to its value slots and the findings made on the way."""
    return FormMapper(form, catalog.forms[form.form], catalog.vocabulary).map()

"""The analyst's corrections applied to one file's rows, and the rules run again on them.

A file's rows come fresh from a reader, or kept from the last run, where they may carry the
last run's corrections: those are first undone from the last corrections table (what each
replaced is there), so a file's rows are always what the file says plus the corrections of
this run. A line is `applied`, `stale` (the file no longer says what it was written against:
its 原值, or what it said when the line was first applied), `not_found` or `invalid`.
`value_raw` is never touched.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pipeline.checks.rules import DOCUMENT_RULES, document_findings
from pipeline.corrections.audit import (
    VALUE_FIELDS,
    Previous,
    outcome,
    place_of,
    undo,
)
from pipeline.corrections.lines import FIELD_NAMES, CorrectionLine, Corrections, same_text
from pipeline.corrections.state import (
    STALE_RULE,
    FileState,
    form_place,
    joined,
    measure_word,
    reading_value,
    schema_problem,
    stale_finding,
)
from pipeline.definitions import Catalog
from pipeline.model import CorrectionRow, FindingRow
from pipeline.run.results import finding_row

Row = dict[str, Any]
# findings made from the values (rules) are made again on the corrected ones
REMADE_RULES = frozenset({r.rule for r in DOCUMENT_RULES} | {STALE_RULE})


class Applier:
    """Applies a run's corrections file by file, and lists what became of every line."""

    def __init__(
        self,
        corrections: Corrections,
        previous: Previous,
        catalog: Catalog,
        record_files: dict[str, str] | None = None,
    ) -> None:
        self.corrections = corrections
        self.previous = previous
        self.catalog = catalog
        self.record_files = record_files or {}  # record_id → source_path (last run's values)
        self.outcomes: dict[int, CorrectionRow] = {}
        seen: dict[tuple, int] = {}
        for line in corrections.lines:
            if line.problem:
                self.outcomes[line.line] = outcome(line, "invalid", line.problem)
            elif line.field == "form":
                key = (line.source_path, *line.kind_request[:2])
                if key in seen:
                    message = f"与第 {seen[key]} 行更正的是同一张表"
                    self.outcomes[line.line] = outcome(line, "invalid", message)
                seen.setdefault(key, line.line)
        self.refused = frozenset(self.outcomes)  # invalid as written: applied to no file

    def kind_requests(self) -> dict[str, frozenset[tuple[str, int, str]]]:
        """The form-kind corrections each file is to be read with."""
        out: dict[str, set[tuple[str, int, str]]] = {}
        for line in self._kind_lines():
            out.setdefault(line.source_path or "", set()).add(line.kind_request)
        return {rel: frozenset(requests) for rel, requests in out.items()}

    def _kind_lines(self) -> list[CorrectionLine]:
        return [
            line
            for line in self.corrections.lines
            if line.field == "form" and line.line not in self.outcomes
        ]

    def files(self) -> set[str]:
        """The files whose kept rows a re-run must go through: those the lines name, and those
        the last run's corrections touched (to undo them)."""
        named = {
            line.source_path or self.record_files.get(line.record_id or "")
            for line in self.corrections.lines
            if line.line not in self.refused
        }
        return ({n for n in named if n} | self.previous.files()) - {None}

    def may_touch(self, rel: str) -> bool:
        """Could a line apply to a file just read? (Cheap: no row looked at.)"""
        return any(
            line.source_path in (rel, None)
            for line in self.corrections.lines
            if line.line not in self.refused
        )

    def touches(self, rel: str, rows: list[Row]) -> bool:
        return bool(self._lines_for(rel, rows)) or any(r.get("correction_id") for r in rows)

    def _lines_for(self, rel: str, rows: list[Row]) -> list[CorrectionLine]:
        ids = {r["record_id"] for r in rows}
        return [
            line
            for line in self.corrections.lines
            if line.line not in self.refused
            and (line.source_path == rel or (line.source_path is None and line.record_id in ids))
        ]

    def apply(
        self,
        rel: str,
        rows: list[Row],
        findings: list[Row],
        relabelled: tuple[tuple[str, int, str, int], ...] | None = None,
    ) -> tuple[list[Row], list[FindingRow]]:
        """A file's values rows with this run's corrections, and its findings with the rules
        run again on them (the findings of reading kept as they were). `relabelled` says which
        form-kind corrections the reader applied (None: rows kept, read as the last run did)."""
        rows = [undo(r, self.previous.by_id) for r in rows]
        read = [dict(r) for r in rows]  # as the file says, for matching and staleness
        state = FileState(rel, rows, read)
        lines = self._lines_for(rel, rows)
        for line in sorted(lines, key=lambda ln: ln.line):
            if line.field == "form":
                self.outcomes[line.line] = self._apply_kind(line, state, relabelled)
        for line in sorted(lines, key=lambda ln: (ln.field == "value", ln.line)):
            if line.field != "form":
                self.outcomes[line.line] = self._apply_line(line, state)
        sure = {i for kind, *rest in state.taken for i in rest if kind == "value"}
        return rows, self._findings(rel, rows, findings, state.stale, sure)

    # ------------------------------------------------------------------ one line

    def _apply_kind(
        self,
        line: CorrectionLine,
        state: FileState,
        relabelled: tuple[tuple[str, int, str, int], ...] | None,
    ) -> CorrectionRow:
        """A form-kind line: the reader applied it (the file read now) or applied it last run
        (the file kept, read with the same lines): its rows are marked."""
        read_kind, read_seq, new = line.kind_request
        where = {"source_path": state.rel, "value_in_file": read_kind, "value_text": new}
        if relabelled is None:
            last = self.previous.kind_row(state.rel, line.kind_request)
            if last is None:
                return outcome(line, "not_found", f"文件 {state.rel} 中没有这张表", **where)
            if last["status"] == "stale":  # its finding is made again with the others
                state.stale.append((line, None, last["message"]))
            carried = ("value_before", "rows", "form", "form_seq", "value_expected")
            return outcome(
                line, last["status"], last["message"], **{k: last[k] for k in carried}, **where
            )
        done = {(k, s): (n, seq) for k, s, n, seq in relabelled}
        if (read_kind, read_seq) not in done:
            return self._unplaced(line, state, 0, **where)
        new_form, new_seq = done[(read_kind, read_seq)]
        changed = 0
        for i, row in enumerate(state.rows):
            if (row["form"], row["form_seq"]) == (new_form, new_seq):
                row["correction_id"] = joined(row["correction_id"], line.correction_id)
                state.read[i]["correction_id"] = row["correction_id"]
                changed += 1
        return outcome(line, "applied", None, value_before=read_kind, rows=changed, **where)

    def _apply_line(self, line: CorrectionLine, state: FileState) -> CorrectionRow:
        if line.field == "value":
            return self._apply_value(line, state)
        return self._apply_reading(line, state)

    def _apply_value(self, line: CorrectionLine, state: FileState) -> CorrectionRow:
        matches = state.value_rows(line)
        if len(matches) != 1:
            return self._unplaced(line, state, len(matches))
        index = matches[0]
        row, read = state.rows[index], state.read[index]
        place = place_of(read)
        if (earlier := state.taken.get(("value", index))) is not None:
            return outcome(line, "invalid", f"与第 {earlier} 行更正的是同一个值", **place)
        stale, expected = self._stale(line, read["value_raw"])
        place["value_expected"] = expected
        if stale:
            state.stale.append((line, read, stale))
            return outcome(line, "stale", stale, value_in_file=read["value_raw"], **place)
        parsed, problem = self._parsed(line.value, read)
        if problem is None:
            candidate = {**row, **parsed, "corrected": True}
            candidate["correction_id"] = joined(row["correction_id"], line.correction_id)
            problem = schema_problem(candidate)
        if problem is not None:
            return outcome(line, "invalid", problem, value_in_file=read["value_raw"], **place)
        before = {
            f"{k}_before" if k != "value_text" else "value_before": row[k] for k in VALUE_FIELDS
        }
        state.rows[index] = candidate
        state.taken[("value", index)] = line.line
        return outcome(
            line,
            "applied",
            None,
            value_in_file=read["value_raw"],
            rows=1,
            **place,
            **before,
            **parsed,
        )

    def _apply_reading(self, line: CorrectionLine, state: FileState) -> CorrectionRow:
        column = line.field
        forms = state.forms(line)
        if not forms:
            return self._unplaced(line, state, 0)
        read_values = {state.form_read(f, column) for f in forms}
        if len(read_values) > 1:
            return outcome(
                line,
                "invalid",
                f"文件中有 {len(forms)} 张表的{FIELD_NAMES[column]}不同，请写明表和表序号",
                source_path=state.rel,
            )
        in_file = next(iter(read_values))
        text_in_file = None if in_file is None else str(in_file)
        where = form_place(state, forms, column)
        key = (column, *sorted(forms)) if column != "unit" else (column,)
        if (earlier := state.taken.get(key)) is not None:
            return outcome(
                line,
                "invalid",
                f"与第 {earlier} 行更正的是同一处",
                value_in_file=text_in_file,
                **where,
            )
        stale, expected = self._stale(line, text_in_file)
        where["value_expected"] = expected
        if stale:
            first = next(i for i, r in enumerate(state.read) if (r["form"], r["form_seq"]) in forms)
            state.stale.append(
                (
                    line,
                    {
                        **state.read[first],
                        "section": None,
                        "item": None,
                        "measure": None,
                        "page": None,
                    },
                    stale,
                )
            )
            return outcome(line, "stale", stale, value_in_file=text_in_file, **where)
        new, problem = reading_value(column, line.value)
        if problem is not None:
            return outcome(line, "invalid", problem, value_in_file=text_in_file, **where)
        current = {state.rows[i][column] for i in state.rows_of(forms)}
        changed = 0
        for i in state.rows_of(forms):
            row = state.rows[i]
            state.rows[i] = {  # `corrected` stays: it says the value was corrected
                **row,
                column: new,
                "correction_id": joined(row["correction_id"], line.correction_id),
            }
            changed += 1
        state.taken[key] = line.line
        before = next(iter(current)) if len(current) == 1 else in_file
        return outcome(
            line,
            "applied",
            None,
            value_in_file=text_in_file,
            value_before=None if before is None else str(before),
            value_text=str(new),
            rows=changed,
            **where,
        )

    def _unplaced(
        self, line: CorrectionLine, state: FileState, found: int, **where: Any
    ) -> CorrectionRow:
        what = "值" if line.field == "value" else "表"
        where.setdefault("source_path", state.rel)
        if found > 1:
            return outcome(
                line,
                "invalid",
                f"文件中有 {found} 个{what}符合这一行，请写明 record_id（或表序号、部分、项目）",
                source_path=state.rel,
            )
        applied_before, _ = self.previous.pinned(line)
        if applied_before:
            message = f"文件已改动，其中已找不到这一行更正的{what}，更正未应用"
            state.stale.append((line, None, message))
            return outcome(line, "stale", message, **where)
        message = f"文件 {state.rel} 中没有这一行所指的{what}"
        return outcome(line, "not_found", message, **where)

    def _stale(self, line: CorrectionLine, in_file: str | None) -> tuple[str | None, str | None]:
        """Why the line no longer fits the file (None when it fits), and what it was written
        against: its 原值, else what the file said when it was first applied (now, the first
        time)."""
        applied_before, pinned = self.previous.pinned(line)
        if line.original is not None:
            expected = line.original
        else:
            expected = pinned if applied_before else in_file
        if self._same(expected, in_file):
            return None, expected
        return (
            f"文件中的值已由“{expected or '（空）'}”变为“{in_file or '（空）'}”，"
            f"这一更正是针对原来的值写的，未应用，请核对后重写"
        ), expected

    def _same(self, one: str | None, other: str | None) -> bool:
        """Do two values say the same (`96.5%` and `96.50%`, `3,040` and `3040.00`)?"""
        if same_text(one or "") == same_text(other or ""):
            return True
        parse = self.catalog.vocabulary.parser.parse
        a, b = parse(one or "", None), parse(other or "", None)
        return a.value_num is not None and (a.value_num, a.value_unit, a.comparator) == (
            b.value_num,
            b.value_unit,
            b.comparator,
        )

    def _parsed(self, text: str, read: Row) -> tuple[dict[str, Any], str | None]:
        """更正值 normalized as a read value of that measure would be, or why it cannot be."""
        spec = self.catalog.vocabulary.measures.get(read["measure"])
        numeric = spec.numeric if spec else read["value_num"] is not None
        unit = read["value_unit"] if read["value_num"] is not None else None
        if unit is None and spec is not None and spec.unit:
            form = self.catalog.forms.get(read["form"])
            unit = form.money_unit if spec.unit == "@money" and form else spec.unit
            unit = None if unit == "@money" else unit
        parsed = self.catalog.vocabulary.parser.parse(text, unit, numeric=numeric)
        values = dict(
            zip(
                VALUE_FIELDS,
                (parsed.value_text, parsed.value_num, parsed.value_unit, parsed.comparator),
                strict=True,
            )
        )
        name = measure_word(read["measure"])
        if numeric and spec is not None and spec.unit and parsed.value_num is None:
            return values, f"更正值“{text}”不是数字，而{name}应填数字"
        if parsed.value_unit and read["value_unit"] and parsed.value_unit != read["value_unit"]:
            return values, (
                f"更正值“{text}”的单位是“{parsed.value_unit}”，而文件中{name}的单位是"
                f"“{read['value_unit']}”"
            )
        return values, None

    # ------------------------------------------------------------------ findings

    def _findings(
        self,
        rel: str,
        rows: list[Row],
        findings: Iterable[Row],
        stale: list[tuple[CorrectionLine, Row | None, str]],
        sure: set[int],
    ) -> list[FindingRow]:
        projects = {(r["form"], r["form_seq"]): r["project"] for r in rows}
        kept = [
            FindingRow(**{**f, "project": projects.get((f["form"], f["form_seq"]), f["project"])})
            for f in findings
            if f["rule"] not in REMADE_RULES
        ]
        # a value the analyst wrote is sure: no low_confidence finding on it
        checked = [{**r, "confidence": 1.0} if i in sure else r for i, r in enumerate(rows)]
        remade = document_findings(rel, checked, self.catalog)
        remade += [stale_finding(line, row, message) for line, row, message in stale]
        return kept + [finding_row(f, rel, projects.get((f.form, f.form_seq))) for f in remade]

    # ------------------------------------------------------------------ the table

    def rows(self) -> list[CorrectionRow]:
        """Every line's outcome in line order; a line no file was found for is not_found (or
        stale, where the last run applied it: its file is gone)."""
        out = []
        for line in self.corrections.lines:
            found = self.outcomes.get(line.line)
            if found is None:
                applied_before, _ = self.previous.pinned(line)
                if applied_before:
                    found = outcome(line, "stale", "文件已不在本季材料中，更正未应用")
                elif line.source_path:
                    found = outcome(line, "not_found", f"本季材料中没有文件 {line.source_path}")
                else:
                    found = outcome(line, "not_found", f"没有 record_id 为 {line.record_id} 的值")
            out.append(found)
        return out

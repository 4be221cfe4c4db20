"""Every rule id a finding may carry, with its severity and what it checks: the one list the
findings schema's enum and the README's rule table are tested against. Data problems are
findings under these ids; a file that cannot be read is an error code instead
(`extractors/errors.py`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleSpec:
    severity: str  # "error" | "warning"
    checks: str  # what the rule checks, in the README's words
    name: str = ""  # what an analyst calls it (执行率不符), shown in the report and workbook
    explains: str = ""  # what it means and what to look at, in a clerk's words


RULES: dict[str, RuleSpec] = {
    "execution_rate_mismatch": RuleSpec(
        "error",
        "执行率 = 全年执行数 / 全年预算数",
        name="执行率不符",
        explains="表中所填执行率与全年执行数 ÷ 全年预算数不一致（按表中所示小数位比较）。请核对执行数、预算数和执行率哪一项填错。",
    ),
    "budget_score_mismatch": RuleSpec(
        "error",
        "budget 得分 = 分值 × min(执行率, 100%)",
        name="预算执行得分不符",
        explains="预算执行得分应为分值 × 执行率（执行率超过 100% 的按 100% 计）。请核对得分的计算。",
    ),
    "total_score_mismatch": RuleSpec(
        "error",
        "总分 得分 = budget 得分 + Σ indicator 得分",
        name="总分不符",
        explains="总分得分应等于预算执行得分加各项指标得分之和。请核对各项得分和总分。",
    ),
    "weights_mismatch": RuleSpec(
        "error",
        "Σ indicator 分值 under a 一级指标 (or a weighted block label) = its `(N分)`; "
        "budget 分值 + Σ indicator 分值 = 总分 分值",
        name="分值合计不符",
        explains="一级指标下各指标分值之和应等于该一级指标标明的分值；预算执行分值加各指标分值应等于总分分值。",
    ),
    "score_exceeds_weight": RuleSpec(
        "error",
        "an 得分 above its 分值",
        name="得分高于分值",
        explains="某项得分超过了它的分值。",
    ),
    "subtotal_mismatch": RuleSpec(
        "error",
        "a parent ≠ Σ its children, a split ≠ its total",
        name="小计不符",
        explains="合计数应等于其明细之和（如三公经费、资金来源、资金用途），请核对明细和合计。",
    ),
    "control_rate_mismatch": RuleSpec(
        "error",
        "控制率 = 实际在职人数 / 编制数; the building rates",
        name="控制率不符",
        explains="控制率应为实际数 ÷ 核定数（人员、面积、投资）。",
    ),
    "score_above_attainment": RuleSpec(
        "warning",
        "an indicator whose 实际完成值 misses its 年度指标值 (by its comparator) scored above "
        "分值 × the share reached (full marks for a miss is the plain case)",
        name="未完成目标却得高分",
        explains="实际完成值未达到年度指标值（或调整后的指标值），得分却高于按完成程度应得的分数，满分是最常见的情形。复核时请先看这一类。",
    ),
    "deduction_with_target_met": RuleSpec(
        "warning",
        "an indicator 得分 below its 分值 where the 实际完成值 meets the 年度指标值",
        name="完成目标却扣分",
        explains="实际完成值已达到年度指标值，得分却低于分值，也没有写明扣分原因。请向单位了解。",
    ),
    "rating_mismatch": RuleSpec(
        "warning",
        "a 自评等级 the 总分 does not fall in (bands in schemas/vocabulary.json: 优 ≥ 90, "
        "良 80–90, 中 60–80, 差 < 60)",
        name="自评等级与总分不符",
        explains="自评等级与总分所在的等级区间不一致（优 90 分及以上，良 80–90 分，中 60–80 分，差 60 分以下）。",
    ),
    "cross_form_mismatch": RuleSpec(
        "warning",
        "项目支出: base_data `final` = dept_eval = Σ project_eval `executed`",
        name="各表项目支出不一致",
        explains="同一文件中，部门整体自评表的项目支出、基础数据表的项目支出决算数和各项目自评表全年执行数之和应一致。",
    ),
    "date_unreadable": RuleSpec(
        "warning",
        "a date item (填报日期) whose text is no date: kept as written, not taken for a date",
        name="日期无法识别",
        explains="填报日期等日期栏填写的内容不是可识别的日期（可能混入了下一栏的文字或缺了数字），"
        "已按原文保留。请对照原件核对。",
    ),
    "text_in_number_column": RuleSpec(
        "warning",
        "a value in a column of amounts, rates, weights, scores, headcounts or areas that holds "
        "words and no number",
        name="数字栏填了文字",
        explains="金额、执行率、分值、得分、人数、面积等应填数字的栏目里读到的是文字，没有计入数值。"
        "可能是相邻栏目的文字错位进来，请对照原件核对。",
    ),
    "missing_required": RuleSpec(
        "warning",
        "blank unit, fiscal year, project name, 年度资金总额 全年预算数/全年执行数, 总分 分值/得分",
        name="必填项为空",
        explains="单位名称、年度、项目名称、年度资金总额的预算数或执行数、总分的分值或得分等必填项没有填写。",
    ),
    "missing_deviation_note": RuleSpec(
        "warning",
        "an indicator 得分 below its 分值 with no 偏差原因",
        name="扣分未说明原因",
        explains="指标得分低于分值，但没有填写偏差原因。",
    ),
    "unknown_header": RuleSpec(
        "warning",
        "a column or row label no form definition knows",
        name="无法识别的栏目或行",
        explains="表中有本系统不认识的栏目名或行名；其下的数值已保留（或列入未通过校验的记录），请人工核对。",
    ),
    "missing_label": RuleSpec(
        "warning",
        "an indicator whose 一级指标 or 二级指标 could not be read or recovered",
        name="指标缺少一级或二级指标",
        explains="某项指标的一级或二级指标既读不出、也无法按指标体系推出；数值已保留，指标归属为空。",
    ),
    "form_kind_uncertain": RuleSpec(
        "warning",
        "表种不确定: two forms' evidence (title, head labels, headers) within the margin; "
        "read as the stronger, the other named",
        name="表种不确定",
        explains="这张表的标题、表头和栏目名同时像两种表，得分接近；已按把握较大的一种读取，"
        "说明中列出两种表及其得分。请核对这张表是哪一种。",
    ),
    "duplicate_submission": RuleSpec(
        "warning",
        "two files with the same unit, year, form and project",
        name="重复报送",
        explains="同一单位、同一年度的同一张表（同一项目）出现在多个文件中。",
    ),
    "duplicate_differs": RuleSpec(
        "warning",
        "copies of one submission whose values differ: on the copy that counts, naming each "
        "differing cell with both values and the other file",
        name="重复报送内容不一致",
        explains="同一张表报送了多份，另一份中有数值与计入汇总的这一份不同。说明中逐项列出不一致的"
        "单元格、两份各自的值和另一份的文件名。汇总按这一份计，请向单位确认哪一份是正确的。",
    ),
    "low_confidence": RuleSpec(
        "warning",
        "an OCR value read with confidence below 0.80, or a PDF cell not placed for certain",
        name="识别把握不大",
        explains="这个值读得没有把握：扫描件中文字识别不可靠（或它所在的单元格、栏目名、行名识别不可靠），"
        "或 PDF 中的文字超出了单元格、无法确定属于哪一格。请对照原件核对。",
    ),
    "hidden_sheet": RuleSpec(
        "warning",
        "a hidden sheet of a workbook, not read",
        name="隐藏的工作表",
        explains="工作簿中有隐藏的工作表，未读取。",
    ),
    "hidden_cells": RuleSpec(
        "warning",
        "hidden rows or columns of a workbook sheet that held text, not read",
        name="隐藏的行或列",
        explains="工作表中有隐藏的行或列，其中有文字，未读取。",
    ),
    "uncached_formula": RuleSpec(
        "warning",
        "a workbook formula with no cached value (read as blank, never as 0)",
        name="公式没有计算结果",
        explains="工作簿中的公式没有保存计算结果，按空白处理（不当作 0）。请在 Excel 或 WPS 中打开并保存后重新报送。",
    ),
    "damaged_part": RuleSpec(
        "warning",
        "a part of a file read otherwise that could not be read: a PDF page whose content is "
        "damaged, a page tree that miscounts or loops",
        name="文件部分损坏",
        explains="文件的其余部分已读取，但有一部分读不出来（如 PDF 某页内容损坏、页数记录有误），"
        "或文字中夹有看不见的控制字符（已去掉）。请对照原件核对，必要时请单位重新报送。",
    ),
    "charset_guessed": RuleSpec(
        "warning",
        "a web page whose declared charset made nonsense of its text, read as GB18030 instead",
        name="网页编码有误",
        explains="网页声明的文字编码与实际不符，按声明读出来是乱码；已改按 GB18030 编码读取，"
        "请核对读出的文字。",
    ),
    "correction_stale": RuleSpec(
        "warning",
        "an analyst's correction not applied: the file no longer says what it was written "
        "against (the department sent a new file)",
        name="更正已失效",
        explains="分析人员的更正没有应用：文件中的这个值已不是更正时的原值（单位可能重新报送了文件）。"
        "请核对新文件，需要时重新填写更正。",
    ),
    "unread_page": RuleSpec(
        "warning",
        "a scanned page the OCR failed on: the fault said, the file's other pages read",
        name="扫描页未能识别",
        explains="扫描件的这一页文字识别失败，该页的数值没有读出；文件的其他页照常读取。请对照原件补录或请单位重新报送清晰的扫描件。",
    ),
    "unread_form": RuleSpec(
        "warning",
        "a form the mapping failed on (a fault of the pipeline): the fault said, the file's "
        "other forms read",
        name="表格未能读出",
        explains="这张表的版式让本工具出错，表中的数值没有读出；文件中的其他表格照常读取。"
        "请对照原件补录，并把文件报告给本工具的维护人员。",
    ),
}


def severity_of(rule_id: str) -> str:
    """The catalogue's severity for a rule id; an id not in the catalogue is a bug."""
    try:
        return RULES[rule_id].severity
    except KeyError:
        raise ValueError(f"rule id {rule_id!r} is not in pipeline/checks/catalogue.py") from None

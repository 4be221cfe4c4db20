"""The Chinese words for the pipeline's codes: forms, sections, measures, statuses, severities
(the workbook's cells, the corrections file's columns and the report say these)."""

from __future__ import annotations

from datetime import timedelta, timezone

from pipeline.definitions import load_catalog

# a form by its definition's first title (项目支出绩效自评表)
FORM_NAMES = {form.form: form.titles[0] for form in load_catalog().forms.values()}
STATUS_NAMES = {
    "ok": "已读取",
    "no_forms": "无自评表",
    "skipped": "未读取(文件类型)",
    "failed": "失败",
}
# the times a clerk reads (a file read, a report made) are Beijing time
BEIJING = timezone(timedelta(hours=8), "北京时间")
SEVERITY_NAMES = {"error": "错误", "warning": "提示"}
SECTION_NAMES = {
    "header": "表头",
    "funds": "资金",
    "funds_by_source": "资金来源",
    "funds_by_use": "资金用途",
    "goals": "总体目标",
    "management": "资金管理",
    "indicator_groups": "一级指标",
    "indicators": "绩效指标",
    "total": "总分",
    "conclusions": "评价结论",
    "footer": "表尾",
    "staffing": "人员",
    "expenses": "支出",
    "buildings": "楼堂馆所",
    "austerity": "厉行节约",
}


def section_name(section: str) -> str:
    return SECTION_NAMES.get(section, section)


def measure_names() -> dict[str, str]:
    """A measure's canonical header (budget_full_year → 全年预算数), from the vocabulary."""
    names = {"amount": "金额", "value": "值"}
    for measure, spec in load_catalog().vocabulary.measures.items():
        if spec.headers:
            names[measure] = spec.headers[0]
    return names


# a file's format as a clerk names it (source_format); an unread file's is its extension
FORMAT_NAMES = {
    "docx": "Word 文档",
    "doc": "Word 97-2003 文档",
    "wps": "WPS 文字文档",
    "pdf": "PDF 文件",
    "pdf_scan": "PDF 扫描件",
    "xlsx": "Excel 工作簿",
    "xls": "Excel 97-2003 工作簿",
    "et": "WPS 表格",
    "html": "网页",
    "mht": "网页存档",
    "zip": "压缩包",
    "unknown": "无扩展名的文件",
}


def format_name(code: str | None) -> str:
    """A source_format in words: 网页, PDF 扫描件; another extension as `.txt 文件`."""
    if not code:
        return ""
    return FORMAT_NAMES.get(code, f".{code} 文件")

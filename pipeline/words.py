"""The words an analyst reads for the pipeline's codes: sections of a form, file statuses,
severities. One place, for the findings' messages, the report and the workbook."""

from __future__ import annotations

STATUS_NAMES = {
    "ok": "已读取",
    "no_forms": "无自评表",
    "skipped": "未读取(文件类型)",
    "failed": "失败",
}
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

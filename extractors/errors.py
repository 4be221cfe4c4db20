"""The one base error for files that cannot be read, and the one catalogue of error codes.

Every `error_code` the documents table can hold is listed in `ERROR_CODES` with its meaning,
whichever module sets it (an extractor, the bundle reader, the worker that watches a file, the
ingest loop). The README's error-code table and the documents schema's enum are tested against
this mapping; `ExtractionError` refuses a code that is not in it.
"""

from __future__ import annotations

ERROR_CODES: dict[str, str] = {
    "unsupported_kind": "not a kind of file the pipeline reads (status skipped)",
    "own_output": "a workbook or report this pipeline wrote, found under IN (status skipped)",
    "not_followed": "a symbolic link out of IN or to a folder, or a pipe or device: not "
    "followed (status skipped)",
    "empty": "the file has no content (0 bytes)",
    "unreadable": "the file could not be opened (permissions, a vanished file)",
    "not_a_zip": "a .docx or .xlsx that is not a zip archive",
    "not_a_pdf": "a .pdf that does not start with %PDF-",
    "corrupt": "the file is damaged: its container or XML cannot be parsed",
    "truncated": "the file is cut short (a PDF with no %%EOF, a workbook with no zip directory)",
    "encrypted": "the file needs a password to open (a PDF, or a workbook Excel encrypted)",
    "zip_bomb": "a zip (document or bundle) that would inflate past the limits; refused unread",
    "xml_entities": "XML inside a document declares entities (never expanded); refused",
    "too_large": "a sheet or page past the size limit, refused before it is loaded whole",
    "converter_missing": "the file needs LibreOffice (or a part of it), which is not installed",
    "timeout": "reading the file took longer than allowed per file",
    "memory": "reading the file needed more memory than allowed per file",
    "crashed": "the reader process died on this file (a signal)",
    "node_lost": "the cluster node reading the file (a Ray task's) was lost; read it again",
    "internal_error": "a fault of the pipeline's own on this file; the run goes on",
    "read_by_reference": "(status ok) PDFium could not read the PDF (or a page) as it is, so "
    "pdfplumber, the reference reader, read it; `error` says which pages and why",
}

# each code's name in the words an analyst reads: the report's and the workbook's 错误类型
ERROR_NAMES: dict[str, str] = {
    "unsupported_kind": "不支持的文件类型",
    "own_output": "本工具导出的文件",
    "not_followed": "未跟随的链接或特殊文件",
    "empty": "空文件",
    "unreadable": "无法打开",
    "not_a_zip": "不是 Office 文件",
    "not_a_pdf": "不是 PDF 文件",
    "corrupt": "文件损坏",
    "truncated": "文件不完整",
    "encrypted": "文件已加密",
    "zip_bomb": "压缩后过大",
    "xml_entities": "可疑的 XML 内容",
    "too_large": "文件过大",
    "converter_missing": "缺少 LibreOffice",
    "timeout": "读取超时",
    "memory": "内存不足",
    "crashed": "读取程序崩溃",
    "node_lost": "计算节点失联",
    "internal_error": "本工具内部错误",
    "read_by_reference": "改用备用方式读取",
}


def error_name(code: str | None) -> str | None:
    """The Chinese name of an error code (the code itself if it is unknown), None for none."""
    if code is None:
        return None
    return ERROR_NAMES.get(code, code)


class ExtractionError(Exception):
    """A file could not be read. `code` is a slug of `ERROR_CODES`; the message is for a clerk."""

    def __init__(self, code: str, message: str) -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"unknown error code {code!r}: add it to extractors.errors first")
        super().__init__(message)
        self.code = code
        self.message = message

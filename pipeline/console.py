"""What an ingest run prints on the terminal: its progress, file by file, and its summary."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from pipeline.names import STATUS_NAMES
from pipeline.run.results import FileResult
from pipeline.run.tables import RunSummary


class Progress:
    """A progress bar (files per second, time left) on a terminal; plain lines otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar = None
        self.started = time.monotonic()

    def file_done(self, result: FileResult, done: int, total: int) -> None:
        if not self.enabled:
            return
        doc = result.document
        if sys.stderr.isatty():
            if self.bar is None:
                from tqdm import tqdm

                self.bar = tqdm(total=total, unit="个文件", file=sys.stderr, dynamic_ncols=True)
            self.bar.set_postfix_str(doc.source_path[-40:], refresh=False)
            self.bar.update(1)
            return
        elapsed = time.monotonic() - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        left = (total - done) / rate if rate > 0 else 0.0
        print(
            f"[{done}/{total}] 每秒 {rate:.1f} 个文件，约剩 {left:.0f} 秒："
            f"{doc.source_path} {STATUS_NAMES.get(doc.status, doc.status)}",
            file=sys.stderr,
            flush=True,
        )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def summary_text(summary: RunSummary, out: Path) -> str:
    read = summary.files - summary.kept
    lines = [
        f"文件 {summary.files} 个：读出表格 {summary.ok}，无表格 {summary.no_forms}，"
        f"跳过 {summary.skipped}，失败 {summary.failed}",
        f"表格 {summary.forms} 张，数值 {summary.values} 个，拒收 {summary.rejects} 条，"
        f"问题 {summary.findings} 条",
    ]
    if summary.run_id is None:
        lines.append(f"没有新增或改动过的文件，更正也没有变化：{out}/ 中的数据表未改动")
    else:
        kept = f"，{summary.kept} 个未改动的文件沿用上次的结果" if summary.kept else ""
        dropped = f"，删除 {summary.dropped} 个已不在 IN 中的文件的数据" if summary.dropped else ""
        if read == 0 and not summary.dropped:  # the corrections changed, no submission
            lines.append(f"没有新增或改动过的文件，未读取任何报送材料：只重新应用了更正{kept}")
        else:
            lines.append(f"本次读取 {read} 个文件{kept}{dropped}")
        lines.append(
            f"已写入 {out}/（values、documents、findings、rejects、corrections 五个 .parquet）"
        )
    lines += corrections_text(summary)
    lines += [f"失败 {path}：{error}" for path, error in summary.failures]
    return "\n".join(lines)


STATUS_WORDS = {"applied": "已应用", "stale": "已失效", "not_found": "未找到", "invalid": "无效"}


def corrections_text(summary: RunSummary) -> list[str]:
    """The corrections' outcome: counts, and every line not applied with its number and why."""
    lines = []
    if summary.corrections:
        counts = summary.correction_counts()
        lines.append(
            f"更正 {len(summary.corrections)} 行："
            + "，".join(f"{STATUS_WORDS[s]} {n}" for s, n in counts.items())
        )
        lines += [
            f"更正文件第 {row.line} 行{STATUS_WORDS[row.status]}：{row.message}"
            for row in summary.corrections
            if row.status != "applied"
        ]
    if summary.corrections_blank:
        lines.append(f"更正文件中 {summary.corrections_blank} 行未填更正值，已跳过")
    if summary.corrections_withdrawn:
        lines.append(
            f"上次应用的 {summary.corrections_withdrawn} 条更正不在本次的更正文件中，已撤销"
            "（数值恢复为文件所写）"
        )
    return lines

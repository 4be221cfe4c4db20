"""Benchmark: ingest against a bare read of the same tables, side by side in one run.

Builds a synthetic season (copies of the fixture builder's submissions, half .docx, half .pdf,
under distinct names) at each size, then times, on the same files:
  baseline   bare pdfplumber `extract_tables()` over the PDFs + a bare python-docx cell walk
             over the .docx files, in one process;
  ingest 1   `python -m pipeline ingest --workers 1` into an empty folder (PDFs read by PDFium,
             the default);
  ingest 2   the same with 2 workers;
  plumber    ingest with 1 and 2 workers and `--pdf-reader pdfplumber` (the reference reader);
  re-run     an unchanged re-run of the 2-worker output (start-up aside: an empty-folder
             run's time is subtracted and shown);
and the peak resident memory of each ingest (the main process and its workers together,
sampled every 20 ms). Not run by CI: `make bench`.

Then the PDF readers alone, by the program that wrote the PDF (LibreOffice Writer: the season;
Calc, Chromium and hand-drawn: fixtures/printed/): our reader (`extract_pdf`, PDFium) against a
bare pdfplumber `extract_tables()` of the same files, rounds alternating in one process, so the
work that other writers' tables cost (overflowing text, cut tables, sheets across pages) shows.

Then the scans (fixtures/scans/ and the 200-dpi colour office scans of fixtures/office_scans/,
image-only PDFs read by OCR): seconds per page of the OCR path
against, in the same process and run, a bare RapidOCR pass over the same page images (rendered
at the same dpi; detect, classify and recognise with its defaults: the OCR baseline) and
the text-layer read (PDFium) of the same pages of the born-digital twins; then a whole ingest
of copies of the scans with 1 and 2 workers (`--ocr-copies`, `--no-season`). Each page is read
`--ocr-rounds` times by each (in turn, both warm) and its median time counted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# the checkout's own code timed in this process, as its ingest runs are (run from a worktree,
# the installed editable package would otherwise give another checkout's extractors)
sys.path.insert(0, str(ROOT))
SEASON = ROOT / "fixtures" / "season"
SCANS = ROOT / "fixtures" / "scans"
OFFICE = ROOT / "fixtures" / "office_scans"
# each scan fixture: the born-digital PDF it was made from and the pages it holds (None: all);
# the office scans are 200-dpi colour pages with seals, tilted, turned or photographed
SCAN_TWINS: dict[Path, tuple[str, tuple[int, ...] | None]] = {
    SCANS / "jiangcheng-wenlv-2023-scan.pdf": ("jiangcheng-wenlv-2023", None),
    SCANS / "yueyang-2024-p1-4-scan.pdf": ("yueyang-2024", (1, 2, 3, 4)),
    SCANS / "garbage-text-layer.pdf": ("jiangcheng-wenlv-2023", (1,)),
    OFFICE / "office-seals-colour.pdf": ("jiangcheng-wenlv-2023", (1,)),
    OFFICE / "office-tilt-4deg.pdf": ("jiangcheng-jiaoyu-2024", (4,)),
    OFFICE / "office-sideways.pdf": ("jiangcheng-jiaoyu-2024", (5,)),
    OFFICE / "office-phone-photo.pdf": ("yueyang-2024", (4,)),
}


def build_season(folder: Path, size: int) -> None:
    """`size` submissions: the fixture documents copied round-robin, half of each format."""
    stems = sorted({p.stem for p in SEASON.glob("*.docx")})
    for i in range(size):
        fmt = "docx" if i % 2 == 0 else "pdf"
        stem = stems[(i // 2) % len(stems)]
        shutil.copy(SEASON / f"{stem}.{fmt}", folder / f"{i:04d}-{stem}.{fmt}")


def baseline(folder: Path) -> float:
    """Bare table reading of the same files, no semantics."""
    import docx
    import pdfplumber

    started = time.perf_counter()
    for path in sorted(folder.iterdir()):
        if path.suffix == ".pdf":
            with pdfplumber.open(path) as pdf:
                for page in pdf.pages:
                    page.extract_tables()
        else:
            document = docx.Document(str(path))
            for table in document.tables:
                for row in table.rows:
                    for cell in row.cells:
                        _ = cell.text
    return time.perf_counter() - started


PRINTED = ROOT / "fixtures" / "printed"


def pdf_writers() -> dict[str, list[Path]]:
    """The fixture PDFs by the program that wrote them (the name says it: `.calc-wide.pdf`)."""
    writers: dict[str, list[Path]] = {"writer": sorted(SEASON.glob("*.pdf"))}
    for path in sorted(PRINTED.glob("*.pdf")):
        kind = path.name.split(".")[-2].split("-")[0]  # calc, chromium, drawn
        writers.setdefault(kind, []).append(path)
    return writers


def pdf_reader_bench(rounds: int = 3) -> None:
    """Our PDF reader against a bare pdfplumber table read, writer by writer, in one process."""
    import pdfplumber

    from extractors.pdf.read import extract_pdf, load_libraries

    load_libraries()

    def bare(paths: list[Path]) -> None:
        for path in paths:
            with pdfplumber.open(path) as pdf:
                for page in pdf.pages:
                    page.extract_tables()

    def ours(paths: list[Path]) -> None:
        for path in paths:
            extract_pdf(path)

    print("\nPDF readers alone (our extract_pdf / bare pdfplumber extract_tables, same files):")
    totals = [0.0, 0.0]
    for writer, paths in pdf_writers().items():
        ours(paths)  # warm: fonts, libraries
        spent = [0.0, 0.0]
        for _ in range(rounds):
            for i, read in enumerate((bare, ours)):
                started = time.perf_counter()
                read(paths)
                spent[i] += time.perf_counter() - started
        totals = [totals[0] + spent[0], totals[1] + spent[1]]
        print(
            f"  {writer:<9} {len(paths):>3} PDFs: bare {spent[0] / rounds:6.2f} s, "
            f"ours {spent[1] / rounds:6.2f} s, {spent[1] / spent[0]:.2f}×"
        )
    print(f"  all writers: {totals[1] / totals[0]:.2f}× a bare pdfplumber table read")


def _tree_rss_kib(root: int) -> int:
    """Resident memory of a process and all its descendants, in KiB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            ppid, pages = int(fields[1]), int(fields[21])
        except (OSError, IndexError, ValueError):
            continue
        pid = int(entry)
        children.setdefault(ppid, []).append(pid)
        rss[pid] = pages * os.sysconf("SC_PAGE_SIZE") // 1024
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def timed_ingest(
    folder: Path, out: Path, workers: int, reader: str = "pdfium", nothing_to_read: bool = False
) -> tuple[float, float]:
    """Seconds and peak MiB (main process and workers together) of one ingest run
    (`nothing_to_read`: a start-up run over a folder with no submission, which exits 2)."""
    command = [sys.executable, "-m", "pipeline", "ingest", str(folder), "--out", str(out)]
    command += ["--workers", str(workers), "--quiet", "--pdf-reader", reader]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=os.environ)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kib(process.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = process.wait()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    if code not in ((0, 1, 2) if nothing_to_read else (0, 1)):
        raise SystemExit(f"ingest exited with {code}")
    return elapsed, peak / 1024


def page_image(page: object) -> object:
    """A scanned page as the bare RapidOCR pass gets it: rendered at our dpi, in its colours
    (BGR), as a user would hand the page image to RapidOCR."""
    import cv2
    import numpy as np

    from extractors.scan.ruling import DPI

    bitmap = page.render(  # type: ignore[attr-defined]
        scale=DPI / 72, no_smoothtext=True, no_smoothpath=True, no_smoothimage=True
    )
    return cv2.cvtColor(np.asarray(bitmap.to_pil().convert("RGB")), cv2.COLOR_RGB2BGR)


def per_page_reads(rounds: int) -> tuple[list[float], list[float], list[float], list[bool]]:
    """Seconds of each scanned page read by our OCR path, of a bare RapidOCR pass over the same
    page image (rendered as our path renders it; its default settings) and of the same page of
    its born-digital twin read from the text layer, in this process (onnxruntime's default
    threads for both OCR reads): each the median of `rounds` reads, ours and the bare pass in
    turn, after both have read a first page untimed (sessions opened, lazy imports done)."""
    import pypdfium2
    from rapidocr import RapidOCR

    from extractors.pdf.pdfium_access import PdfiumFile
    from extractors.pdf.read import content_to_items
    from extractors.scan.page import scan_page, warm_up
    from extractors.scan.recognise import engine

    warm_up()  # sessions made once per process, as in a worker; not part of a page's time
    engine()  # the detector's too (a page without a grid), as the bare pass's are
    bare_engine = RapidOCR(params={"Global.log_level": "critical"})
    first = pypdfium2.PdfDocument(next(iter(SCAN_TWINS)))
    # both read a page once untimed: RapidOCR opens its sessions on its first call
    bare_engine(page_image(first[0]))
    scan_page(first[0], 1)
    ocr: list[float] = []
    bare: list[float] = []
    text: list[float] = []
    office: list[bool] = []

    def seconds(read: object, *args: object) -> float:
        started = time.perf_counter()
        read(*args)  # type: ignore[operator]
        return time.perf_counter() - started

    for path, (twin, pages) in SCAN_TWINS.items():
        scan = pypdfium2.PdfDocument(path)
        with PdfiumFile(SEASON / f"{twin}.pdf") as born:
            numbers = pages or tuple(range(1, len(born) + 1))
            for index, number in enumerate(numbers, start=1):
                image = page_image(scan[index - 1])
                ours, theirs = [], []
                for _ in range(rounds):
                    ours.append(seconds(scan_page, scan[index - 1], index))
                    theirs.append(seconds(bare_engine, image))
                ocr.append(statistics.median(ours))
                bare.append(statistics.median(theirs))
                text.append(seconds(content_to_items, born.page(number)))
                office.append(path.parent == OFFICE)
    return ocr, bare, text, office


def ocr_bench(tmp: Path, copies: int, rounds: int) -> None:
    """Print seconds per scanned page: in one process against the text-layer read of the same
    pages, and through the whole ingest with 1 and 2 workers (not with `copies` 0)."""
    import pdfplumber

    ocr, bare, text, office = per_page_reads(rounds)
    colour_ocr = sum(t for t, o in zip(ocr, office, strict=True) if o)
    colour_bare = sum(t for t, o in zip(bare, office, strict=True) if o)
    print(
        f"\nscanned pages ({len(ocr)} pages, one process, onnxruntime default threads, "
        f"each page's median of {rounds} reads):"
    )
    print(
        f"  OCR          {sum(ocr) / len(ocr):6.2f} s/page (slowest {max(ocr):.2f} s)\n"
        f"  bare RapidOCR{sum(bare) / len(bare):6.2f} s/page (the same page images, its defaults)\n"
        f"  OCR / bare   {sum(ocr) / max(sum(bare), 1e-9):6.2f}×\n"
        f"  of which the {sum(office)} 200-dpi colour office pages: "
        f"OCR / bare {colour_ocr / max(colour_bare, 1e-9):.2f}×\n"
        f"  text layer   {sum(text) / len(text):6.3f} s/page (the born-digital twins' pages)\n"
        f"  OCR / text   {sum(ocr) / max(sum(text), 1e-9):6.0f}×"
    )
    if copies < 1:
        return
    folder = tmp / "scans"
    folder.mkdir()
    pages = 0
    for copy in range(copies):
        for path in SCAN_TWINS:
            shutil.copy(path, folder / f"{copy:02d}-{path.name}")
            with pdfplumber.open(path) as pdf:
                pages += len(pdf.pages)
    from pipeline.run.workers import default_workers

    cores = default_workers()
    one, rss_one = timed_ingest(folder, tmp / "scans-out1", 1)
    two, rss_two = timed_ingest(folder, tmp / "scans-out2", 2)
    print(f"ingest of {pages} scanned pages ({copies} copies of the scan fixtures, {cores} cores):")
    print(f"  ×1 worker    {one / pages:6.2f} s/page  ({one:.1f} s, {rss_one:.0f} MiB)")
    print(f"  ×2 workers   {two / pages:6.2f} s/page  ({two:.1f} s, {rss_two:.0f} MiB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 200])
    parser.add_argument(
        "--ocr-copies", type=int, default=3, help="copies of the scan fixtures (0: no ingest)"
    )
    parser.add_argument(
        "--ocr-rounds", type=int, default=3, help="reads of each scanned page (the median)"
    )
    parser.add_argument("--no-season", action="store_true", help="only the scanned pages")
    parser.add_argument("--no-ocr", action="store_true", help="only the born-digital season")
    args = parser.parse_args()
    if args.no_season:
        args.sizes = []
    rows = []
    readers = []  # (size, pdfplumber ×1 s, ×2 s, RSS ×1, RSS ×2)
    with tempfile.TemporaryDirectory(prefix="selfeval-bench-") as tmp:
        empty = Path(tmp) / "empty"
        empty.mkdir()
        python_startup, _ = timed_ingest(empty, Path(tmp) / "empty-out", 1, nothing_to_read=True)
        one_file = Path(tmp) / "start-up"
        one_file.mkdir()
        (one_file / "readme.txt").write_text("not a submission", encoding="utf-8")
        startup, _ = timed_ingest(one_file, Path(tmp) / "start-up-out", 1, nothing_to_read=True)
        for size in args.sizes:
            folder = Path(tmp) / f"season-{size}"
            folder.mkdir()
            build_season(folder, size)
            base = baseline(folder)
            one, rss_one = timed_ingest(folder, Path(tmp) / f"out1-{size}", 1)
            two, rss_two = timed_ingest(folder, Path(tmp) / f"out2-{size}", 2)
            rerun, rss_rerun = timed_ingest(folder, Path(tmp) / f"out2-{size}", 2)
            plumber, rss_p1 = timed_ingest(folder, Path(tmp) / f"plumber1-{size}", 1, "pdfplumber")
            plumber2, rss_p2 = timed_ingest(folder, Path(tmp) / f"plumber2-{size}", 2, "pdfplumber")
            rows.append((size, base, one, two, rerun, rss_one, rss_two, rss_rerun, plumber))
            readers.append((size, plumber, plumber2, rss_p1, rss_p2))
    print(
        f"start-up of a run that reads files: {startup:.2f} s (one skipped file: imports, tables)"
    )
    print(f"start-up of a run that reads none: {python_startup:.2f} s (an empty folder)\n")
    header = (
        f"{'files':>5} {'baseline s':>10} {'ingest×1 s':>10} {'ingest×2 s':>10} "
        f"{'re-run s':>8} {'plumber×1 s':>11} {'×1/base':>7} {'plumber/base':>12} "
        f"{'×1/×2':>6} {'re-run/×2':>9} "
        f"{'RSS×1 MiB':>9} {'RSS×2 MiB':>9} {'RSS re-run':>10}"
    )
    print(header)
    rows_base = {row[0]: row[1] for row in rows}
    for size, base, one, two, rerun, rss_one, rss_two, rss_rerun, plumber in rows:
        print(
            f"{size:>5} {base:>10.2f} {one:>10.2f} {two:>10.2f} {rerun:>8.2f} {plumber:>11.2f} "
            f"{(one - startup) / base:>7.2f} {(plumber - startup) / base:>12.2f} {one / two:>6.2f} "
            f"{max(rerun - python_startup, 0) / max(two - startup, 1e-9):>9.3f} "
            f"{rss_one:>9.0f} {rss_two:>9.0f} {rss_rerun:>10.0f}"
        )
    print("\nthe reference reader (--pdf-reader pdfplumber) on the same files:")
    for size, p1, p2, r1, r2 in readers:
        print(
            f"{size:>5} files: ×1 {p1:.2f} s ({(p1 - startup) / rows_base[size]:.2f}× baseline, "
            f"{r1:.0f} MiB), ×2 {p2:.2f} s ({r2:.0f} MiB)"
        )
    if len(rows) >= 2:
        small, large = rows[0], rows[-1]
        print(
            f"\npeak RSS ×1 at {large[0]} files / at {small[0]} files: {large[5] / small[5]:.2f}; "
            f"×2: {large[6] / small[6]:.2f}"
        )
    print(
        "(×1/base, plumber/base and re-run/×2 leave the start-up aside: each run's own kind; "
        "plumber: --pdf-reader pdfplumber)"
    )
    if not args.no_season:
        pdf_reader_bench()
    if not args.no_ocr:
        with tempfile.TemporaryDirectory(prefix="selfeval-bench-ocr-") as tmp:
            ocr_bench(Path(tmp), args.ocr_copies, args.ocr_rounds)


if __name__ == "__main__":
    main()

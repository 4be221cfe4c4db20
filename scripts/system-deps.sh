#!/usr/bin/env bash
# System packages the pipeline uses beyond Python: LibreOffice (reads .doc and .wps, and with its
# Calc .xls and .et; builds the fixture PDFs) and CJK fonts (so LibreOffice lays Chinese text out as Word does).
# Installs them with apt-get when they are missing and this runs as root; otherwise says how.
set -euo pipefail
# chromium-headless-shell: tests/test_report.py opens OUT/report.html in it, offline, and
# fixtures/build_printed.py prints the season's web pages to PDF with it.
packages=(libreoffice-writer-nogui libreoffice-calc-nogui fonts-noto-cjk chromium-headless-shell)
missing=()
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-writer-nogui)
ls /usr/lib/libreoffice/program/libsclo.so >/dev/null 2>&1 || missing+=(libreoffice-calc-nogui)
fc-list :lang=zh 2>/dev/null | grep -q . || missing+=(fonts-noto-cjk)
command -v chromium-headless-shell >/dev/null 2>&1 || missing+=(chromium-headless-shell)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} (reads .doc/.wps/.xls/.et files; opens the report in tests)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "note: ${missing[*]} not installed; .doc and .wps files (and .xls/.et without Calc) will fail with converter_missing;" >&2
  echo "      without chromium-headless-shell the report's browser test is skipped." >&2
  echo "      install with: sudo apt-get install ${packages[*]}" >&2
fi

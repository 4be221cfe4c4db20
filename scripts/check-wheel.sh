#!/usr/bin/env bash
# The wheel as a cluster node or a user gets it: build it, install it into a clean virtual
# environment outside the checkout, ingest the bundled season from a folder that is not the
# checkout, and check that the tables are the ones the checkout writes.
# Usage: bash scripts/check-wheel.sh [PYTHON]   (run by .ci/run; `make check-wheel`)
set -euo pipefail
cd "$(dirname "$0")/.."
checkout=$(pwd)
python=${1:-.venv/bin/python}
work=$(mktemp -d "${TMPDIR:-/tmp}/selfeval-wheel.XXXXXX")
trap 'rm -rf "$work"' EXIT

# built from a copy of the tree (tracked and new files, as git sees them), since setuptools
# leaves build/ and *.egg-info beside the sources it builds
mkdir "$work/src"
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$work/src"
"$python" -m pip wheel --quiet --no-deps --wheel-dir "$work/dist" "$work/src" 2>"$work/build.log" || {
  cat "$work/build.log" >&2; exit 1; }
if grep -q "Warning" "$work/build.log"; then
  echo "check-wheel: the wheel build printed warnings:" >&2; cat "$work/build.log" >&2; exit 1
fi
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet "$work"/dist/selfeval-*.whl

# from a folder that holds no checkout, so nothing can be imported from one
cd "$work"
"$work/venv/bin/selfeval" ingest "$checkout/fixtures/season" --out "$work/from-wheel" --quiet
"$checkout/$python" -m pipeline ingest "$checkout/fixtures/season" --out "$work/from-checkout" --quiet
"$work/venv/bin/python" - "$work/from-wheel" "$work/from-checkout" <<'PY'
import sys
import pandas as pd

wheel, checkout = sys.argv[1:]
for table in ("values", "documents", "findings", "rejects"):
    a = pd.read_parquet(f"{wheel}/{table}.parquet").drop(columns=["extracted_at"], errors="ignore")
    b = pd.read_parquet(f"{checkout}/{table}.parquet").drop(columns=["extracted_at"], errors="ignore")
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
    print(f"check-wheel: {table}: {len(a)} rows, the same as the checkout's")
PY

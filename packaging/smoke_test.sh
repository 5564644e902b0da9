#!/usr/bin/env bash
# Smoke-test a built bundle, not the source tree: a clean environment with no venv or
# PYTHONPATH, a fresh home folder, and the commands a new user's first hour would run.
#
#   bash packaging/smoke_test.sh dist/consortium
set -euo pipefail
bundle=$(cd "$1" && pwd)
repo=$(cd "$(dirname "$0")/.." && pwd)
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
app="$bundle/consortium"
run() { env -i PATH=/usr/bin:/bin HOME="$home" CONSORTIUM_HOME="$home/data" LANG=C.UTF-8 "$@"; }
ws="$home/demo.consortium"

echo "smoke: $(run "$app" --version)"
run "$app" init --demo "$ws" >/dev/null
count=$(run "$app" --workspace "$ws" partners list --json | run /usr/bin/python3 -c \
  'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null || echo "?")
echo "smoke: init --demo, partners list --json: $count partners"
run "$app" --workspace "$ws" tenders import \
  "$repo/tests/fixtures/ocds/fts-release-package-2026-08-12-page-001.json" | tail -1
run "$app" --workspace "$ws" opportunities --json >/dev/null  # matching: numpy, scipy, HiGHS
echo "smoke: opportunities ranked for our organisation"
run "$app" --workspace "$ws" bid build 1 --out "$home/out" | tail -1
ls "$home/out"/*.docx >/dev/null
echo "smoke: bid build wrote $(ls "$home/out" | grep -c '\.docx$') .docx file(s)"
run "$app" --workspace "$ws" doctor >/dev/null || true  # reports, never crashes
# The real window, offscreen, closed by a timer: exit code 0 means it opened and closed cleanly.
run env QT_QPA_PLATFORM=offscreen CONSORTIUM_QUIT_AFTER_MS=1500 "$app" --workspace "$ws"
echo "smoke: the window opened offscreen and closed with exit code 0"
echo "smoke: all passed"

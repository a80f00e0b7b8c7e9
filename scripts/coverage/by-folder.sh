#!/usr/bin/env bash
# Coverage of the unit tests per top-level src folder (issue 14 reports it before and after).
# bun sees no code run in worker threads or in the subprocesses tests/e2e drives, so e2e is left out.
# Usage: bash scripts/coverage/by-folder.sh <checkout> [out-dir]   (a git worktree of the commit to measure, with node_modules)
# Runs the unit tests (everything under tests/ except tests/e2e) with
#   ./node_modules/.bin/bun test --coverage --coverage-reporter=lcov --coverage-dir=<out>/coverage <paths>
# then aggregates <out>/coverage/lcov.info per src/<folder> (lines hit/found, functions hit/found).
set -uo pipefail
WT=$(cd "${1:?usage: $0 <worktree> [out-dir]}" && pwd)
OUT=${2:-/tmp/coverage-$(basename "$WT")}
HERE=$(dirname "$(readlink -f "$0")")
AGG=$HERE/aggregate-lcov.ts
mkdir -p "$OUT"; rm -rf "$OUT/coverage"
cd "$WT"
# Test paths: every tests/* entry except e2e (folders and top-level *.test.ts files), as ./paths.
PATHS=()
for p in tests/*; do
  case "$p" in tests/e2e) continue ;; esac
  if [ -d "$p" ] || [[ "$p" == *.test.ts ]]; then PATHS+=("./$p"); fi
done
echo "commit: $(git rev-parse HEAD)" | tee "$OUT/meta.txt"
echo "test paths: ${PATHS[*]}" | tee -a "$OUT/meta.txt"
start=$(date +%s.%N)
./node_modules/.bin/bun test --coverage --coverage-reporter=lcov --coverage-dir="$OUT/coverage" "${PATHS[@]}" >"$OUT/test.log" 2>&1
rc=$?
end=$(date +%s.%N)
wall=$(awk -v s="$start" -v e="$end" 'BEGIN{printf "%.1f", e-s}')
echo "bun test exit code: $rc   wall time: ${wall}s" | tee -a "$OUT/meta.txt"
grep -E '^ *[0-9]+ (pass|fail|skip|todo)|^Ran [0-9]+ tests|^ *[0-9]+ errors?' "$OUT/test.log" | tee -a "$OUT/meta.txt"
if grep -q '^(fail)' "$OUT/test.log"; then
  echo "failing tests:" | tee -a "$OUT/meta.txt"; grep '^(fail)' "$OUT/test.log" | sort -u | tee -a "$OUT/meta.txt"
fi
./node_modules/.bin/bun "$AGG" "$OUT/coverage/lcov.info" "$WT" | tee "$OUT/table.md"

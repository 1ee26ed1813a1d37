#!/usr/bin/env bash
# make fuzz: run every Go fuzz target of the module for FUZZTIME each
# (default 30s). Targets are found in the *_test.go files, so a new one is
# picked up without editing this script. New crashers land in the
# package's testdata/fuzz/<Target>/ and then run as ordinary tests.
set -euo pipefail
cd "$(dirname "$0")/.."
time=${1:-30s}
status=0
while read -r file target; do
  pkg=./$(dirname "$file")
  echo "== $pkg $target ($time)"
  # Minimizing a new input that widens coverage can take the default 60s
  # (the progress line then shows 0 execs/s): keep it short, so the time
  # goes to fuzzing.
  if ! go test -run='^$' -fuzz="^${target}\$" -fuzztime="$time" -fuzzminimizetime=5s "$pkg"; then
    echo "FAILED: $pkg $target" >&2
    status=1
  fi
done < <(grep -rn --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]+\(' . \
           | sed -E 's#^\./([^:]+):[0-9]+:func (Fuzz[A-Za-z0-9_]+)\(.*#\1 \2#' | sort)
exit $status

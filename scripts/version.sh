#!/usr/bin/env bash
# Prints firma's version for a build of the checked-out commit, in a form
# that is both a Debian upstream version and a readable one:
#   v1.2.3 at HEAD        -> 1.2.3
#   5 commits after it    -> 1.2.3+git5.abc1234
#   no release tag yet    -> 0.0~git133.abc1234 (133 commits; sorts before 0.1)
#   uncommitted changes   -> ...+dirty
set -euo pipefail
cd "$(dirname "$0")/.."
if ! git rev-parse --git-dir >/dev/null 2>&1; then echo devel; exit 0; fi
sha=$(git rev-parse --short=7 HEAD)
if d=$(git describe --tags --match 'v[0-9]*' --long HEAD 2>/dev/null); then
  # v1.2.3-5-gabc1234
  n=${d%-g*}; n=${n##*-}; tag=${d%-*-g*}; tag=${tag#v}
  if [ "$n" = 0 ]; then v=$tag; else v="$tag+git$n.$sha"; fi
else
  v="0.0~git$(git rev-list --count HEAD).$sha"
fi
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then v="$v+dirty"; fi
echo "$v"

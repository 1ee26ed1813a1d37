#!/usr/bin/env bash
# Reproducible builds: the committed HEAD is built twice, by make release,
# from two clones in two different folders, with two different Go build
# caches (the second one empty), time zones and locales. Every artifact
# (binaries, .deb, .tar.gz, SHA256SUMS) must be byte-identical, and no
# binary may contain a build folder. Uncommitted changes are not built.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
commit=$(git rev-parse HEAD)
[ -z "$(git status --porcelain --untracked-files=no)" ] ||
  echo "test-repro: uncommitted changes are not part of the builds ($commit is)" >&2
tmp=$(mktemp -d /tmp/firma-repro.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
a=$tmp/a/firma b=$tmp/second-build/src/firma
for d in "$a" "$b"; do
  git clone -q --no-local "$repo" "$d"
  git -C "$d" checkout -q --detach "$commit"
done

echo "test-repro: build 1 in $a" >&2
(cd "$a" && TZ=UTC LANG=C LINTIAN=0 scripts/dist.sh release)
echo "test-repro: build 2 in $b, empty build cache" >&2
(cd "$b" && GOCACHE=$tmp/gocache TZ=Asia/Tokyo LANG=it_IT.UTF-8 LINTIAN=0 scripts/dist.sh release)

fail=0
files=$(cd "$a/dist" && find . -maxdepth 1 -type f -printf '%P\n' | sort; cd build && find . -name firma -type f -printf 'build/%P\n' | sort)
[ -n "$files" ] || { echo "test-repro: build 1 made nothing" >&2; exit 1; }
for f in $files; do
  if ! cmp -s "$a/dist/$f" "$b/dist/$f"; then
    echo "test-repro: FAIL $f differs" >&2
    fail=1
  else
    echo "test-repro: same $f ($(sha256sum <"$a/dist/$f" | cut -c1-16))" >&2
  fi
done
# Nothing else in build 2 either.
extra=$(comm -13 <(cd "$a/dist" && find . -type f ! -path './build/*' | sort) <(cd "$b/dist" && find . -type f ! -path './build/*' | sort))
[ -z "$extra" ] || { echo "test-repro: FAIL only in build 2: $extra" >&2; fail=1; }

# No build path, module cache or home in any binary.
modcache=$(go env GOMODCACHE)
for bin in "$a"/dist/build/*/firma; do
  for p in "$tmp" "$modcache" "$repo" "$HOME/"; do
    if grep -q -a -F "$p" "$bin"; then
      echo "test-repro: FAIL ${bin#$a/} contains $p" >&2
      fail=1
    fi
  done
done
if [ "$fail" = 0 ]; then
  n=$(wc -w <<<"$files")
  echo "test-repro: $n artifacts of $commit byte-identical across two builds" >&2
else
  exit 1
fi

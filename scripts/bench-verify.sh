#!/usr/bin/env bash
# bench-verify: firma verify against openssl cms -verify on the same files:
# wall time and peak RSS (GNU time), for
#   1. a big enveloping p7m (FIRMA_BENCH_P7M), verify only and verify with
#      extraction of the document;
#   2. the same content as a detached p7s (FIRMA_BENCH_P7S) with --content;
#   3. a batch of small signed files (FIRMA_BENCH_SMALL/*.p7m): one firma
#      process for all against one openssl process per file (files/s);
#   4. the Go benchmark of the verify package (peak heap, 16 MiB to 1 GiB).
#
# scripts/bench.sh calls it with the files it signed (FIRMA_BENCH_DIR,
# FIRMA_BENCH_BIG, FIRMA_BENCH_P7M, FIRMA_BENCH_P7S, FIRMA_BENCH_CA,
# FIRMA_BENCH_SMALL). Run alone, it makes its own with openssl and a
# throw-away CA: FIRMA_BENCH_SIZE (default 1G), FIRMA_BENCH_FILES (200).
# Each case runs FIRMA_BENCH_RUNS times and the median is shown (default: 3
# runs for content under 256 MiB, 1 above: openssl needs about a minute
# and 2.7 GiB of memory per run on 1 GiB).
set -euo pipefail
cd "$(dirname "$0")/.."

FIRMA=${FIRMA:-bin/firma}
TIME=/usr/bin/time
DIR=${FIRMA_BENCH_DIR:-.bench}
[ -x "$TIME" ] || { echo "bench-verify: GNU time (/usr/bin/time) is needed for peak RSS: apt-get install time" >&2; exit 1; }
command -v openssl >/dev/null || { echo "bench-verify: openssl is needed" >&2; exit 1; }
[ -x "$FIRMA" ] || go build -o "$FIRMA" ./cmd/firma
mkdir -p "$DIR/verify"
DIR=$(cd "$DIR" && pwd)
W=$DIR/verify

to_bytes() {
  local v=$1 n=${1%[KMGkmg]*}
  case $v in
    *[Kk]*) echo $((n << 10)) ;; *[Mm]*) echo $((n << 20)) ;; *[Gg]*) echo $((n << 30)) ;; *) echo "$n" ;;
  esac
}

# Standalone: a CA, a signer with nonRepudiation, a big file, signatures.
if [ -z "${FIRMA_BENCH_P7M:-}" ]; then
  SIZE=${FIRMA_BENCH_SIZE:-1G}
  NFILES=${FIRMA_BENCH_FILES:-200}
  if [ ! -s "$W/ca.pem" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/ca.key" -out "$W/ca.pem" -days 3650 \
      -subj "/C=IT/O=firma bench/CN=firma bench CA" -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout "$W/signer.key" -out "$W/signer.csr" \
      -subj "/C=IT/CN=ROSSI MARIO/serialNumber=TINIT-RSSMRA80A01H501U/GN=MARIO/SN=ROSSI" 2>/dev/null
    printf 'keyUsage=critical,nonRepudiation\n' > "$W/signer.ext"
    openssl x509 -req -in "$W/signer.csr" -CA "$W/ca.pem" -CAkey "$W/ca.key" -CAcreateserial \
      -days 365 -extfile "$W/signer.ext" -out "$W/signer.pem" 2>/dev/null
  fi
  BIG=$W/big.bin
  bytes=$(to_bytes "$SIZE")
  if [ ! -f "$BIG" ] || [ "$(stat -c %s "$BIG")" != "$bytes" ]; then
    echo "bench-verify: making a $SIZE file and its signatures (openssl -stream)..."
    head -c "$bytes" /dev/urandom > "$BIG"
    rm -f "$W/big.p7m" "$W/big.p7s"
  fi
  [ -s "$W/big.p7m" ] || openssl cms -sign -cades -binary -md sha256 -nodetach -stream -in "$BIG" \
    -signer "$W/signer.pem" -inkey "$W/signer.key" -outform DER -out "$W/big.p7m"
  [ -s "$W/big.p7s" ] || openssl cms -sign -cades -binary -md sha256 -in "$BIG" \
    -signer "$W/signer.pem" -inkey "$W/signer.key" -outform DER -out "$W/big.p7s"
  SMALL=$W/small
  if [ "$(ls "$SMALL"/*.p7m 2>/dev/null | wc -l)" != "$NFILES" ]; then
    rm -rf "$SMALL"; mkdir -p "$SMALL"
    for i in $(seq 1 "$NFILES"); do
      head -c 1024 /dev/urandom > "$SMALL/f$i.bin"
      openssl cms -sign -cades -binary -md sha256 -nodetach -in "$SMALL/f$i.bin" \
        -signer "$W/signer.pem" -inkey "$W/signer.key" -outform DER -out "$SMALL/f$i.bin.p7m"
      rm "$SMALL/f$i.bin"
    done
  fi
  FIRMA_BENCH_BIG=$BIG FIRMA_BENCH_P7M=$W/big.p7m FIRMA_BENCH_P7S=$W/big.p7s
  FIRMA_BENCH_CA=$W/ca.pem FIRMA_BENCH_SMALL=$SMALL
fi
BIG=$FIRMA_BENCH_BIG P7M=$FIRMA_BENCH_P7M P7S=$FIRMA_BENCH_P7S CA=$FIRMA_BENCH_CA SMALL=$FIRMA_BENCH_SMALL

# measure NAME CMD...: runs CMD RUNS times, prints the median wall time and
# the peak RSS of that run; a command that fails is reported, not hidden.
measure() {
  local name=$1; shift
  local results=() i rc
  for i in $(seq 1 "$RUNS"); do
    set +e
    "$TIME" -f '%e %M' -o "$W/time.out" "$@" >/dev/null 2>"$W/stderr.out"
    rc=$?
    set -e
    if [ "$rc" != 0 ]; then
      printf '%-44s FAILED (exit %s): %s\n' "$name" "$rc" "$(head -c 300 "$W/stderr.out")"
      return
    fi
    results+=("$(tail -n1 "$W/time.out")")
  done
  local med
  med=$(printf '%s\n' "${results[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
  printf '%-44s %8.2f s %9.1f MiB\n' "$name" "${med% *}" "$(echo "${med#* }" | awk '{print $1/1024}')"
}

size=$(stat -c %s "$BIG")
RUNS=${FIRMA_BENCH_RUNS:-$([ "$size" -lt $((256 << 20)) ] && echo 3 || echo 1)}
echo "bench-verify: content $((size >> 20)) MiB, $(ls "$SMALL"/*.p7m | wc -l) small files, median of $RUNS runs"
printf '%-44s %10s %13s\n' "case" "time" "peak RSS"
FV=("$FIRMA" verify --no-system-trust --trust "$CA")
OV=(openssl cms -verify -binary -inform DER -CAfile "$CA")
measure "firma verify (p7m)"                     "${FV[@]}" "$P7M"
measure "openssl cms -verify (p7m, -out /dev/null)" "${OV[@]}" -in "$P7M" -out /dev/null
measure "firma verify --extract (p7m)"           "${FV[@]}" --extract --force -o "$W/extracted.bin" "$P7M"
measure "openssl cms -verify -out FILE (p7m)"    "${OV[@]}" -in "$P7M" -out "$W/extracted-openssl.bin"
cmp -s "$W/extracted.bin" "$BIG" || echo "bench-verify: WARNING: firma's extracted document differs from the original"
rm -f "$W/extracted.bin" "$W/extracted-openssl.bin"
measure "firma verify --content (p7s)"           "${FV[@]}" --content "$BIG" "$P7S"
measure "openssl cms -verify -content (p7s)"     "${OV[@]}" -in "$P7S" -content "$BIG" -out /dev/null

# Small files: files per second.
n=$(ls "$SMALL"/*.p7m | wc -l)
start=$(date +%s.%N)
"$FIRMA" verify --no-system-trust --trust "$CA" "$SMALL"/*.p7m >/dev/null || echo "bench-verify: firma verify batch exit $?"
mid=$(date +%s.%N)
for f in "$SMALL"/*.p7m; do openssl cms -verify -binary -inform DER -CAfile "$CA" -in "$f" -out /dev/null 2>/dev/null; done
end=$(date +%s.%N)
awk -v n="$n" -v a="$start" -v b="$mid" -v c="$end" 'BEGIN {
  printf "%-44s %8.0f files/s\n", "firma verify, one batch", n / (b - a);
  printf "%-44s %8.0f files/s\n", "openssl cms -verify, one process per file", n / (c - b) }'

echo
echo "== go test -bench VerifyAttached ./verify (peak heap while verifying)"
go test -run '^$' -bench 'VerifyAttached' -benchtime 1x -benchmem ./verify | grep -E '^Benchmark' || true

#!/usr/bin/env bash
# make bench: firma sign against the SHA-256 floor and openssl cms -sign, in
# one run on the same files, on a SoftHSM test token (never a real card).
#
#   1. a big file (FIRMA_BENCH_SIZE, default 1G): SHA-256 with sha256sum,
#      openssl dgst and Go, and a copy with fsync (dd conv=fsync): the floor
#      of an enveloping signature is one hash pass plus one durable copy;
#      firma sign attached (.p7m), co-signed and detached (.p7s);
#      openssl cms -sign attached (DER, and BER with -stream) and detached,
#      with a software key and through libengine-pkcs11-openssl on the same
#      SoftHSM token firma uses: wall time and peak RSS;
#   2. FIRMA_BENCH_FILES small files (default 1000, 1 KiB each): one firma
#      batch (one login) against a loop of openssl cms -sign: files/s;
#   3. the Go benchmarks of the sign package (allocation per signature and
#      peak RSS on generated content of FIRMA_BENCH_SIZE);
#   4. scripts/bench-verify.sh when present, on the files made here.
#
# Sizes: FIRMA_BENCH_SIZE=256M FIRMA_BENCH_FILES=200 make bench for a quick
# run. Work files live in FIRMA_BENCH_DIR (default .bench, reused).
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE=${FIRMA_BENCH_SIZE:-1G}
FILES=${FIRMA_BENCH_FILES:-1000}
DIR=${FIRMA_BENCH_DIR:-.bench}
FIRMA=${FIRMA:-bin/firma}
TIME=/usr/bin/time

[ -x "$FIRMA" ] || go build -o "$FIRMA" ./cmd/firma
[ -x "$TIME" ] || { echo "bench: GNU time (/usr/bin/time) is needed for peak RSS: apt-get install time" >&2; exit 1; }
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
go build -o "$DIR/benchtool" ./internal/benchtool
"$DIR/benchtool" fixture -dir "$DIR"
set -a; . "$DIR/env"; set +a
TOKEN=(--token firma-bench --pin-file "$DIR/pin")
PIN=$(head -n1 "$DIR/pin")
KEYID=$(head -n1 "$DIR/key-id")
P11URI="pkcs11:token=firma-bench;id=%${KEYID};type=private;pin-value=${PIN}"

# openssl's pkcs11 engine, pointed at the SoftHSM module firma uses.
ENGINE_SO=$(find /usr/lib -path '*engines-3/pkcs11.so' 2>/dev/null | head -n1 || true)
if [ -n "$ENGINE_SO" ]; then
  cat > "$DIR/openssl-pkcs11.cnf" <<EOF
openssl_conf = openssl_init
[openssl_init]
engines = engine_section
[engine_section]
pkcs11 = pkcs11_section
[pkcs11_section]
engine_id = pkcs11
dynamic_path = $ENGINE_SO
MODULE_PATH = $FIRMA_PKCS11_MODULE
init = 0
EOF
fi

to_bytes() {
  local v=$1 n=${1%[KMGkmg]*}
  case $v in
    *[Kk]*) echo $((n << 10)) ;; *[Mm]*) echo $((n << 20)) ;; *[Gg]*) echo $((n << 30)) ;; *) echo "$n" ;;
  esac
}
BYTES=$(to_bytes "$SIZE")
BIG=$DIR/big-$SIZE.bin
if [ "$(stat -c %s "$BIG" 2>/dev/null || echo 0)" != "$BYTES" ]; then
  echo "bench: writing $SIZE of random data to $BIG"
  head -c "$BYTES" /dev/urandom > "$BIG.tmp" && mv "$BIG.tmp" "$BIG"
fi
SMALL=$DIR/small-$FILES
if [ ! -f "$SMALL/.complete" ]; then
  rm -rf "$SMALL"; mkdir -p "$SMALL"
  for i in $(seq -w 1 "$FILES"); do head -c 1024 /dev/urandom > "$SMALL/doc-$i.txt"; done
  touch "$SMALL/.complete"
fi
OUT=$DIR/out
rm -rf "$OUT"; mkdir -p "$OUT/firma-batch" "$OUT/openssl-batch" "$OUT/engine-batch"
cat "$BIG" > /dev/null  # warm the page cache so every contender reads from memory

declare -A SECS RSS
# run NAME CMD...: time one command, record seconds and peak RSS (MiB).
run() {
  local name=$1; shift
  local log="$OUT/$name.time"
  if ! "$TIME" -f '%e %M' -o "$log" "$@" > /dev/null 2> "$OUT/$name.err"; then
    echo "bench: $name failed:" >&2; cat "$OUT/$name.err" >&2; tail -n1 "$log" >&2
    SECS[$name]=NaN; RSS[$name]=NaN; return 0
  fi
  read -r s kb < <(tail -n1 "$log")
  SECS[$name]=$s; RSS[$name]=$((kb / 1024))
  printf '  %-28s %8.2f s %8d MiB\n' "$name" "$s" "$((kb / 1024))"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "NaN" || b == "NaN" || b == 0) print "n/a"; else printf "%.2f", a / b }'; }

echo
echo "== $SIZE file ($BIG), time and peak RSS"
run sha256sum sha256sum "$BIG"
run openssl-dgst openssl dgst -sha256 "$BIG"
run go-sha256 "$DIR/benchtool" sha256 "$BIG"
run copy-fsync dd if="$BIG" of="$OUT/copy.bin" bs=1M conv=fsync status=none
rm -f "$OUT/copy.bin"
run firma-attached "$FIRMA" sign "${TOKEN[@]}" -o "$OUT/big.p7m" "$BIG"
# Co-signing the .p7m just made: the CLI first checks the existing
# signature (one read), then co-signs in one pass (a second read).
run firma-cosign "$FIRMA" sign "${TOKEN[@]}" -o "$OUT/big-co.p7m" "$OUT/big.p7m"
rm -f "$OUT/big-co.p7m"
run firma-detached "$FIRMA" sign "${TOKEN[@]}" --detached -o "$OUT/big.p7s" "$BIG"
# The same enveloping signature to standard output (/dev/null): never
# rewritten in place, so the two-pass way (hash, then copy while hashing
# again), without the write and fsync.
run firma-attached-nowrite "$FIRMA" sign "${TOKEN[@]}" -o - "$BIG"
SIGN=(openssl cms -sign -cades -binary -md sha256 -signer "$DIR/cert.pem")
run openssl-attached "${SIGN[@]}" -inkey "$DIR/key.pem" -nodetach -outform DER -in "$BIG" -out "$OUT/openssl.p7m"
run openssl-attached-stream "${SIGN[@]}" -inkey "$DIR/key.pem" -nodetach -stream -outform DER -in "$BIG" -out "$OUT/openssl-stream.p7m"
run openssl-detached "${SIGN[@]}" -inkey "$DIR/key.pem" -outform DER -in "$BIG" -out "$OUT/openssl.p7s"
if [ -n "$ENGINE_SO" ]; then
  ENG=(env OPENSSL_CONF="$DIR/openssl-pkcs11.cnf" "${SIGN[@]}" -engine pkcs11 -keyform engine -inkey "$P11URI")
  run engine-attached "${ENG[@]}" -nodetach -outform DER -in "$BIG" -out "$OUT/engine.p7m"
  run engine-detached "${ENG[@]}" -outform DER -in "$BIG" -out "$OUT/engine.p7s"
fi

# PAdES: a one-page PDF of the same size (one big embedded stream), signed
# in one pass into an fsync'd file; its floor is one SHA-256 pass plus one
# fsync'd copy (issue 12: at most 1.5x, at most 64 MiB).
PDF=$DIR/big-$SIZE.pdf
if [ ! -f "$PDF.complete" ]; then
  {
    printf '%%PDF-1.7\n'
    o1='1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n'
    o2='2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n'
    o3='3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << >> >>\nendobj\n'
    o4="4 0 obj\n<< /Type /EmbeddedFile /Length $BYTES >>\nstream\n"
    printf '%b%b%b%b' "$o1" "$o2" "$o3" "$o4"
    cat "$BIG"
    printf '\nendstream\nendobj\n'
    off1=9; off2=$((off1 + $(printf '%b' "$o1" | wc -c))); off3=$((off2 + $(printf '%b' "$o2" | wc -c)))
    off4=$((off3 + $(printf '%b' "$o3" | wc -c)))
    xref=$((off4 + $(printf '%b' "$o4" | wc -c) + BYTES + 18))
    printf 'xref\n0 5\n0000000000 65535 f \n%010d 00000 n \n%010d 00000 n \n%010d 00000 n \n%010d 00000 n \n' "$off1" "$off2" "$off3" "$off4"
    printf 'trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n' "$xref"
  } > "$PDF" && touch "$PDF.complete"
fi
cat "$PDF" > /dev/null
run copy-fsync dd if="$PDF" of="$OUT/copy.pdf" bs=1M conv=fsync status=none
rm -f "$OUT/copy.pdf"
run firma-pades "$FIRMA" sign "${TOKEN[@]}" --pades -o "$OUT/big-firmato.pdf" "$PDF"

echo
echo "== $FILES files of 1 KiB"
mapfile -t DOCS < <(find "$SMALL" -name 'doc-*.txt' | sort)
run firma-batch "$FIRMA" sign "${TOKEN[@]}" --output-dir "$OUT/firma-batch" "${DOCS[@]}"
cat > "$OUT/openssl-loop.sh" <<'EOF'
#!/usr/bin/env bash
# Loop of openssl cms -sign: $1 = output dir, the rest openssl's key options.
set -e
out=$1; shift
while read -r f; do
  openssl cms -sign -cades -binary -md sha256 -nodetach -outform DER "$@" -in "$f" -out "$out/$(basename "$f").p7m"
done
EOF
chmod +x "$OUT/openssl-loop.sh"
printf '%s\n' "${DOCS[@]}" > "$OUT/docs.list"
run openssl-loop bash -c '"$0" "$1" -signer "$2" -inkey "$3" < "$4"' "$OUT/openssl-loop.sh" "$OUT/openssl-batch" "$DIR/cert.pem" "$DIR/key.pem" "$OUT/docs.list"
if [ -n "$ENGINE_SO" ]; then
  run engine-loop env OPENSSL_CONF="$DIR/openssl-pkcs11.cnf" bash -c '"$0" "$1" -signer "$2" -engine pkcs11 -keyform engine -inkey "$3" < "$4"' "$OUT/openssl-loop.sh" "$OUT/engine-batch" "$DIR/cert.pem" "$P11URI" "$OUT/docs.list"
fi

# Spot-check that what was timed is valid.
openssl cms -verify -cades -binary -inform DER -in "$OUT/big.p7s" -content "$BIG" -CAfile "$DIR/ca.pem" -out /dev/null 2>/dev/null ||
  { echo "bench: firma's detached signature does not verify" >&2; exit 1; }
openssl cms -verify -cades -binary -inform DER -in "$OUT/firma-batch/doc-$(printf "%0${#FILES}d" 1).txt.p7m" -CAfile "$DIR/ca.pem" -out /dev/null 2>/dev/null ||
  { echo "bench: firma's batch output does not verify" >&2; exit 1; }

fps() { awk -v n="$FILES" -v s="$1" 'BEGIN { if (s == "NaN" || s == 0) print "n/a"; else printf "%.0f", n / s }'; }
echo
echo "== ratios (time: lower is better for firma when < 1)"
FLOOR=$(awk -v a="${SECS[go-sha256]}" -v b="${SECS[copy-fsync]}" 'BEGIN { if (a == "NaN" || b == "NaN") print "NaN"; else print a + b }')
printf '  firma attached / (Go SHA-256 + fsync copy) %s  (floor %s s)\n' "$(ratio "${SECS[firma-attached]}" "$FLOOR")" "$FLOOR"
printf '  firma co-sign / (2 Go SHA-256 + fsync copy) %s  (the CLI checks the existing signature first)\n' "$(ratio "${SECS[firma-cosign]}" "$(awk -v a="$FLOOR" -v b="${SECS[go-sha256]}" 'BEGIN { if (a == "NaN" || b == "NaN") print "NaN"; else print a + b }')")"
printf '  firma attached / Go SHA-256 floor        %s\n' "$(ratio "${SECS[firma-attached]}" "${SECS[go-sha256]}")"
printf '  firma attached / sha256sum               %s\n' "$(ratio "${SECS[firma-attached]}" "${SECS[sha256sum]}")"
printf '  firma attached to stdout (2 passes) / Go %s\n' "$(ratio "${SECS[firma-attached-nowrite]}" "${SECS[go-sha256]}")"
printf '  firma detached / Go SHA-256 floor        %s\n' "$(ratio "${SECS[firma-detached]}" "${SECS[go-sha256]}")"
PADES_FLOOR=$(awk -v a="${SECS[go-sha256]}" -v b="${SECS[copy-fsync]}" 'BEGIN { if (a == "NaN" || b == "NaN") print "NaN"; else print a + b }')
printf '  firma --pades / (SHA-256 + fsync copy)   %s  (RSS %s MiB)\n' "$(ratio "${SECS[firma-pades]}" "$PADES_FLOOR")" "${RSS[firma-pades]}"
printf '  firma attached / openssl attached (DER)  %s  (RSS %s / %s MiB)\n' "$(ratio "${SECS[firma-attached]}" "${SECS[openssl-attached]}")" "${RSS[firma-attached]}" "${RSS[openssl-attached]}"
printf '  firma attached / openssl -stream (BER)   %s  (RSS %s / %s MiB)\n' "$(ratio "${SECS[firma-attached]}" "${SECS[openssl-attached-stream]}")" "${RSS[firma-attached]}" "${RSS[openssl-attached-stream]}"
printf '  firma detached / openssl detached        %s  (RSS %s / %s MiB)\n' "$(ratio "${SECS[firma-detached]}" "${SECS[openssl-detached]}")" "${RSS[firma-detached]}" "${RSS[openssl-detached]}"
if [ -n "$ENGINE_SO" ]; then
  printf '  firma attached / openssl+pkcs11 attached %s  (RSS %s / %s MiB)\n' "$(ratio "${SECS[firma-attached]}" "${SECS[engine-attached]}")" "${RSS[firma-attached]}" "${RSS[engine-attached]}"
  printf '  firma detached / openssl+pkcs11 detached %s\n' "$(ratio "${SECS[firma-detached]}" "${SECS[engine-detached]}")"
fi
printf '  batch: firma %s files/s, openssl loop %s files/s' "$(fps "${SECS[firma-batch]}")" "$(fps "${SECS[openssl-loop]}")"
[ -n "$ENGINE_SO" ] && printf ', openssl+pkcs11 loop %s files/s' "$(fps "${SECS[engine-loop]}")"
printf '\n  batch speed-up firma / openssl loop      %s\n' "$(ratio "${SECS[openssl-loop]}" "${SECS[firma-batch]}")"

echo
echo "== Go benchmarks (sign package, generated content of $SIZE, software key)"
FIRMA_BENCH_SIZE=$SIZE go test -run '^$' -bench 'Attached|Detached|CoSign' -benchtime 1x -benchmem ./sign | grep -E '^Benchmark' || true
FIRMA_BENCH_SIZE=$BYTES go test -run '^$' -bench 'SignPDF' -benchtime 1x -benchmem ./pades | grep -E '^Benchmark' || true
go test -run '^$' -bench 'SmallFiles' -benchmem ./sign | grep -E '^Benchmark' || true

if [ -x scripts/bench-verify.sh ]; then
  echo
  echo "== scripts/bench-verify.sh"
  FIRMA_BENCH_DIR=$DIR FIRMA_BENCH_BIG=$BIG FIRMA_BENCH_P7M=$OUT/big.p7m FIRMA_BENCH_P7S=$OUT/big.p7s \
    FIRMA_BENCH_CA=$DIR/ca.pem FIRMA_BENCH_SMALL=$OUT/firma-batch FIRMA=$FIRMA scripts/bench-verify.sh
fi

# The virtual Aruba Key: pcscd + vpcd + the Go CNS card + opensc-pkcs11.so
# (root, vsmartcard-vpcd and opensc needed; skipped otherwise).
OPENSC=$(ls /usr/lib/*/opensc-pkcs11.so /usr/lib/opensc-pkcs11.so 2>/dev/null | head -1 || true)
if [ "$(id -u)" = 0 ] && [ -f /etc/reader.conf.d/vpcd ] && [ -n "$OPENSC" ] && command -v pkcs11-tool >/dev/null; then
  echo
  echo "== one signature through the whole card stack (median of 5 processes each)"
  export FIRMA_DEMO_PCSC_DIR=$DIR/pcsc
  eval "$(scripts/demo-card.sh start idemia 2>/dev/null)"
  trap 'scripts/demo-card.sh stop' EXIT
  echo 12345678 >"$DIR/pcsc/pin"
  printf 'bench\n' >"$DIR/pcsc/doc.txt"
  median() { sort -n | awk '{ a[NR] = $1 } END { printf "%.3f", a[int((NR + 1) / 2)] }'; }
  t_firma=$(for _ in 1 2 3 4 5; do
    s=$(date +%s.%N)
    FIRMA_PKCS11_MODULE= "$FIRMA" sign --module "$OPENSC" --pin-file "$DIR/pcsc/pin" --force "$DIR/pcsc/doc.txt" >/dev/null
    awk -v a="$(date +%s.%N)" -v b="$s" 'BEGIN { print a - b }'
  done | median)
  t_tool=$(for _ in 1 2 3 4 5; do
    s=$(date +%s.%N)
    pkcs11-tool --module "$OPENSC" --token-label "MARIO ROSSI (PIN CNS1)" --login --pin 12345678 \
      --sign --mechanism SHA256-RSA-PKCS --id 10 -i "$DIR/pcsc/doc.txt" -o "$DIR/pcsc/doc.sig" >/dev/null 2>&1
    awk -v a="$(date +%s.%N)" -v b="$s" 'BEGIN { print a - b }'
  done | median)
  printf '  firma sign (one file, CAdES .p7m)   %s s\n' "$t_firma"
  printf '  pkcs11-tool --sign (raw signature)  %s s\n' "$t_tool"
  printf '  firma / pkcs11-tool                 %s\n' "$(ratio "$t_firma" "$t_tool")"
  scripts/demo-card.sh stop
  trap - EXIT
  echo "  APDU round trip through pcscd + vpcd:"
  go test -count=1 -run 'TestStackEndToEnd$' -v ./internal/pcsctest 2>&1 | grep -o '[0-9]* APDUs round trip.*' | sed 's/^/    /' || true
fi

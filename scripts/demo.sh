#!/usr/bin/env bash
# make demo: firma on a demo SoftHSM token (and a virtual smartcard when
# the PC/SC demo is available), never on a real card. Idempotent: the demo
# store lives in ./.demo and is reused.
set -euo pipefail
cd "$(dirname "$0")/.."
FIRMA=bin/firma
step() { if [ -t 1 ]; then printf '\n\033[1m== %s\033[0m\n' "$*"; else printf '\n== %s\n' "$*"; fi; }

go run ./internal/testpki/demotoken -dir .demo
set -a; . .demo/env; set +a
TOKEN=(--token firma-demo)

step "firma status: the token, the doctor's qualified certificate, renewal advice"
$FIRMA status "${TOKEN[@]}"

step "firma check: one line for cron or monitoring"
$FIRMA check "${TOKEN[@]}" || true

sample=.demo/referto.txt
printf 'Referto del %s\nPaziente: demo\nEsito: nella norma\n' "$(date +%F)" > "$sample"
if $FIRMA sign --help >/dev/null 2>&1; then
  step "firma sign: $sample -> $sample.p7m (PIN from .demo/pin, as a script would)"
  $FIRMA sign "${TOKEN[@]}" --pin-file .demo/pin --force "$sample"
  if $FIRMA verify --help >/dev/null 2>&1; then
    step "firma verify: the signed file, with the demo CA as trust anchor"
    $FIRMA verify --trust .demo/ca.pem "$sample.p7m" || true
  fi
fi

if [ -x scripts/demo-card.sh ]; then
  step "virtual Aruba card over a private pcscd (no real card is touched)"
  scripts/demo-card.sh "$FIRMA" || echo "(the virtual card demo needs root and vsmartcard-vpcd: skipped)"
fi

#!/usr/bin/env bash
# A private pcscd with a virtual Aruba card, for `make demo` and for trying
# firma without a real card. Nothing touches the system pcscd or a real
# reader: pcscd runs in its own network and mount namespaces (a directory
# bound over /run/pcscd, loopback only, so vpcd's TCP ports are not
# reachable from outside), and firma reaches it through
# PCSCLITE_CSOCK_NAME.
#
#   scripts/demo-card.sh start [PROFILE]  start pcscd + the virtual card
#                                         (profiles: firma-vcard -profiles;
#                                         default aruba), print the export line
#   scripts/demo-card.sh env              print the export line again
#   scripts/demo-card.sh toggle           pull the card out / put it back
#   scripts/demo-card.sh stop             stop the card and pcscd
#   scripts/demo-card.sh FIRMA            start a CNS 1.1 card, show `FIRMA
#                                         readers`, `card`, `status`, a
#                                         signature made by the card through
#                                         OpenSC and its verification, stop
#
# Example:
#   scripts/demo-card.sh start && eval "$(scripts/demo-card.sh env)"
#   bin/firma readers; bin/firma card
#   scripts/demo-card.sh stop
#
# Needs root (namespaces), pcscd and vsmartcard-vpcd (scripts/deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DIR=${FIRMA_DEMO_PCSC_DIR:-$ROOT/.demo/pcsc}
RUN=$DIR/run
SOCK=$RUN/pcscd.comm

die() { echo "demo-card: $*" >&2; exit 1; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

check() {
  [ "$(id -u)" = 0 ] || die "needs root (network and mount namespaces)"
  command -v unshare >/dev/null || die "unshare missing (util-linux)"
  command -v nsenter >/dev/null || die "nsenter missing (util-linux)"
  [ -x /usr/sbin/pcscd ] || command -v pcscd >/dev/null || die "pcscd missing: run scripts/deps.sh"
  [ -f /etc/reader.conf.d/vpcd ] || die "vpcd reader configuration missing: apt-get install vsmartcard-vpcd"
}

env_line() { echo "export PCSCLITE_CSOCK_NAME=$SOCK"; }

start() {
  local profile=${1:-aruba}
  check
  if alive "$DIR/pcscd.pid"; then
    echo "demo-card: already running (scripts/demo-card.sh stop first)" >&2
    env_line
    return 0
  fi
  mkdir -p "$DIR/bin" && rm -rf "$RUN" && mkdir -p "$RUN" /run/pcscd
  go build -o "$DIR/bin/firma-vcard" ./cmd/firma-vcard
  # setsid: pcscd outlives this script; exec keeps one pid to stop.
  setsid unshare --net --mount --propagation private sh -c \
    "mount --bind '$RUN' /run/pcscd && ip link set lo up && exec pcscd -f" \
    >"$DIR/pcscd.log" 2>&1 </dev/null &
  echo $! >"$DIR/pcscd.pid"
  local i
  for i in $(seq 100); do
    [ -S "$SOCK" ] && break
    alive "$DIR/pcscd.pid" || die "pcscd exited: $(tail -5 "$DIR/pcscd.log")"
    sleep 0.1
  done
  [ -S "$SOCK" ] || die "pcscd did not start (see $DIR/pcscd.log)"
  # An Italian CNS card with test certificates (kept in $DIR/pki across
  # runs; $DIR/pki/ca.pem verifies its signatures) that OpenSC reads.
  setsid nsenter -t "$(cat "$DIR/pcscd.pid")" -n "$DIR/bin/firma-vcard" -profile "$profile" -cns "$DIR/pki" \
    >"$DIR/vcard.log" 2>&1 </dev/null &
  echo $! >"$DIR/vcard.pid"
  for i in $(seq 100); do
    grep -q "card inserted" "$DIR/vcard.log" 2>/dev/null && break
    alive "$DIR/vcard.pid" || die "virtual card exited: $(cat "$DIR/vcard.log")"
    sleep 0.1
  done
  grep -q "card inserted" "$DIR/vcard.log" || die "virtual card not inserted (see $DIR/vcard.log)"
  if [ -x "$ROOT/bin/firma" ]; then # wait until pcscd has seen the card
    PCSCLITE_CSOCK_NAME=$SOCK "$ROOT/bin/firma" readers --wait --timeout 10s >/dev/null ||
      die "pcscd does not see the virtual card (see $DIR/*.log)"
  fi
  echo "demo-card: private pcscd (pid $(cat "$DIR/pcscd.pid")) with a virtual $profile card; logs in $DIR" >&2
  echo "demo-card: $(grep 'card inserted' "$DIR/vcard.log" | head -1 | sed 's/^firma-vcard: //')" >&2
  env_line
}

stop() {
  local f
  for f in "$DIR/vcard.pid" "$DIR/pcscd.pid"; do
    if alive "$f"; then
      kill "$(cat "$f")" 2>/dev/null || true
      for _ in $(seq 50); do alive "$f" || break; sleep 0.1; done
      alive "$f" && kill -9 "$(cat "$f")" 2>/dev/null || true
    fi
    rm -f "$f"
  done
  rm -rf "$RUN"
}

toggle() {
  alive "$DIR/vcard.pid" || die "not running"
  kill -USR1 "$(cat "$DIR/vcard.pid")"
}

opensc_module() {
  local m
  for m in /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so /usr/lib/aarch64-linux-gnu/opensc-pkcs11.so /usr/lib/opensc-pkcs11.so; do
    [ -f "$m" ] && { echo "$m"; return 0; }
  done
  return 1
}

show() {
  local firma=$1 module
  trap stop EXIT
  # idemia: a CNS 1.1 card, which OpenSC signs with (on CNS 1.0 cards it
  # cannot use 2048-bit keys; try: scripts/demo-card.sh start aruba).
  eval "$(start idemia)"
  unset FIRMA_PKCS11_MODULE PKCS11_MODULE_PATH
  echo "\$ firma readers --wait --timeout 10s"; "$firma" readers --wait --timeout 10s
  echo; echo "\$ firma card"; "$firma" card || true
  if ! module=$(opensc_module); then
    echo "(OpenSC is not installed: apt-get install opensc for the signature through the card)"
    echo; echo "\$ firma status"; "$firma" status || true
    return 0
  fi
  local pin=$DIR/pin sample=$DIR/referto-card.txt
  echo 12345678 >"$pin"
  printf 'Referto del %s\nfirmato dalla carta virtuale\n' "$(date +%F)" >"$sample"
  echo; echo "\$ firma status --module $module"; "$firma" status --module "$module" || true
  echo; echo "\$ firma sign --module $module --pin-file $pin --force $sample"
  "$firma" sign --module "$module" --pin-file "$pin" --force "$sample" || true
  echo; echo "\$ firma verify --trust $DIR/pki/ca.pem $sample.p7m"
  "$firma" verify --trust "$DIR/pki/ca.pem" "$sample.p7m" || true
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) stop ;;
  env) env_line ;;
  toggle) toggle ;;
  ""|-h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) [ -x "$1" ] || die "unknown command or not an executable: $1"; show "$1" ;;
esac

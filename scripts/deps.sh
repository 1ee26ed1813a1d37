#!/usr/bin/env bash
# Installs the Debian packages firma's tests and demo need, when missing.
# As root it runs apt-get; otherwise it prints the command to run.
#   scripts/deps.sh         the tests and the demo
#   scripts/deps.sh dist    building packages (make deb, release, test-deb)
#   scripts/deps.sh arm64   the arm64 cross build (adds dpkg's arm64 architecture)
set -euo pipefail
case ${1:-} in
dist)
  pkgs=(
    libpcsclite-dev pkg-config gcc
    dpkg-dev                # dpkg-shlibdeps, dpkg-gencontrol, dpkg-architecture
    lintian
    debootstrap             # test-deb's clean Debian 12
    groff-base              # man pages rendered in the tests
  ) ;;
arm64)
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "firma: run as root: dpkg --add-architecture arm64 && apt-get update" >&2
      exit 1
    fi
    dpkg --add-architecture arm64
    apt-get update -qq
  fi
  pkgs=(gcc-aarch64-linux-gnu libpcsclite-dev:arm64 qemu-user-static) ;;
"")
pkgs=(
  softhsm2                  # SoftHSM2 token for PKCS#11 tests and the demo
  opensc                    # pkcs11-tool, opensc-tool: independent cross-checks
  pcscd                     # PC/SC daemon, started privately by the tests
  libpcsclite-dev           # headers for github.com/ebfe/scard (cgo)
  pkg-config
  vsmartcard-vpcd           # virtual reader driver the Go virtual card plugs into
  pcsc-tools                # pcsc_scan: independent PC/SC client
  libengine-pkcs11-openssl  # openssl cms -sign with a token key (peer in tests/bench)
  openssl
  xmlsec1                   # an independent XMLDSig signer for the trusted-list tests
  libxml2-utils             # xmllint: the reference canonicalizer (internal/xmldsig tests)
  qpdf                      # qpdf --check, test PDFs with object streams and encryption (internal/pdf, pades)
  poppler-utils             # pdfsig: an independent PAdES verifier (pades tests)
  libnss3-tools             # certutil, pk12util: the NSS database pdfsig trusts the test CA from
  python3-icalendar         # an independent iCalendar parser for firma remind's .ics files
  groff-base                # groff: the man pages render without warnings (cmd/firma tests)
  iproute2                  # ip: loopback up in the private network namespace of the test pcscd
  util-linux                # unshare, nsenter: that namespace
) ;;
*) echo "usage: $0 [dist|arm64]" >&2; exit 2 ;;
esac
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "firma: missing Debian packages: ${missing[*]}" >&2
  echo "firma: install them with: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

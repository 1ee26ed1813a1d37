#!/usr/bin/env bash
# Installs the Debian packages firma's tests and demo need, when missing.
# As root it runs apt-get; otherwise it prints the command to run.
set -euo pipefail
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
)
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

#!/usr/bin/env bash
# Builds firma's packages, reproducibly: the same commit gives the same
# bytes, in any folder, on any day (see scripts/test-repro.sh).
#
#   scripts/dist.sh docs          man pages and completions from the commands
#   scripts/dist.sh binary ARCH   the cgo build (PC/SC, PKCS#11), hardened
#   scripts/dist.sh static ARCH   the CGO_ENABLED=0 build: verifies, no cards
#   scripts/dist.sh deb ARCH      dist/firma_VERSION_ARCH.deb (dpkg-deb), lintian
#   scripts/dist.sh tar ARCH      dist/firma_VERSION_linux_ARCH.tar.gz
#   scripts/dist.sh release       all of it, amd64 and arm64 when the cross
#                                 toolchain is here, and dist/SHA256SUMS
#
# Environment: DIST (default dist), RELEASE_ARCHES (default: amd64, and
# arm64 when it can be built), LINTIAN=0 to skip lintian, GO.
#
# ARCH is a Debian architecture (amd64, arm64); Go's names are the same.
# Reproducibility: -trimpath, fixed cgo flags without paths, the version,
# commit and date from git (SOURCE_DATE_EPOCH is the commit's time), file
# times clamped to it, files sorted, owners root, gzip without names.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
DIST=${DIST:-dist}
B=$DIST/build
VERSION=${VERSION:-$(scripts/version.sh)}
COMMIT=${COMMIT:-$(git rev-parse HEAD)}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct HEAD)}
BUILD_DATE=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
export TZ=UTC LC_ALL=C.UTF-8
umask 022
LDFLAGS="-s -w -X main.version=$VERSION -X main.commit=$COMMIT -X main.date=$BUILD_DATE"
HOST_ARCH=$(dpkg --print-architecture)

say() { echo "dist: $*" >&2; }

# The cross compiler's GNU triplet for a Debian architecture.
triplet() { dpkg-architecture -a"$1" -qDEB_HOST_GNU_TYPE 2>/dev/null; }

# can_build ARCH: the toolchain and the multiarch libpcsclite-dev are here.
can_build() {
  [ "$1" = "$HOST_ARCH" ] && return 0
  command -v "$(triplet "$1")-gcc" >/dev/null &&
    dpkg-query -W -f='${Status}' "libpcsclite-dev:$1" 2>/dev/null | grep -q "install ok installed"
}

docs() {
  rm -rf "$B/docs"
  mkdir -p "$B/docs"
  # The generator is firma itself, built with -tags gendocs for this
  # machine: the pages are the same for every architecture.
  # The pages' language is given, never taken from this machine's locale:
  # English for man1, Italian for it/man1 (man picks it under an Italian
  # locale, or with man -L it).
  $GO run -trimpath -tags gendocs -ldflags "-X main.version=$VERSION" ./cmd/firma \
    gendocs --lang en --man "$B/docs/man" --completions "$B/docs/completions"
  $GO run -trimpath -tags gendocs -ldflags "-X main.version=$VERSION" ./cmd/firma \
    gendocs --lang it --man "$B/docs/man-it"
}

binary() {
  local arch=$1 out=$B/linux_$1/firma
  local -a env=(GOOS=linux GOARCH="$arch" CGO_ENABLED=1
    # Debian's hardening flags (dpkg-buildflags), without -g and without
    # -ffile-prefix-map=$PWD: the build folder must not reach the binary.
    CGO_CFLAGS="-O2 -fstack-protector-strong -Wformat -Werror=format-security"
    CGO_CPPFLAGS="-D_FORTIFY_SOURCE=2"
    CGO_LDFLAGS="-Wl,-z,relro -Wl,-z,now")
  if [ "$arch" != "$HOST_ARCH" ]; then
    local t; t=$(triplet "$arch")
    env+=(CC="$t-gcc" PKG_CONFIG_LIBDIR="/usr/lib/$t/pkgconfig:/usr/share/pkgconfig")
  fi
  mkdir -p "$(dirname "$out")"
  env "${env[@]}" $GO build -trimpath -buildmode=pie -ldflags "$LDFLAGS" -o "$out" ./cmd/firma
  # The C compiler's version strings, as dh_strip removes them.
  local objcopy=objcopy
  [ "$arch" = "$HOST_ARCH" ] || objcopy=$(triplet "$arch")-objcopy
  $objcopy --remove-section=.comment "$out"
}

static() {
  local arch=$1 out=$B/linux_$1_static/firma
  mkdir -p "$(dirname "$out")"
  GOOS=linux GOARCH="$arch" CGO_ENABLED=0 $GO build -trimpath -ldflags "$LDFLAGS" -o "$out" ./cmd/firma
  local name=firma-verify-only_${VERSION}_linux_$arch
  local st=$B/static_$arch/$name
  rm -rf "$B/static_$arch"
  install -D -m0755 "$out" "$st/firma"
  install -m0644 README.md "$st/README.md"
  copyright "$st/firma" "$st/copyright"
  tarball "$B/static_$arch" "$name" "$DIST/$name.tar.gz"
}

# copyright BINARY OUT: debian/copyright, then a paragraph per Go module
# linked into BINARY (go version -m) and one for Go's runtime and standard
# library, each with the license text from the module itself: MIT, BSD
# and Apache all ask that it go with the binary.
copyright() {
  local bin=$1 out=$2 modcache m v dir lic
  modcache=$($GO env GOMODCACHE)
  cat debian/copyright >"$out"
  license_paragraph "vendor/go/*" "Go ($($GO env GOVERSION)): runtime and standard library" "$($GO env GOROOT)/LICENSE" >>"$out"
  $GO version -m "$bin" | awk '$1 == "dep" { print $2, $3 }' | sort | while read -r m v; do
    # The module cache escapes capitals: VividCortex -> !vivid!cortex.
    dir=$modcache/$(sed 's/[A-Z]/!\L&/g' <<<"$m")@$v
    lic=$(find "$dir" -maxdepth 1 -type f -iregex '.*/\(licen[cs]e\|copying\|unlicense\)\(\.txt\|\.md\)?' | sort | head -1)
    [ -n "$lic" ] || { say "no license file in $dir"; return 1; }
    license_paragraph "vendor/$m/*" "Go module $m $v, linked into /usr/bin/firma" "$lic" >>"$out"
  done
}

# license_paragraph FILES COMMENT LICENSEFILE: a DEP-5 Files paragraph.
license_paragraph() {
  local text=$3 name holders
  if grep -q "Apache License" "$text"; then name=Apache-2.0
  elif grep -q "unencumbered software released into the public domain" "$text"; then name=Unlicense
  elif grep -q "Permission is hereby granted, free of charge" "$text"; then name=Expat
  elif grep -qi "Neither the name\|names of its contributors" "$text"; then name=BSD-3-clause
  elif grep -q "Redistribution and use" "$text"; then name=BSD-2-clause
  else say "unknown license in $text"; return 1; fi
  holders=$(grep -i '^ *copyright (c)\|^ *copyright [0-9]' "$text" | sed 's/^ *//' | head -5 || true)
  [ -n "$holders" ] || { holders=${1#vendor/}; holders="the authors of ${holders%/\*}"; }
  printf '\nFiles: %s\nCopyright: %s\nComment: %s\nLicense: %s\n' "$1" "$(sed '2,$s/^/ /' <<<"$holders")" "$2" "$name"
  if [ "${COMMON_LICENSES:-}" = 1 ] && [ "$name" = Apache-2.0 ]; then
    # Debian systems have it; the tarballs carry the full text.
    echo " On Debian systems, the full text of the Apache License 2.0 is in"
    echo " /usr/share/common-licenses/Apache-2.0."
    return
  fi
  sed -e 's/[[:space:]]*$//' -e 's/^$/./' -e 's/^/ /' "$text"
}

# ensure_built ARCH: the binary and the docs, built once per run (never a
# stale one from an earlier run).
BUILT=" "
ensure_built() {
  case $BUILT in *" docs "*) ;; *) docs; BUILT="$BUILT docs " ;; esac
  case $BUILT in *" $1 "*) ;; *) binary "$1"; BUILT="$BUILT $1 " ;; esac
}

# maintainer is debian/control's Maintainer.
maintainer() { sed -n 's/^Maintainer: //p' debian/control; }

# changelog writes the Debian changelog of this version: the commits since
# the previous release tag (all of them before the first release).
changelog() {
  local prev range=HEAD
  if prev=$(git describe --tags --match 'v[0-9]*' --abbrev=0 HEAD^ 2>/dev/null); then range=$prev..HEAD; fi
  {
    echo "firma ($VERSION) unstable; urgency=medium"
    echo
    git log --no-merges --format='%s' "$range" | while IFS= read -r s; do
      printf '%s\n' "$s" | fold -s -w 72 | sed -e 's/ *$//' -e '1s/^/  * /' -e '2,$s/^/    /'
    done
    echo
    echo " -- $(maintainer)  $(date -u -R -d "@$SOURCE_DATE_EPOCH")"
  } >"$1"
}

# stage_common ROOT: what the .deb and the tarball share under ROOT/usr.
stage_share() {
  local share=$1
  local m
  mkdir -p "$share/man/man1" "$share/man/it/man1"
  for m in "$B"/docs/man/*.1; do
    gzip -9n <"$m" >"$share/man/man1/$(basename "$m").gz"
  done
  for m in "$B"/docs/man-it/*.1; do
    gzip -9n <"$m" >"$share/man/it/man1/$(basename "$m").gz"
  done
  (cd "$B/docs/completions" && find . -type f -printf '%P\n') | while read -r f; do
    install -D -m0644 "$B/docs/completions/$f" "$share/$f"
  done
}

# clamp ROOT: every file time is the commit's.
clamp() { find "$1" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +; }

tarball() { # DIR NAME OUT: DIR/NAME as a reproducible tar.gz
  clamp "$1/$2"
  tar -C "$1" --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
    --format=gnu -cf - "$2" | gzip -9n >"$3"
}

deb() {
  local arch=$1 d=$B/deb_$1
  local root=$d/root out=$DIST/firma_${VERSION}_$1.deb
  ensure_built "$arch"
  rm -rf "$d"
  mkdir -p "$root/DEBIAN" "$root/usr/share/doc/firma"
  install -D -m0755 "$B/linux_$arch/firma" "$root/usr/bin/firma"
  stage_share "$root/usr/share"
  gzip -9n <README.md >"$root/usr/share/doc/firma/README.md.gz"
  gzip -9n <docs/real-cards.md >"$root/usr/share/doc/firma/real-cards.md.gz"
  install -D -m0644 debian/lintian-overrides "$root/usr/share/lintian/overrides/firma"
  COMMON_LICENSES=1 copyright "$root/usr/bin/firma" "$root/usr/share/doc/firma/copyright"
  chmod 0644 "$root/usr/share/doc/firma/copyright"
  changelog "$d/changelog"
  gzip -9n <"$d/changelog" >"$root/usr/share/doc/firma/changelog.gz"

  # Depends: the libraries the binary links, mapped to the packages that
  # hold them (dpkg-shlibdeps reads the ELF, as debhelper does).
  local cc=gcc
  [ "$arch" = "$HOST_ARCH" ] || cc=$(triplet "$arch")-gcc
  CC=$cc dpkg-architecture -a"$arch" -f -c dpkg-shlibdeps -T"$d/substvars" -e"$root/usr/bin/firma"
  CC=$cc dpkg-architecture -a"$arch" -f -c dpkg-gencontrol -pfirma -v"$VERSION" -l"$d/changelog" \
    -T"$d/substvars" -P"$root" -f"$d/files"
  (cd "$root" && find . -type f ! -path './DEBIAN/*' -printf '%P\n' | sort | xargs md5sum) >"$root/DEBIAN/md5sums"
  chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"
  clamp "$root"
  mkdir -p "$DIST"
  dpkg-deb --root-owner-group -Zxz --build "$root" "$out" >/dev/null
  say "$out: $(dpkg-deb -f "$out" Depends)"
  if [ "${LINTIAN:-1}" = 0 ]; then
    :
  elif command -v lintian >/dev/null; then
    lintian --fail-on error,warning --display-info "$out" >&2
  else
    say "lintian not installed: not checked (make deps-dist installs it)"
  fi
}

tar_dist() {
  local arch=$1 name=firma_${VERSION}_linux_$1
  local st=$B/tar_$arch/$name
  ensure_built "$arch"
  rm -rf "$B/tar_$arch"
  install -D -m0755 "$B/linux_$arch/firma" "$st/bin/firma"
  stage_share "$st/share"
  install -D -m0644 README.md "$st/share/doc/firma/README.md"
  copyright "$st/bin/firma" "$st/share/doc/firma/copyright"
  mkdir -p "$DIST"
  tarball "$B/tar_$arch" "$name" "$DIST/$name.tar.gz"
}

# smoke ARCH BINARY: the binary starts and knows its build (arm64 under
# qemu-user-static, with the multiarch libraries).
smoke() {
  local arch=$1 bin=$2 runner=()
  if [ "$arch" != "$HOST_ARCH" ]; then
    local q=qemu-${arch/arm64/aarch64}-static
    command -v "$q" >/dev/null || { say "$q not installed: $bin not started"; return 1; }
    runner=("$q")
  fi
  local js; js=$("${runner[@]}" "$bin" version --json)
  grep -q "\"arch\": \"$arch\"" <<<"$js" && grep -q "\"commit\": \"$COMMIT\"" <<<"$js" ||
    { say "$bin version: $js"; return 1; }
  say "$bin starts: $("${runner[@]}" "$bin" --version)"
}

release() {
  local arches=${RELEASE_ARCHES:-}
  if [ -z "$arches" ]; then
    arches=$HOST_ARCH
    if can_build arm64; then arches="$arches arm64"; else
      say "arm64 skipped: needs gcc-aarch64-linux-gnu and libpcsclite-dev:arm64 (make deps-dist installs them)"
    fi
  fi
  rm -rf "$DIST"
  local a
  for a in $arches; do
    ensure_built "$a"
    smoke "$a" "$B/linux_$a/firma"
    deb "$a"
    tar_dist "$a"
    static "$a"
    smoke "$a" "$B/linux_${a}_static/firma"
  done
  (cd "$DIST" && sha256sum -- *.deb *.tar.gz >SHA256SUMS)
  say "release $VERSION ($COMMIT, $BUILD_DATE):"
  (cd "$DIST" && cat SHA256SUMS) >&2
}

case ${1:-} in
docs) docs ;;
binary | static | deb) "$1" "${2:-$HOST_ARCH}" ;;
tar) tar_dist "${2:-$HOST_ARCH}" ;;
release) release ;;
*) echo "usage: $0 docs|binary ARCH|static ARCH|deb ARCH|tar ARCH|release" >&2; exit 2 ;;
esac

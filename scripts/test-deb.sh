#!/usr/bin/env bash
# The .deb on a fresh Debian 12: a minbase system made by debootstrap from
# Debian's packages (the mirror apt uses here), in a chroot with private
# mounts. It proves, in order:
#   - before: no firma, no man page, no completion;
#   - apt-get install ./firma_*.deb pulls the Depends (and Recommends) from
#     Debian and firma --version runs with the package's version;
#   - man firma-sign shows the page; bash completes "firma si" to sign and
#     "firma sign --output" to its flags, through bash-completion's loader;
#   - apt-get remove firma leaves none of its files; purge and autoremove
#     give back the system as it was (files outside apt's own state).
# Usage: scripts/test-deb.sh [DEB]   (default: the newest dist/firma_*_amd64.deb)
# MIRROR overrides the mirror; FIRMA_DEBOOTSTRAP_CACHE keeps the downloaded
# packages between runs (default /var/cache/firma-debootstrap).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "test-deb: needs root (debootstrap, chroot)" >&2; exit 1; }
deb=${1:-$(ls -t dist/firma_*_amd64.deb 2>/dev/null | head -1)}
[ -f "$deb" ] || { echo "test-deb: no package: run make deb" >&2; exit 1; }
version=$(dpkg-deb -f "$deb" Version)

# The Debian mirror apt is configured with (deb822 or one-line sources).
apt_mirror() {
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
    grep -oE 'https?://[^ ]+/debian/?( |$)' | grep -v security | head -1 | tr -d ' ' || true
}
mirror=${MIRROR:-$(apt_mirror)}
mirror=${mirror:-http://deb.debian.org/debian}
cache=${FIRMA_DEBOOTSTRAP_CACHE:-/var/cache/firma-debootstrap}
mkdir -p "$cache"

root=$(mktemp -d /var/tmp/firma-test-deb.XXXXXX)
chmod 0755 "$root" # a system's /: apt's _apt user downloads through it
trap 'rm -rf --one-file-system "$root"' EXIT
echo "test-deb: debootstrap bookworm from $mirror into $root" >&2
debootstrap --variant=minbase --cache-dir="$cache" bookworm "$root" "$mirror" >"$root.log" 2>&1 ||
  { tail -20 "$root.log" >&2; rm -f "$root.log"; exit 1; }
rm -f "$root.log"
cp "$deb" "$root/tmp/"
# Services are not started in a chroot (pcscd comes as a Recommends).
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"

cat >"$root/tmp/test.sh" <<'INNER'
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin
deb=/tmp/$(basename "$1"); version=$2
fail() { echo "test-deb: FAIL: $*" >&2; exit 1; }
ok() { echo "test-deb: ok: $*" >&2; }
# What a user's system has around firma: man and bash-completion.
apt-get update -qq
apt-get install -y -qq --no-install-recommends man-db bash-completion >/dev/null
complete_firma() { # WORDS...: the candidates bash offers for the last word
  bash -c '
    source /usr/share/bash-completion/bash_completion
    # What bash-completion does on the first TAB after "firma": load
    # the file named firma from its completions folders, if there is one.
    __load_completion firma || exit 3
    COMP_WORDS=("$@"); COMP_CWORD=$(($#-1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    fn=$(complete -p firma | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
    # Called as bash would on TAB; compopt complains outside a real TAB
    # (it only tunes how the list is shown), hence 2>/dev/null.
    "$fn" firma "${@: -1}" "${@: -2:1}" 2>/dev/null
    printf "%s\n" "${COMPREPLY[@]}"' bash "$@"
}
snapshot() { # every file outside apt's and dpkg's state, caches and logs
  find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /tmp -o -path /var/lib/apt \
    -o -path /var/lib/dpkg -o -path /var/cache -o -path /var/log -o -path /run -o -path /var/lib/systemd \
    -o -path /etc/ld.so.cache \) -prune -o -print | sort
}

command -v firma >/dev/null && fail "firma present before the install"
man -w firma-sign >/dev/null 2>&1 && fail "man firma-sign found before the install"
complete_firma firma si >/dev/null 2>&1 && fail "a bash completion for firma before the install"
snapshot >/tmp/before

apt-get install -y -qq "$deb" >/tmp/install.log 2>&1 || { cat /tmp/install.log; fail "apt-get install $deb"; }
ok "apt-get install ./$(basename "$deb"): $(dpkg-query -W -f='${Package} ${Version} ${Status}' firma)"
for p in libpcsclite1 pcscd; do
  dpkg-query -W -f='${Status}' "$p" | grep -q "install ok installed" || fail "$p not installed with firma"
done
ok "Depends and Recommends from Debian: $(dpkg-query -W -f='${Depends} | ${Recommends}' firma)"

out=$(firma --version) || fail "firma --version"
case $out in "firma $version (go1."*) ok "$out" ;; *) fail "firma --version: $out" ;; esac
firma version --json | grep -q '"cgo": true' || fail "firma version --json: $(firma version --json)"

page=$(man -P cat firma-sign 2>/tmp/man.err) || fail "man firma-sign: $(cat /tmp/man.err)"
grep -q "firma-sign - Sign files" <<<"$page" || fail "man firma-sign: $page"
grep -q -- "--output-dir" <<<"$page" || fail "man firma-sign lacks --output-dir"
[ -s /tmp/man.err ] && fail "man firma-sign warned: $(cat /tmp/man.err)"
ok "man firma-sign: $(grep -m1 'firma-sign -' <<<"$page" | sed 's/^ *//')"
n=$(ls /usr/share/man/man1/firma*.1.gz | wc -l); ok "$n firma man pages"
# The Italian pages, as man -L it (or an Italian locale) shows them.
page=$(man -L it -P cat firma-sign 2>/tmp/man.err) || fail "man -L it firma-sign: $(cat /tmp/man.err)"
grep -q "firma-sign - Firmare file" <<<"$page" || fail "man -L it firma-sign: $page"
grep -q "^SINTASSI" <<<"$page" || fail "man -L it firma-sign has no SINTASSI: $page"
[ -s /tmp/man.err ] && fail "man -L it firma-sign warned: $(cat /tmp/man.err)"
m=$(ls /usr/share/man/it/man1/firma*.1.gz | wc -l)
[ "$m" = "$n" ] || fail "$m Italian man pages, $n English"
ok "man -L it firma-sign: $(grep -m1 'firma-sign -' <<<"$page" | sed 's/^ *//')"

c=$(complete_firma firma si) || fail "bash completion of 'firma si'"
[ "$(head -1 <<<"$c")" = "sign" ] || fail "bash completes 'firma si' to: $c"
c=$(complete_firma firma sign --output) || fail "bash completion of 'firma sign --output'"
grep -qE -- "^--output-dir( |$)" <<<"$c" || fail "bash completes 'firma sign --output' to: $c"
ok "bash completion: 'firma si' -> sign, 'firma sign --output' -> $(awk '{print $1}' <<<"$c" | tr '\n' ' ')"
for f in /usr/share/zsh/vendor-completions/_firma /usr/share/fish/vendor_completions.d/firma.fish; do
  [ -f "$f" ] || fail "$f missing"
done

dpkg -L firma | sort >/tmp/files
apt-get remove -y -qq firma >/dev/null 2>&1 || fail "apt-get remove firma"
left=$(while read -r f; do if [ -f "$f" ] || [ -L "$f" ]; then echo "$f"; fi; done </tmp/files)
[ -z "$left" ] || fail "left after apt-get remove: $left"
command -v firma >/dev/null && fail "firma still on PATH"
complete_firma firma si >/dev/null 2>&1 && fail "bash still completes firma"
ok "apt-get remove firma: none of its $(wc -l </tmp/files) paths left"
# apt forgets a package installed from a file once it is removed: dpkg
# purges what is left of it (nothing: firma has no configuration files).
dpkg --purge firma >/dev/null 2>&1 || fail "dpkg --purge firma"
dpkg-query -W firma >/dev/null 2>&1 && fail "dpkg still knows firma: $(dpkg-query -W firma)"
apt-get autoremove --purge -y -qq >/dev/null 2>&1 || fail "apt-get autoremove --purge"
snapshot >/tmp/after
d=$(diff /tmp/before /tmp/after) || fail "the system differs after purge and autoremove: $d"
ok "purge + autoremove: the system is as before the install"
INNER

unshare --mount --propagation private bash -c '
  set -e
  mount -t proc proc "$1/proc"
  mount --rbind /dev "$1/dev"
  chroot "$1" /bin/bash /tmp/test.sh "$2" "$3"' bash "$root" "$deb" "$version"
echo "test-deb: $deb passed on a fresh Debian 12" >&2

#!/usr/bin/env bash
# Checks what scripts/dist.sh wrote to dist/: unpacks the release archive in a temporary
# directory and checks the binary is portable (no libssl/libcrypto needed, newest GLIBC
# symbol <= 2.28) and hardened (PIE, full RELRO, non-executable stack), runs it
# (--version, generate, strip-pfx), loads the completions (bash -n, zsh -n when zsh is
# installed), renders every man page (man -l), lists and unpacks the .deb (dpkg-deb -c,
# dpkg -x), checks SHA256SUMS, and checks the static binary finds the system CA store on
# other distributions' layouts (scripts/test-tls-layouts.sh). When dist/ holds the Windows
# zip (always, unless CERTTOOL_DIST_WINDOWS=0), checks it under Wine too
# (scripts/test-dist-windows.sh).
# Usage: bash scripts/test-dist.sh   (after bash scripts/dist.sh; needs root or user namespaces)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

source scripts/checks.sh

archive=$(ls dist/certtool-*-x86_64-linux.tar.gz 2>/dev/null | head -1) || true
[ -n "$archive" ] || { echo "no dist/certtool-*-x86_64-linux.tar.gz: run bash scripts/dist.sh first" >&2; exit 1; }
deb=$(ls dist/certtool_*.deb | head -1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -xzf "$archive" -C "$work"
name=$(basename "$archive" .tar.gz)
dir=$work/$name
bin=$dir/certtool
version=${name#certtool-}
version=${version%-x86_64-linux}

check "SHA256SUMS matches the archive and the .deb (and the Windows zip)" bash -c "cd dist && sha256sum --quiet -c SHA256SUMS"
# The Windows zip is part of the release unless dist.sh was told to leave it out.
zip=$(ls dist/certtool-*-x86_64-windows.zip 2>/dev/null | head -1) || true
zip_listed() { [ -n "$zip" ] && grep -q " $(basename "$zip")\$" dist/SHA256SUMS; }
if [ "${CERTTOOL_DIST_WINDOWS:-1}" != 0 ]; then
  check "dist/ holds the Windows zip, listed in SHA256SUMS" zip_listed
fi
check "archive holds binary, README, licences, 4 completions" \
  test -x "$bin" -a -f "$dir/README.md" -a -f "$dir/LICENSE-MIT" -a -f "$dir/LICENSE-APACHE" \
  -a -f "$dir/completions/certtool.bash" -a -f "$dir/completions/_certtool" \
  -a -f "$dir/completions/certtool.fish" -a -f "$dir/completions/certtool.ps1"

no_libssl() { readelf -d "$bin" | grep NEEDED && ! readelf -d "$bin" | grep -Eq 'NEEDED.*lib(ssl|crypto)'; }
check "readelf -d: no libssl / libcrypto needed" no_libssl
newest_glibc() {
  local newest
  newest=$(objdump -T "$bin" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -Vu | tail -1)
  echo "newest GLIBC symbol: $newest"
  [ "$(printf '%s\n2.28\n' "$newest" | sort -V | tail -1)" = "2.28" ]
}
check "newest GLIBC symbol version <= 2.28" newest_glibc
# The hardening the release keeps on purpose (docs/security.md): a position-independent
# executable (ASLR for the code that parses untrusted PFX files), full RELRO (relocated
# tables read-only before main, BIND_NOW) and a non-executable stack.
hardened() {
  local dynamic segments
  dynamic=$(readelf -d "$bin") && segments=$(readelf -lW "$bin") &&
    readelf -h "$bin" | grep -q 'Type:.*DYN' &&
    grep -Eq 'FLAGS_1.*PIE' <<<"$dynamic" && grep -Eq 'FLAGS.*BIND_NOW' <<<"$dynamic" &&
    grep -q GNU_RELRO <<<"$segments" &&
    awk '$1 == "GNU_STACK" { found = 1; if ($7 != "RW") exit 1 } END { exit !found }' <<<"$segments"
}
check "readelf: PIE, full RELRO (BIND_NOW), non-executable stack" hardened
version_text() {
  local text
  text=$("$bin" --version)
  echo "$text"
  grep -qx "certtool $version" <<<"$text" && grep -q '^commit: [0-9a-f]\{12\}$' <<<"$text" &&
    grep -q '^openssl: OpenSSL 3.* (statically linked' <<<"$text"
}
check "--version: version, commit, static OpenSSL" version_text

generate() {
  "$bin" generate --name "Dist Test" --out-dir "$work/gen" --no-password &&
    openssl x509 -inform DER -in "$work/gen/Dist-Test.cer" -noout -subject | grep -q 'CN *= *Dist Test' &&
    openssl pkcs12 -in "$work/gen/Dist-Test.pfx" -passin pass: -nodes -noout
}
check "generate writes a PFX and a .cer openssl reads" generate
strip() {
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=strip -keyout "$work/s.key" -out "$work/s.pem" 2>/dev/null
  PW=Secret-1 openssl pkcs12 -export -inkey "$work/s.key" -in "$work/s.pem" -passout env:PW -out "$work/s.pfx"
  PW=Secret-1 "$bin" strip-pfx "$work/s.pfx" -o "$work/s-nopass.pfx" --password-env PW &&
    openssl pkcs12 -in "$work/s-nopass.pfx" -passin pass: -nodes | grep -q 'BEGIN PRIVATE KEY'
}
check "strip-pfx removes the password (openssl reads it with none)" strip

bash_completion() { bash -n "$dir/completions/certtool.bash" && bash -c "source '$dir/completions/certtool.bash' && complete -p certtool"; }
check "bash completion parses and registers" bash_completion
if command -v zsh >/dev/null 2>&1; then
  check "zsh completion parses (zsh -n)" zsh -n "$dir/completions/_certtool"
else
  echo "skip zsh -n (zsh not installed)"
fi
for page in "$dir"/man/*.1; do
  check "man -l renders $(basename "$page")" bash -c "MANWIDTH=80 man -l '$page' 2>&1 | grep -q '^NAME'"
done
pages=$(ls "$dir"/man/*.1 | wc -l)
check "a man page per command ($pages >= 10)" test "$pages" -ge 10

deb_lists() {
  local list
  list=$(dpkg-deb -c "$deb")
  for path in ./usr/bin/certtool ./usr/share/bash-completion/completions/certtool \
    ./usr/share/zsh/vendor-completions/_certtool ./usr/share/fish/vendor_completions.d/certtool.fish \
    ./usr/share/man/man1/certtool.1.gz ./usr/share/man/man1/certtool-strip-pfx.1.gz \
    ./usr/share/doc/certtool/copyright; do
    grep -q " $path\$" <<<"$list" || { echo "missing $path"; return 1; }
  done
}
check "dpkg-deb -c lists binary, completions, man pages, copyright" deb_lists
deb_runs() {
  local depends
  dpkg -x "$deb" "$work/debroot" && "$work/debroot/usr/bin/certtool" -V | grep -qx "certtool $version" &&
    depends=$(dpkg-deb -f "$deb" Depends) && echo "Depends: $depends" &&
    grep -qx 'libc6 (>= 2.28)' <<<"$depends"
}
check "the .deb unpacks (dpkg -x), runs, and depends on libc6 (>= 2.28) only" deb_runs

# The CA store on other distributions' layouts, with the static binary.
run_counted tls-layouts bash scripts/test-tls-layouts.sh "$bin"

# The Windows zip under Wine.
if [ -n "$zip" ]; then
  started=$SECONDS
  run_counted test-dist-windows bash scripts/test-dist-windows.sh
  echo "(Windows checks under Wine: $((SECONDS - started)) s)"
fi

checks_summary

#!/usr/bin/env bash
# Checks the Windows release in dist/ (called by scripts/test-dist.sh): unpacks
# certtool-VERSION-x86_64-windows.zip and, in the chroot of scripts/windows-env.sh, runs
# certtool.exe under Wine as a Windows user would: --version; generate, then inspect and
# openssl on what it wrote; strip-pfx from a file, through stdin/stdout pipes, with
# --profile aes and --force; export --format pfx; reads back through the Windows API
# (dacl.exe, built by scripts/dist-windows.sh) that every key file and folder it made is
# the current user's only; a closed stdout pipe ends it quietly; the PowerShell completion
# and the Scoop/winget manifests; `test arm` (client secret, client assertion) and
# `test asm` against the local Azure stand-in over SChannel, with and without --ca-file.
# docs/windows.md says what Wine shows differently from Windows and what only real Windows
# can confirm. `--native DIR` runs the same checks on Windows itself (release.yml), with
# icacls and without the stand-in.
# Usage: bash scripts/test-dist-windows.sh   (after scripts/dist.sh; root). Last line:
# "N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  --inside) # in the chroot of scripts/windows-env.sh: /src is the repository
    work=/src/$2
    wine=(wine)
    dacl=/src/target/windows-dist/dacl.exe
    export WINEDEBUG=-all
    # A fresh Wine prefix is made on first use; make it before anything is checked.
    wineboot --init >/dev/null 2>&1 || true
    ;;
  --native) # on Windows (Git Bash, release.yml): the zip unpacked in DIR, dacl.exe beside it
    work=$2
    wine=()
    dacl=$work/dacl.exe
    ;;
  *)
    zip=$(ls dist/certtool-*-x86_64-windows.zip 2>/dev/null | head -1) || true
    [ -n "$zip" ] || { echo "no dist/certtool-*-x86_64-windows.zip: run bash scripts/dist.sh first" >&2; exit 1; }
    [ -x target/windows-dist/dacl.exe ] || { echo "no target/windows-dist/dacl.exe: run bash scripts/dist.sh first" >&2; exit 1; }
    source scripts/standin.sh
    # Inside the repository, which the chroot sees at /src.
    work=target/test-dist-windows
    rm -rf "$work"
    mkdir -p "$work"
    trap 'standin_stop' EXIT
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$zip" "$work"
    standin_start "$PWD/$work/standin" >/dev/null
    cat >"$work/standin.env" <<EOF
STANDIN_URL=$STANDIN_URL
SUBSCRIPTION=$SUBSCRIPTION
TENANT=$TENANT
CLIENT_ID=$CLIENT_ID
APP_SECRET=$APP_SECRET
EOF
    status=0
    bash scripts/windows-env.sh run bash scripts/test-dist-windows.sh --inside "$work" || status=$?
    exit "$status"
    ;;
esac

# Files are created with the umask's default unless certtool says otherwise: under Wine a
# private file made without certtool's descriptor would then show an Everyone entry.
umask 022
# The checks, on certtool.exe under Wine or natively. Without a stand-in (--native) the
# HTTPS checks are skipped.
STANDIN_URL=
[ ! -f "$work/standin.env" ] || source "$work/standin.env"
dir=$(ls -d "$work"/certtool-*-x86_64-windows | head -1)
ZIP_NAME=$(basename "$dir")
version=${ZIP_NAME#certtool-}
version=${version%-x86_64-windows}
exe=$dir/certtool.exe
cert() { "${wine[@]}" "$exe" "$@"; }
source scripts/checks.sh
check "zip holds certtool.exe, PowerShell completion, README, windows.md, licences" \
  test -f "$exe" -a -f "$dir/completions/certtool.ps1" -a -f "$dir/README.md" \
  -a -f "$dir/windows.md" -a -f "$dir/LICENSE-MIT" -a -f "$dir/LICENSE-APACHE"
objdump=$(command -v x86_64-w64-mingw32-objdump || command -v objdump || true)
imports() { # only system DLLs: OpenSSL and the C runtime are linked in
  local dlls
  dlls=$("$objdump" -p "$exe" | awk '/DLL Name:/ {print tolower($3)}' | sort -u)
  echo "$dlls"
  [ -n "$dlls" ] &&
    ! grep -Ev '^(kernel32|advapi32|bcrypt|bcryptprimitives|crypt32|secur32|ws2_32|user32|ntdll|msvcrt|ucrtbase|userenv|shell32|ole32|oleaut32|api-ms-win-[a-z0-9.-]+)\.dll$' <<<"$dlls"
}
if [ -n "$objdump" ]; then
  check "certtool.exe imports only Windows system DLLs (no libssl, libgcc or pthread DLL)" imports
else
  echo "skip the DLL imports check (no objdump)"
fi
version_text() {
  local text
  text=$(cert --version | tr -d '\r')
  echo "$text"
  grep -qx "certtool $version" <<<"$text" && grep -q '^commit: [0-9a-f]\{12\}$' <<<"$text" &&
    grep -Eqx "target: x86_64-pc-windows-(gnu|msvc)" <<<"$text" &&
    grep -q '^openssl: OpenSSL 3.* (statically linked' <<<"$text" &&
    grep -q '^tls: SChannel' <<<"$text" && ! grep -qi 'SYS\$MANAGER\|openssl directory' <<<"$text"
}
check "--version: version, commit, target, static OpenSSL, SChannel, no OPENSSLDIR" version_text

gen=$work/gen
generate() {
  cert generate --name "Dist Test" --out-dir "$gen/keys" --no-password --pem &&
    openssl x509 -inform DER -in "$gen/keys/Dist-Test.cer" -noout -subject | grep -q 'CN *= *Dist Test' &&
    openssl pkcs12 -in "$gen/keys/Dist-Test.pfx" -passin pass: -nodes -noout
}
check "generate writes a PFX, a PEM and a .cer that openssl reads" generate
inspect() {
  local json sha1
  json=$(cert inspect "$gen/keys/Dist-Test.pfx" --output json)
  sha1=$(openssl x509 -inform DER -in "$gen/keys/Dist-Test.cer" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')
  echo "$json" | head -20
  grep -qi "\"$sha1\"" <<<"$json" && grep -q 'Dist Test' <<<"$json"
}
check "inspect reads the generated PFX (thumbprint as openssl computes it)" inspect
# The DACL of what certtool.exe wrote, read back through GetNamedSecurityInfoW.
dacl_is() { # dacl_is VERDICT PATH...
  local want=$1 out
  shift
  out=$("${wine[@]}" "$dacl" "$@" | tr -d '\r')
  echo "$out"
  [ "$(grep -c "^$want " <<<"$out")" -eq $# ]
}
check "generate: the PFX and PEM are the current user's only (owner-only DACL; under Wine, as Wine maps it)" \
  dacl_is owner-only "$gen/keys/Dist-Test.pfx" "$gen/keys/Dist-Test.pem"
check "generate: the --out-dir it created is the current user's only (inherited by its files)" \
  dacl_is owner-only-dir "$gen/keys"
if [ ${#wine[@]} -eq 0 ] && command -v icacls >/dev/null 2>&1; then
  icacls_only_me() { # on real Windows: icacls lists one entry, the user's, full control
    local out
    out=$(icacls "$(cygpath -w "$1")" | tr -d '\r')
    echo "$out"
    [ "$(grep -c ':(' <<<"$out")" -eq 1 ] && grep -q "\\$USERNAME:(F)" <<<"$out"
  }
  check "icacls: the generated PFX lists only the current user, full control" \
    icacls_only_me "$gen/keys/Dist-Test.pfx"
fi
check "generate: the .cer (public) keeps the directory's inherited ACL" \
  bash -c "! ${wine[*]} '$dacl' '$gen/keys/Dist-Test.cer' | grep -q '^owner-only '"

s=$work/strip
mkdir -p "$s"
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=strip -keyout "$s/s.key" -out "$s/s.pem" 2>/dev/null
PW=Secret-1 openssl pkcs12 -export -inkey "$s/s.key" -in "$s/s.pem" -passout env:PW -out "$s/s.pfx"
strip_file() {
  PW=Secret-1 cert strip-pfx "$s/s.pfx" -o "$s/nopass.pfx" --password-env PW &&
    openssl pkcs12 -in "$s/nopass.pfx" -passin pass: -nodes | grep -q 'BEGIN PRIVATE KEY' &&
    dacl_is owner-only "$s/nopass.pfx"
}
check "strip-pfx file to file: openssl opens it with no password; DACL owner-only" strip_file
strip_pipe() {
  cat "$s/s.pfx" | PW=Secret-1 cert strip-pfx - -o - --password-env PW --profile aes >"$s/piped.pfx" &&
    openssl pkcs12 -in "$s/piped.pfx" -passin pass: -nodes | grep -q 'BEGIN PRIVATE KEY' &&
    openssl pkcs12 -in "$s/piped.pfx" -passin pass: -info -noout 2>&1 | grep -q 'AES-256-CBC'
}
check "strip-pfx stdin to stdout (pipes), --profile aes" strip_pipe
force() {
  local code=0
  PW=Secret-1 cert strip-pfx "$s/s.pfx" -o "$s/nopass.pfx" --password-env PW || code=$?
  echo "without --force: exit $code"
  [ "$code" -eq 2 ] && PW=Secret-1 cert strip-pfx "$s/s.pfx" -o "$s/nopass.pfx" --password-env PW --force &&
    dacl_is owner-only "$s/nopass.pfx"
}
check "strip-pfx refuses to replace without --force (exit 2), replaces with it, DACL kept" force

export_pfx() {
  cert export "$gen/keys/Dist-Test.pfx" --format pem-bundle -o "$s/bundle.pem" &&
    cert export "$s/bundle.pem" --format pfx -o "$s/exported.pfx" --no-password &&
    openssl pkcs12 -in "$s/exported.pfx" -passin pass: -nodes | grep -q 'BEGIN PRIVATE KEY' &&
    dacl_is owner-only "$s/bundle.pem" "$s/exported.pfx"
}
check "export --format pem-bundle then --format pfx: openssl reads it; both DACLs owner-only" export_pfx

closed_pipe() {
  local code=0
  cert completions powershell 2>"$work/pipe.err" | true
  code=${PIPESTATUS[0]}
  echo "exit $code; stderr: $(cat "$work/pipe.err")"
  [ "$code" -eq 0 ] && [ ! -s "$work/pipe.err" ] || return 1
  cert inspect "$gen/keys/Dist-Test.pfx" 2>"$work/pipe.err" | head -c 1 >/dev/null
  code=${PIPESTATUS[0]}
  echo "exit $code; stderr: $(cat "$work/pipe.err")"
  [ "$code" -eq 0 ] && [ ! -s "$work/pipe.err" ]
}
check "a closed stdout pipe (| true, | head -c 1) ends quietly, exit 0" closed_pipe
ps1() {
  grep -q 'Register-ArgumentCompleter -Native -CommandName .certtool.' "$dir/completions/certtool.ps1" &&
    cmp <(cert completions powershell) "$dir/completions/certtool.ps1"
}
check "PowerShell completion registers a completer for certtool and matches the exe's" ps1

manifests() { # the rendered Scoop and winget manifests name this zip and its hash
  local sha pkg=target/windows-dist/packaging
  sha=$(sha256sum "dist/$ZIP_NAME.zip" | awk '{print $1}')
  perl -MJSON::PP -e '
    local $/; open my $f, "<", $ARGV[0] or die; my $m = decode_json(<$f>);
    my $a = $m->{architecture}{"64bit"};
    $m->{version} eq $ARGV[2] && $a->{hash} eq $ARGV[1] && $a->{url} =~ m{/$ARGV[3]\.zip$}
      && $a->{extract_dir} eq $ARGV[3] && $m->{bin} eq "certtool.exe" or die "scoop manifest\n"' \
    "$pkg/scoop/certtool.json" "$sha" "$version" "$ZIP_NAME" &&
    grep -qx "    InstallerSha256: ${sha^^}" "$pkg/winget/Certtool.Certtool.installer.yaml" &&
    grep -q "/$ZIP_NAME.zip\$" "$pkg/winget/Certtool.Certtool.installer.yaml" &&
    grep -qx "  - RelativeFilePath: $ZIP_NAME\\\\certtool.exe" "$pkg/winget/Certtool.Certtool.installer.yaml" &&
    ! grep -l '@[A-Z0-9_]*@' "$pkg"/*/*
}
if [ -d target/windows-dist/packaging ]; then
  check "Scoop and winget manifests: this zip's URL, SHA-256, version and exe path" manifests
fi

# HTTPS over SChannel against the stand-in on 127.0.0.1. Without --ca-file its root is
# untrusted (CERT_E_UNTRUSTEDROOT, exit 7, reported as an untrusted server certificate).
# With it, real Windows accepts the chain; Wine's SChannel gets past the root (the CA is
# trusted) but then fails its revocation policy (CERT_E_REVOCATION_FAILURE) for a chain
# that publishes no revocation information, which Windows ignores under the policy flags
# native-tls passes. So under Wine "trusted by --ca-file" is checked as: past the root, on
# to the revocation verdict. `test arm` signs in with a client secret or a client assertion
# (a JWT signed by OpenSSL): neither needs a TLS client certificate.
url=$STANDIN_URL
arm() { # arm [ARGS...]: the exit code and output of test arm against the stand-in
  local code=0
  SECRET=$APP_SECRET cert test arm --tenant "$TENANT" --client-id "$CLIENT_ID" \
    --subscription "$SUBSCRIPTION" --authority-host "$url" --arm-endpoint "$url/" \
    --graph-endpoint "$url" --timeout 20 "$@" >"$work/arm.out" 2>&1 || code=$?
  cat "$work/arm.out"
  echo "exit $code"
  return "$code"
}
trusted() { # trusted ARGS...: signs in; under Wine, fails only at the revocation verdict
  local code=0
  arm "$@" || code=$?
  [ "$code" -eq 0 ] && return 0
  [ ${#wine[@]} -gt 0 ] && [ "$code" -eq 7 ] && grep -q 'os error -2146762482' "$work/arm.out" &&
    grep -q 'server certificate of .* is not trusted' "$work/arm.out"
}
untrusted() { # untrusted ARGS...: exit 7, CERT_E_UNTRUSTEDROOT, reported as such
  local code=0
  arm "$@" || code=$?
  [ "$code" -eq 7 ] && grep -q 'os error -2146762487' "$work/arm.out" &&
    grep -q 'server certificate of .* is not trusted' "$work/arm.out" &&
    grep -q 'fix: .*--ca-file' "$work/arm.out"
}
ca=$work/standin/ca.pem
check "test arm, client secret, --ca-file: the stand-in's CA is trusted" trusted --secret-env SECRET --ca-file "$ca"
check "test arm, certificate (client assertion), --require-role Reader, --ca-file: trusted" \
  trusted --cert "$work/standin/app-bundle.pem" --require-role Reader --ca-file "$ca"
check "test arm without --ca-file: CERT_E_UNTRUSTEDROOT, exit 7, fix names --ca-file" untrusted --secret-env SECRET
# `test asm` is the one command with a TLS client certificate (mutual TLS). Its key goes to
# SChannel as PKCS#8, which real Windows imports and Wine 10 does not (CryptDecodeObjectEx
# has no PKCS_PRIVATE_KEY_INFO): under Wine it must fail as a clean one-line error.
asm() {
  local code=0
  cert test asm --subscription "$SUBSCRIPTION" --cert "$work/standin/mgmt-bundle.pem" \
    --endpoint "$url/" --ca-file "$ca" --retries 0 --timeout 20 >"$work/asm.out" 2>&1 || code=$?
  cat "$work/asm.out"
  echo "exit $code"
  if [ "$code" -eq 0 ]; then echo "mutual TLS works under this Wine"; return 0; fi
  ! grep -q panicked "$work/asm.out" && grep -q 'client certificate cannot be used for TLS' "$work/asm.out"
}
check "test asm (mutual TLS): ok, or under Wine a clean error naming the client certificate" asm

checks_summary

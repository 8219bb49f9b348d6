#!/usr/bin/env bash
# Makes the Windows release (called by scripts/dist.sh, which adds it to SHA256SUMS):
#   dist/certtool-VERSION-x86_64-windows.zip   certtool.exe (x86_64-pc-windows-gnu,
#       OpenSSL linked statically, no DLL but the system's), completions/certtool.ps1,
#       README.md, windows.md (docs/windows.md), licences
# and, for scripts/test-dist-windows.sh only (not shipped), target/windows-dist/dacl.exe,
# which reads a file's DACL back through the Windows API.
# Builds in the chroot of scripts/windows-env.sh (made once and cached, so root is needed):
# Debian's rustc builds the standard library for Windows from rust-src (-Zbuild-std, which
# RUSTC_BOOTSTRAP=1 allows on a stable compiler), MinGW-w64 links. The Windows target
# directory stays in the cache, so a later build recompiles only what changed. The
# completion script is written by the built certtool.exe itself, run under Wine.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
triple=x86_64-pc-windows-gnu
cache=${CERTTOOL_WINDOWS_CACHE:-/var/cache/certtool-windows}
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || true)
env=(bash scripts/windows-env.sh run)

bash scripts/windows-env.sh setup
build() {
  "${env[@]}" env RUSTC_BOOTSTRAP=1 CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc \
    CERTTOOL_BUILD_COMMIT="$commit" CARGO_TERM_COLOR=never \
    cargo build --locked --release --target "$triple" -Zbuild-std=std,panic_unwind "$@"
}
started=$SECONDS
build -p certtool --features vendored-openssl
build -p certtool-winsec --example dacl
echo "dist-windows: build took $((SECONDS - started)) s" >&2

out=$root/target/windows-dist
rm -rf "$out"
mkdir -p "$out"
cp "$cache/target/$triple/release/certtool.exe" "$cache/target/$triple/release/examples/dacl.exe" "$out/"
# Under Wine: the version (from the binary, as on Linux) and the PowerShell completion.
"${env[@]}" sh -c 'cd target/windows-dist && export WINEDEBUG=-all &&
  wine ./certtool.exe -V >version.txt && wine ./certtool.exe completions powershell >certtool.ps1'
version=$(awk '{print $2}' "$out/version.txt")
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]] || { echo "dist-windows: bad version: $(cat "$out/version.txt")" >&2; exit 1; }

name=certtool-$version-x86_64-windows
mkdir -p dist
rm -f "dist/$name.zip"
# A reproducible zip: fixed order and timestamps; the stored names use "/" as zip requires.
python3 - "dist/$name.zip" "$name" <<EOF
import sys, zipfile
path, top = sys.argv[1], sys.argv[2]
files = [
    ("certtool.exe", "$out/certtool.exe", 0o755),
    ("completions/certtool.ps1", "$out/certtool.ps1", 0o644),
    ("LICENSE-APACHE", "LICENSE-APACHE", 0o644),
    ("LICENSE-MIT", "LICENSE-MIT", 0o644),
    ("README.md", "README.md", 0o644),
    ("windows.md", "docs/windows.md", 0o644),
]
with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    for name, src, mode in files:
        info = zipfile.ZipInfo(f"{top}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = (0o100000 | mode) << 16
        with open(src, "rb") as f:
            z.writestr(info, f.read())
EOF
echo "dist-windows: wrote dist/$name.zip" >&2

# The Scoop and winget manifests of this zip (packaging/README.md): rendered, not published.
sha=$(sha256sum "dist/$name.zip" | awk '{print $1}')
rm -rf "$out/packaging"
for template in packaging/scoop/*.in packaging/winget/*.in; do
  rendered=$out/$template
  rendered=${rendered%.in}
  mkdir -p "$(dirname "$rendered")"
  sed -e "s/@VERSION@/$version/g" -e "s/@SHA256@/$sha/g" -e "s/@SHA256_UPPER@/${sha^^}/g" \
    "$template" >"$rendered"
done
echo "dist-windows: rendered the Scoop and winget manifests in $out/packaging" >&2

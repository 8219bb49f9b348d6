#!/usr/bin/env bash
# Makes a release of the portable Linux x86_64 binary: OpenSSL linked statically
# (feature vendored-openssl) and glibc 2.28 as the baseline (cargo-zigbuild), so it runs
# on mainstream distributions since about 2018 without libssl. Writes to dist/:
#   certtool-VERSION-x86_64-linux.tar.gz  binary, completions (bash, zsh, fish,
#                                         PowerShell), man pages, README, licences
#   certtool_VERSION-1_amd64.deb          the same for Debian/Ubuntu (cargo-deb)
#   certtool-VERSION-x86_64-windows.zip   certtool.exe, PowerShell completion, README,
#                                         docs/windows.md, licences (scripts/dist-windows.sh:
#                                         a cached Debian chroot, MinGW-w64, needs root;
#                                         CERTTOOL_DIST_WINDOWS=0 leaves it out)
#   SHA256SUMS                            over all of them
# Installs what is missing first: zig (PyPI `ziglang`, in a venv under target/dist-tools),
# cargo-zigbuild and cargo-deb (`cargo install --locked`). Builds in target/dist-build, so
# the everyday test build in target/ is never invalidated. Check the result with
# `bash scripts/test-dist.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
triple=x86_64-unknown-linux-gnu
glibc=2.28
tools=$root/target/dist-tools

if ! command -v zig >/dev/null 2>&1 && ! "$tools/venv/bin/python" -c 'import ziglang' 2>/dev/null; then
  echo "dist: installing zig (PyPI ziglang) into $tools/venv" >&2
  python3 -m venv "$tools/venv"
  "$tools/venv/bin/pip" install --quiet --disable-pip-version-check ziglang
fi
export PATH="$tools/venv/bin:$PATH" # cargo-zigbuild runs `python3 -m ziglang` when no zig
for tool in cargo-zigbuild cargo-deb; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "dist: cargo install --locked $tool" >&2
    CARGO_TARGET_DIR="$tools/build" cargo install --locked "$tool"
  fi
done
rustup target list --installed 2>/dev/null | grep -qx "$triple" || rustup target add "$triple"

export CARGO_TARGET_DIR=$root/target/dist-build
cargo zigbuild --locked --release -p certtool --features vendored-openssl --target "$triple.$glibc"
out=$CARGO_TARGET_DIR/$triple/release
bin=$out/certtool
version=$("$bin" -V | awk '{print $2}')

# Completions and man pages, from the binary's own clap definition.
assets=$out/assets
rm -rf "$assets"
mkdir -p "$assets/completions" "$assets/man" "$assets/man-gz"
"$bin" completions bash >"$assets/completions/certtool.bash"
"$bin" completions zsh >"$assets/completions/_certtool"
"$bin" completions fish >"$assets/completions/certtool.fish"
"$bin" completions powershell >"$assets/completions/certtool.ps1"
"$bin" __man "$assets/man"
for page in "$assets/man"/*.1; do
  gzip -9n <"$page" >"$assets/man-gz/$(basename "$page").gz"
done

rm -rf dist
mkdir -p dist
name=certtool-$version-x86_64-linux
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name"
cp "$bin" README.md LICENSE-MIT LICENSE-APACHE "$stage/$name/"
cp -r "$assets/completions" "$assets/man" "$stage/$name/"
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -czf "dist/$name.tar.gz" "$name"

cargo deb -p certtool --no-build --no-strip --target "$triple" --output dist/

if [ "${CERTTOOL_DIST_WINDOWS:-1}" != 0 ]; then
  unset CARGO_TARGET_DIR
  bash scripts/dist-windows.sh
fi

(cd dist && sha256sum -- *.tar.gz *.deb $(ls *.zip 2>/dev/null) >SHA256SUMS)
echo "dist: wrote" >&2
ls -l dist >&2

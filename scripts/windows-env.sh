#!/usr/bin/env bash
# The Windows build and test environment: a Debian trixie chroot with Debian's Rust
# toolchain (rustc, cargo and rust-src of trixie-backports, one version, new enough for the
# workspace's rust-version), the MinGW-w64 cross compiler (the x86_64-pc-windows-gnu
# linker), Perl and make (openssl-src builds OpenSSL), and Wine to run the result.
# rustup's toolchain cannot be used: it has neither a Windows standard library nor rust-src
# here, and none can be downloaded; Debian's rustc with its rust-src builds std for Windows
# (-Zbuild-std). bookworm's rustc is older than the workspace's rust-version.
#
# The chroot lives outside the repository, in $CERTTOOL_WINDOWS_CACHE (default
# /var/cache/certtool-windows), so a fresh clone on the same machine (CI) reuses it, as it
# reuses the cargo home and the Windows target directory kept there. debootstrap runs once
# (into a temporary directory renamed when complete, so an interrupted one is redone); the
# packages are installed again only when their lists change.
#
# Usage (as root: debootstrap, mount and chroot need it):
#   bash scripts/windows-env.sh setup           make or refresh the chroot (idempotent)
#   bash scripts/windows-env.sh run CMD [ARG…]  run CMD in the chroot, the repository at
#                                               /src, cargo home at /cargo, the Windows
#                                               target directory at /target
# Each `run` has its own mount namespace (unshare), so no mount outlives it.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
cache=${CERTTOOL_WINDOWS_CACHE:-/var/cache/certtool-windows}
root=$cache/trixie
mirror=${CERTTOOL_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# The chroot is made once (debootstrap); the packages below are installed into it again
# whenever these lists change (the stamp file records what was installed last).
backports=(rustc cargo rust-src)
packages=(ca-certificates gcc-mingw-w64-x86-64 make perl wine wine64 openssl unzip)
stamp="backports: ${backports[*]}; ${packages[*]}"

need_root() {
  [ "$(id -u)" -eq 0 ] || { echo "windows-env: needs root (debootstrap, mount, chroot)" >&2; exit 1; }
}

# Host files the chroot needs at each run: name resolution, and the CA bundle cargo uses
# to reach the registry (this machine's may hold a CA that Debian's package does not).
sync_host_files() {
  cp /etc/resolv.conf "$1/etc/resolv.conf" 2>/dev/null || true
  if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    mkdir -p "$1/etc/ssl/certs"
    cp /etc/ssl/certs/ca-certificates.crt "$1/etc/ssl/certs/ca-certificates.crt"
  fi
}

setup() {
  need_root
  if [ -f "$root/.certtool-stamp" ] && [ "$(cat "$root/.certtool-stamp")" = "$stamp" ]; then
    return 0
  fi
  local started=$SECONDS
  if [ ! -f "$root/.certtool-base" ]; then
    command -v debootstrap >/dev/null 2>&1 || {
      echo "windows-env: installing debootstrap" >&2
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap
    }
    mkdir -p "$cache"
    local new=$cache/trixie.new
    rm -rf "$new"
    echo "windows-env: debootstrap trixie into $new" >&2
    debootstrap --variant=minbase trixie "$new" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
      { tail -30 "$cache/debootstrap.log" >&2; exit 1; }
    printf 'deb %s %s main\n' "$mirror" trixie "$mirror" trixie-updates "$mirror" trixie-backports \
      >"$new/etc/apt/sources.list"
    touch "$new/.certtool-base"
    rm -rf "$root"
    mv "$new" "$root"
  fi
  sync_host_files "$root"
  echo "windows-env: installing ${packages[*]} and, from trixie-backports, ${backports[*]}" >&2
  in_root "$root" sh -c "
    set -e
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends ${packages[*]} >/dev/null
    apt-get install -y -qq --no-install-recommends -t trixie-backports ${backports[*]} >/dev/null
    apt-get clean
    rustc -V; cargo -V; x86_64-w64-mingw32-gcc --version | head -1
    wine --version 2>/dev/null"
  echo "$stamp" >"$root/.certtool-stamp"
  echo "windows-env: chroot ready in $((SECONDS - started)) s" >&2
}

# in_root ROOT CMD…: CMD in the chroot ROOT, in a private mount namespace.
in_root() {
  local dir=$1
  shift
  mkdir -p "$cache/cargo" "$cache/target" "$dir/src" "$dir/cargo" "$dir/target"
  unshare --mount --propagation private -- sh -c '
    set -e
    dir=$1 repo=$2 cache=$3
    shift 3
    mount -t proc proc "$dir/proc"
    mount --rbind /dev "$dir/dev"
    mount -t tmpfs tmpfs "$dir/tmp"
    mount --bind "$repo" "$dir/src"
    mount --bind "$cache/cargo" "$dir/cargo"
    mount --bind "$cache/target" "$dir/target"
    exec chroot "$dir" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root \
      TERM=dumb LANG=C.UTF-8 CARGO_HOME=/cargo CARGO_TARGET_DIR=/target \
      SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt CARGO_HTTP_CAINFO=/etc/ssl/certs/ca-certificates.crt \
      /bin/sh -c '\''cd /src && exec "$@"'\'' sh "$@"
  ' sh "$dir" "$repo" "$cache" "$@"
}

case "${1:-}" in
  setup) setup ;;
  run)
    shift
    setup
    sync_host_files "$root"
    in_root "$root" "$@"
    ;;
  *)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
    ;;
esac

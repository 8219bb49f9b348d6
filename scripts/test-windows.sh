#!/usr/bin/env bash
# Builds certtool's tests for Windows (x86_64-pc-windows-gnu, in the chroot of
# scripts/windows-env.sh) and runs under Wine the ones that need no Unix facility:
#   - the unit tests of certtool-winsec and certtool-core (among them the DACL of private
#     files and directories, read back through the Windows API);
#   - the end-to-end test crate, compiled whole for Windows (so a test that uses a Unix
#     facility without `#[cfg(unix)]` breaks this build), and run for the modules that
#     drive certtool.exe alone (no openssl CLI, Java, Python or pseudo-terminal).
# OpenSSL is not built again: the static OpenSSL that scripts/dist-windows.sh built for the
# release is reused (OPENSSL_DIR), so run that first. Needs root (chroot).
# Usage: bash scripts/test-windows.sh   Prints cargo's test summaries.
set -euo pipefail
cd "$(dirname "$0")/.."
triple=x86_64-pc-windows-gnu
cache=${CERTTOOL_WINDOWS_CACHE:-/var/cache/certtool-windows}
# The install directory of the newest OpenSSL the release build made.
openssl=$(ls -dt "$cache"/target/$triple/release/build/openssl-sys-*/out/openssl-build/install 2>/dev/null | head -1) || true
[ -n "$openssl" ] || { echo "no OpenSSL built for $triple: run bash scripts/dist-windows.sh first" >&2; exit 1; }
openssl=/target/${openssl#"$cache/target/"}

# The e2e modules run under Wine: each drives certtool.exe alone. A filter matches any
# test path containing it, so `help::` would also pick snapshot::help, whose insta files
# are not found under Wine: snapshots are skipped.
e2e_modules=(closed_pipe help stdin)

started=$SECONDS
bash scripts/windows-env.sh run env RUSTC_BOOTSTRAP=1 \
  CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc \
  CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=wine WINEDEBUG=-all CARGO_TERM_COLOR=never \
  OPENSSL_DIR="$openssl" OPENSSL_STATIC=1 \
  sh -c '
    set -e
    wineboot --init >/dev/null 2>&1 || true
    zb="--target '"$triple"' -Zbuild-std=std,panic_unwind --locked"
    cargo test $zb -p certtool-winsec -p certtool-core --lib
    cargo test $zb -p certtool --features test-clock --test e2e --no-run
    cargo test $zb -p certtool --features test-clock --test e2e -- '"${e2e_modules[*]/%/::}"' --skip snapshot::
  '
echo "test-windows: $((SECONDS - started)) s" >&2

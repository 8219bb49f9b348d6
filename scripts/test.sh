#!/usr/bin/env bash
# Runs every test of the workspace: unit tests, end-to-end tests of the real binary
# against fixtures and the local Azure stand-in, and interop tests with openssl, Java
# keytool and Python cryptography. Installs what is missing first (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CERTTOOL_PYTHON="$PWD/target/pyenv/bin/python"
# The test clock (CERTTOOL_FAKE_NOW) exists only in a build with the test-clock feature;
# the binary's own unit tests also run without it, to prove the shipped build ignores it.
cargo test --workspace --locked --features certtool/test-clock "$@"
cargo test -p certtool --bins --locked "$@"

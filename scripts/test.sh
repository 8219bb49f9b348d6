#!/usr/bin/env bash
# Runs every test of the workspace: unit tests, end-to-end tests of the real binary
# against fixtures and the local Azure stand-in, and interop tests with openssl, Java
# keytool and Python cryptography. Installs what is missing first (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CERTTOOL_PYTHON="$PWD/target/pyenv/bin/python"
cargo test --workspace --locked "$@"

#!/usr/bin/env bash
# Installs what building and testing certtool needs on a fresh Debian machine, and only
# what is missing: the OpenSSL headers and pkg-config for the openssl crate, the openssl
# CLI, curl and Java keytool for interop tests, rustfmt/clippy, and a Python venv with
# `cryptography` and `azure-identity` (target/pyenv) for the PKCS#12 interop tests. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
dpkg -s libssl-dev >/dev/null 2>&1 || missing+=(libssl-dev)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v script >/dev/null 2>&1 || missing+=(bsdutils)
command -v keytool >/dev/null 2>&1 || missing+=(default-jre-headless)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

for component in rustfmt clippy; do
  rustup component list --installed 2>/dev/null | grep -q "^$component" || rustup component add "$component"
done

venv=target/pyenv
if ! "$venv/bin/python" -c 'import cryptography' >/dev/null 2>&1; then
  echo "setup: creating $venv with cryptography" >&2
  mkdir -p target
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check cryptography
fi
# azure-identity, pinned: the interop tests build its CertificateCredential from the PFX
# files certtool writes (python -m pip: a venv copied elsewhere keeps working).
if ! "$venv/bin/python" -c 'import azure.identity' >/dev/null 2>&1; then
  echo "setup: installing azure-identity into $venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check azure-identity==1.27.0
fi

#!/usr/bin/env bash
# Installs what building and testing certtool needs on a fresh Debian machine, and only
# what is missing: the OpenSSL headers and pkg-config for the openssl crate, the openssl
# CLI, curl and Java keytool for interop tests, zsh (the release test parses the zsh
# completion with `zsh -n`), rustfmt/clippy, and a Python venv
# (target/pyenv) with `cryptography` for the PKCS#12 interop tests and Microsoft's Azure
# clients for the stand-in's real-client tests (tests/python/requirements.txt). Safe to
# run again.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
dpkg -s libssl-dev >/dev/null 2>&1 || missing+=(libssl-dev)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v script >/dev/null 2>&1 || missing+=(bsdutils)
command -v keytool >/dev/null 2>&1 || missing+=(default-jre-headless)
command -v zsh >/dev/null 2>&1 || missing+=(zsh)
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
requirements=tests/python/requirements.txt
# Exactly the pinned versions, checked without the network; pip runs only when one is
# missing or differs. `python -m pip` works in a venv copied from elsewhere too.
pinned() {
  "$venv/bin/python" - "$requirements" <<'PY' >/dev/null 2>&1
import sys
from importlib import metadata
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if line:
        name, version = line.split("==")
        if metadata.version(name) != version:
            sys.exit(1)
PY
}
if ! pinned; then
  echo "setup: installing the Python clients of $requirements in $venv" >&2
  mkdir -p target
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
fi

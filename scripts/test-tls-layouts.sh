#!/usr/bin/env bash
# Checks that BINARY finds the system CA store on Debian/Ubuntu, RHEL/Fedora (7, 9) and
# Alpine layouts, that SSL_CERT_FILE / SSL_CERT_DIR still win, and that nothing is trusted
# when no store is there (docs/tls.md). Each layout is made in a private mount namespace
# (unshare) over an overlay of /etc, with /etc/ssl and /etc/pki replaced, and
# `certtool test asm` runs against the local Azure stand-in with no --ca-file, whose CA
# is installed where that distribution keeps its roots.
# Usage: bash scripts/test-tls-layouts.sh [BINARY]   (default target/debug/certtool; needs
# root or unprivileged user namespaces). Last line: "N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/standin.sh
bin=$(realpath "${1:-target/debug/certtool}")
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
work=$(mktemp -d)
trap 'standin_stop; rm -rf "$work"' EXIT

if [ "$(id -u)" -eq 0 ]; then uns=(unshare --mount --propagation private); else uns=(unshare --user --map-root-user --mount); fi
standin_start "$work/standin" >/dev/null
cp "$STANDIN_CA" "$work/ca.pem"
hash=$(openssl x509 -hash -noout -in "$work/ca.pem")
mkdir -p "$work/hashdir" && cp "$work/ca.pem" "$work/hashdir/$hash.0"
layout() { # layout NAME EXPECTED_EXIT SETUP [VAR=VALUE...]: test asm in a namespace with /etc/ssl and /etc/pki replaced
  local what=$1 want=$2 setup=$3 n=$((passed + failed))
  shift 3
  mkdir -p "$work/ov$n/u" "$work/ov$n/w"
  local got=0
  "${uns[@]}" env -i PATH=/usr/bin:/bin "$@" bash -c "
    set -e
    mount -t overlay overlay -o lowerdir=/etc,upperdir=$work/ov$n/u,workdir=$work/ov$n/w /etc
    rm -rf /etc/ssl /etc/pki
    $setup
    exec '$bin' test asm --subscription $SUBSCRIPTION --cert '$work/standin/mgmt-bundle.pem' \
      --endpoint $STANDIN_URL --retries 0 --timeout 10" >"$work/last.log" 2>&1 || got=$?
  if [ "$got" = "$want" ]; then ok "CA store: $what (exit $got)"; else
    bad "CA store: $what: exit $got, expected $want"
    sed 's/^/     /' "$work/last.log" | tail -20
  fi
}
ca=$work/ca.pem
layout "Debian/Ubuntu bundle + hashed /etc/ssl/certs" 0 \
  "mkdir -p /etc/ssl/certs; cp $ca /etc/ssl/certs/ca-certificates.crt; cp $ca /etc/ssl/certs/$hash.0"
layout "RHEL/Fedora /etc/pki/ca-trust/extracted + /etc/pki/tls/certs link" 0 \
  "mkdir -p /etc/pki/ca-trust/extracted/pem /etc/pki/tls/certs; cp $ca /etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem
   ln -s /etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem /etc/pki/tls/certs/ca-bundle.crt; ln -s /etc/pki/tls/certs /etc/ssl"
layout "RHEL 9 directory-hash" 0 \
  "mkdir -p /etc/pki/ca-trust/extracted/pem/directory-hash; cp $ca /etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem
   cp $ca /etc/pki/ca-trust/extracted/pem/directory-hash/$hash.0"
layout "Alpine /etc/ssl/cert.pem only" 0 "mkdir -p /etc/ssl; cp $ca /etc/ssl/cert.pem"
layout "no CA store: the stand-in is not trusted" 7 ":"
layout "SSL_CERT_FILE names the CA, no system store" 0 ":" SSL_CERT_FILE="$ca"
layout "SSL_CERT_DIR names a hashed directory, no system store" 0 ":" SSL_CERT_DIR="$work/hashdir"
layout "SSL_CERT_FILE wins over the system bundle (names another CA)" 7 \
  "mkdir -p /etc/ssl; cp $ca /etc/ssl/cert.pem" SSL_CERT_FILE="$work/standin/app.pem"
standin_stop

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

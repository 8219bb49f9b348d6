#!/usr/bin/env bash
# Benchmark (issue 9 holes 2 and 3): what hostile inputs cost certtool, measured with
# /usr/bin/time -v, never asserted in a timed test.
#   (a) fixtures/pfx/hostile-iterations.pfx (2.6 KB, over the key-derivation budget):
#       wall time of `inspect` until it is refused (target < 2 s);
#   (b) a .publishsettings carrying that PFX ten times, split differently: wall time of
#       `import publishsettings` until it is refused (target < 2 s; 54 s before);
#   (c) an ASM endpoint streaming 1 GiB without Content-Length: wall time and peak RSS of
#       `test asm` until it stops at the 16 MiB body cap (target RSS < 64 MiB; 3.2 GB before).
# Usage: bash tests/bench/hostile-inputs.sh   (CERTTOOL_BIN=path to skip the release build)
set -euo pipefail
cd "$(dirname "$0")/../.."
for tool in openssl python3; do
  command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "/usr/bin/time is needed (apt-get install time)" >&2; exit 1; }
if [ -z "${CERTTOOL_BIN:-}" ]; then
  cargo build --release --locked -q -p certtool --bin certtool
  CERTTOOL_BIN=$PWD/target/release/certtool
fi
work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

measure() { # measure LABEL command... : prints wall seconds, peak RSS and the exit code
  local label=$1
  shift
  local code=0
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || code=$?
  read -r secs kib < <(tail -n 1 "$work/time")
  printf '%-44s %6s s  peak RSS %6d KiB  exit %s\n' "$label" "$secs" "$kib" "$code"
}

pfx=fixtures/pfx/hostile-iterations.pfx
measure "(a) inspect hostile-iterations.pfx" "$CERTTOOL_BIN" inspect "$pfx"

python3 - "$pfx" "$work/hostile.publishsettings" <<'PY'
import base64, sys
b64 = base64.b64encode(open(sys.argv[1], "rb").read()).decode()
subs = []
for i in range(10):
    w = 60 + i
    lines = "\n".join(b64[j:j + w] for j in range(0, len(b64), w))
    subs.append(f'<Subscription ServiceManagementUrl="https://management.core.windows.net" '
                f'Id="00000000-0000-0000-0000-{i:012d}" Name="S{i}" ManagementCertificate="{lines}" />')
open(sys.argv[2], "w").write(f'<PublishData><PublishProfile SchemaVersion="2.0">{"".join(subs)}</PublishProfile></PublishData>')
PY
measure "(b) import 10x hostile publishsettings" "$CERTTOOL_BIN" import publishsettings \
  "$work/hostile.publishsettings" --out-dir "$work/out"

# (c) A TLS server that answers every request 200 with 1 GiB of spaces, close-delimited.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/server.key" -out "$work/server.crt" \
  -days 1 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
python3 - "$work" <<'PY' &
import socket, ssl, sys, os
work = sys.argv[1]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(f"{work}/server.crt", f"{work}/server.key")
ctx.verify_mode = ssl.CERT_NONE
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(8)
open(f"{work}/port", "w").write(str(srv.getsockname()[1]))
chunk = b" " * 65536
while True:
    conn, _ = srv.accept()
    try:
        tls = ctx.wrap_socket(conn, server_side=True)
        tls.recv(65536)
        tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nConnection: close\r\n\r\n")
        for _ in range(16384):
            tls.sendall(chunk)
        tls.close()
    except OSError:
        pass
PY
server_pid=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port")
measure "(c) test asm, endpoint streams 1 GiB" "$CERTTOOL_BIN" test asm \
  --endpoint "https://127.0.0.1:$port/" --ca-file "$work/server.crt" \
  --cert fixtures/certs/rsa2048-bundle.pem --subscription 00000000-0000-0000-0000-000000000001 \
  --retries 0 --timeout 60
grep -m1 -o "limit of 16 MiB[^;]*" "$work/stderr" || { echo "(c) did not stop at the body cap:" >&2; cat "$work/stderr" >&2; }

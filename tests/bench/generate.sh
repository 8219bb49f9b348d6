#!/usr/bin/env bash
# Benchmark: `certtool generate` against the openssl recipe that does the same job
# (self-signed RSA certificate, a 3DES/SHA-1 PFX with the empty password, a DER .cer),
# side by side in one hyperfine run, and prints the ratios.
#   (a) with a fresh RSA-2048 key: key generation dominates both;
#   (b) certifying an existing key (`--key key.pem` vs `openssl req -x509 -key key.pem`).
# Usage: bash tests/bench/generate.sh [RUNS]   (default 30; needs hyperfine: apt-get install hyperfine)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-30}
command -v hyperfine >/dev/null || { echo "hyperfine is needed: apt-get install hyperfine" >&2; exit 1; }
cargo build --release -p certtool --locked -q
bin=$PWD/target/release/certtool
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/key.pem" 2>/dev/null

ct_fresh="rm -rf $work/a && $bin generate --name bench --out-dir $work/a --no-password"
os_fresh="rm -rf $work/b && mkdir $work/b && cd $work/b && openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem -out c.pem -days 365 -subj /CN=bench -sha256 -addext keyUsage=critical,digitalSignature,keyEncipherment -addext extendedKeyUsage=clientAuth 2>/dev/null && openssl pkcs12 -export -inkey k.pem -in c.pem -passout pass: -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1 -out bench.pfx && openssl x509 -in c.pem -outform der -out bench.cer"
ct_key="rm -rf $work/c && $bin generate --name bench --out-dir $work/c --no-password --key $work/key.pem"
os_key="rm -rf $work/d && mkdir $work/d && cd $work/d && openssl req -x509 -key $work/key.pem -out c.pem -days 365 -subj /CN=bench -sha256 -addext keyUsage=critical,digitalSignature,keyEncipherment -addext extendedKeyUsage=clientAuth && openssl pkcs12 -export -inkey $work/key.pem -in c.pem -passout pass: -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1 -out bench.pfx && openssl x509 -in c.pem -outform der -out bench.cer"

hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/r.json" --style basic \
  -n "certtool generate (fresh key)" "bash -c '$ct_fresh'" \
  -n "openssl recipe (fresh key)" "bash -c '$os_fresh'" \
  -n "certtool generate --key" "bash -c '$ct_key'" \
  -n "openssl recipe (-key)" "bash -c '$os_key'" >&2

python3 - "$work/r.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
def line(a, b):
    ra, rb = r[a], r[b]
    ma, mb = ra["median"] * 1000, rb["median"] * 1000
    spread = lambda x: (min(x["times"]) * 1000, max(x["times"]) * 1000)
    (a0, a1), (b0, b1) = spread(ra), spread(rb)
    print(f"{a}: median {ma:.1f} ms (min {a0:.1f}, max {a1:.1f}); {b}: median {mb:.1f} ms "
          f"(min {b0:.1f}, max {b1:.1f}); ratio {ma / mb:.2f}x")
line("certtool generate (fresh key)", "openssl recipe (fresh key)")
line("certtool generate --key", "openssl recipe (-key)")
PY

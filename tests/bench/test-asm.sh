#!/usr/bin/env bash
# Benchmark: `certtool test asm` against curl doing the same two ASM requests (Get
# Subscription and List Hosted Services, mutual TLS, x-ms-version 2014-10-01), side by
# side in one hyperfine run against the local Azure stand-in, and prints the ratios.
#   (a) 100 subscriptions: one certtool run (concurrent, connections reused) vs 100
#       sequential curl invocations, each fetching the pair over one connection;
#   (b) one subscription: one certtool run vs one curl pair.
# Targets (issue 5): (a) <= 0.1x, (b) <= 1.2x.
# Usage: bash tests/bench/test-asm.sh [RUNS]   (default 10; needs hyperfine and curl)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-10}
for tool in hyperfine curl openssl python3; do
  command -v "$tool" >/dev/null || { echo "$tool is needed (apt-get install $tool)" >&2; exit 1; }
done
# A management certificate (key + certificate in one PEM, as both tools take it).
. tests/bench/lib.sh
bench_standin_setup mgmt.cer

# 100 subscriptions that know the certificate, two cloud services each.
ids=()
for n in $(seq 1 100); do
  id=$(printf '00000000-0000-0000-0000-%012d' "$n")
  ids+=("$id")
  cat >> "$work/standin.toml" <<TOML
[[subscription]]
id = "$id"
name = "Bench $n"
management_certificates = ["mgmt.cer"]
hosted_services = [{ name = "web$n", location = "West US" }, { name = "api$n", location = "East US" }]
TOML
done
all=$(IFS=,; echo "${ids[*]}")
one=${ids[0]}

bench_standin_start

pair() { # the curl command for one subscription: both requests over one connection
  echo "curl -sS --fail --cert $work/cert.pem --key $work/key.pem --cacert $work/ca.pem -H 'x-ms-version: 2014-10-01' -o /dev/null -o /dev/null $url/$1 $url/$1/services/hostedservices"
}
{
  echo 'set -e'
  for id in "${ids[@]}"; do pair "$id"; done
} > "$work/curl-100.sh"
pair "$one" > "$work/curl-1.sh"
# Sanity: both sides succeed before timing.
"$bin" test asm --cert "$work/bundle.pem" --subscription "$all" --endpoint "$url" --ca-file "$work/ca.pem" > /dev/null
bash "$work/curl-1.sh"

ct="$bin test asm --cert $work/bundle.pem --endpoint $url --ca-file $work/ca.pem --output json"
hyperfine -N --warmup 2 --runs "$runs" --export-json "$work/r.json" --style basic \
  -n "certtool test asm (100 subscriptions)" "$ct --subscription $all" \
  -n "curl (100 sequential pairs)" "bash $work/curl-100.sh" \
  -n "certtool test asm (1 subscription)" "$ct --subscription $one" \
  -n "curl (1 pair)" "bash $work/curl-1.sh" >&2

python3 - "$work/r.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
def line(a, b, target):
    ra, rb = r[a], r[b]
    ma, mb = ra["median"] * 1000, rb["median"] * 1000
    print(f"{a}: median {ma:.1f} ms; {b}: median {mb:.1f} ms; ratio {ma / mb:.3f}x (target <= {target}x)")
line("certtool test asm (100 subscriptions)", "curl (100 sequential pairs)", 0.1)
line("certtool test asm (1 subscription)", "curl (1 pair)", 1.2)
PY

#!/usr/bin/env bash
# Benchmark: `certtool create sp` (a client secret, the built-in Reader role, the proof)
# against the same work done by a Python tool — tests/python/create_sp_peer.py:
# azure-identity for the tokens and plain HTTP for Graph and ARM, the requests
# `az ad sp create-for-rbac` sends plus the proof certtool adds — against the local
# stand-in with no replication delay, whole processes, side by side in one hyperfine run.
# Prints the ratio (goal <= 0.3x) and the requests each makes.
# Usage: bash tests/bench/create-sp.sh [RUNS]   (default 10; needs hyperfine, openssl and
# the venv scripts/setup.sh makes in target/pyenv)
#
# Last run (2 shared cores, 10 runs, release build): certtool median 7.2 ms, 10 requests;
# the Python peer median 279.2 ms, 12 requests; ratio 0.026x. certtool's 10: one caller
# token (Graph and ARM share the stand-in's URL, so one scope), the name check, the role
# lookup, application, service principal, addPassword, the assignment, the new app's
# token, its subscription and permissions reads; the peer adds MSAL's per-credential
# tenant discovery.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-10}
py=${CERTTOOL_PYTHON:-$PWD/target/pyenv/bin/python}
for tool in hyperfine openssl; do
  command -v "$tool" >/dev/null || { echo "$tool is needed (apt-get install $tool)" >&2; exit 1; }
done
"$py" -c 'import azure.identity, requests' 2>/dev/null ||
  { echo "$py lacks azure-identity: run bash scripts/setup.sh" >&2; exit 1; }
. tests/bench/lib.sh
bench_standin_setup unused.cer

tenant=11111111-1111-1111-1111-111111111111
client=22222222-2222-2222-2222-222222222222
sub=00000000-0000-0000-0000-000000000001
secret=bench-runner-secret-0123456789
cat > "$work/standin.toml" <<TOML
[[subscription]]
id = "$sub"
name = "Bench"
[[tenant]]
id = "$tenant"
[[tenant.app]]
client_id = "$client"
display_name = "runner"
graph_permissions = ["Application.ReadWrite.All"]
secrets = [{ value = "$secret" }]
[[tenant.app.role]]
scope = "/subscriptions/$sub"
actions = ["*/read", "Microsoft.Authorization/*"]
TOML
bench_standin_start

export AZURE_TENANT_ID=$tenant AZURE_CLIENT_ID=$client AZURE_CLIENT_SECRET=$secret
export AZURE_SUBSCRIPTION_ID=$sub AZURE_AUTHORITY_HOST=$url ARM_ENDPOINT=$url GRAPH_ENDPOINT=$url
export REQUESTS_CA_BUNDLE=$work/ca.pem SP_NAME=bench SP_ROLE=Reader
# Each run makes another app named "bench" (--allow-same-name), the secret on stdout.
ct_base="$bin create sp --name bench --allow-same-name --subscription $sub --role Reader --credential secret --secret-out - --authority-host $url --arm-endpoint $url/ --graph-endpoint $url --ca-file $work/ca.pem --output text"
ct="$ct_base -q"
peer="$py tests/python/create_sp_peer.py"
# Sanity, and the requests each makes (certtool -v logs one line per HTTP request).
$ct_base -v 2>&1 >/dev/null | grep -E '^certtool \[info\]: (GET|POST|PUT|DELETE|PATCH) .* -> [0-9]' | sed -E 's/ -> ([0-9]+).*/ -> \1/' > "$work/ct-requests" || true
echo "certtool's requests:" >&2; sed 's/^/  /' "$work/ct-requests" >&2
ct_requests=$(wc -l < "$work/ct-requests")
peer_requests=$(PEER_COUNT=1 $peer 2>&1 >/dev/null | awk '/^requests:/ {print $2}')
$ct > /dev/null || { echo "failed: $ct" >&2; exit 1; }

hyperfine -N --warmup 2 --runs "$runs" --export-json "$work/r.json" --style basic \
  -n "certtool create sp" "$ct" \
  -n "azure-identity + HTTP (create-for-rbac + proof)" "$peer" >&2

python3 - "$work/r.json" "$ct_requests" "$peer_requests" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
a, b = "certtool create sp", "azure-identity + HTTP (create-for-rbac + proof)"
ma, mb = r[a]["median"] * 1000, r[b]["median"] * 1000
print(f"{a}: median {ma:.1f} ms, {sys.argv[2]} requests; {b}: median {mb:.1f} ms, {sys.argv[3]} requests; ratio {ma / mb:.3f}x (goal <= 0.3x)")
PY

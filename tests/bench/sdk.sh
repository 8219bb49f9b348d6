#!/usr/bin/env bash
# Benchmark: certtool against Microsoft's Python SDKs doing the same work against the
# local Azure stand-in, whole processes (the interpreter's start-up counts), side by side
# in one hyperfine run, and prints the ratios.
#   (a) ARM: `certtool test arm` (sign-in with a certificate + read one subscription and
#       its permissions) vs tests/python/sdk_arm.py (azure-identity CertificateCredential
#       + SubscriptionClient reading the subscription);
#   (b) ASM, 50 subscriptions: `certtool test asm` vs tests/python/asm_legacy.py (the
#       legacy ServiceManagementService looping over them: Get Subscription + List
#       Hosted Services each, as certtool does).
# Targets (issue 10): (a) <= 0.2x, (b) <= 0.05x.
# Usage: bash tests/bench/sdk.sh [RUNS]   (default 10; needs hyperfine, openssl and the
# venv scripts/setup.sh makes in target/pyenv)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-10}
py=${CERTTOOL_PYTHON:-$PWD/target/pyenv/bin/python}
for tool in hyperfine openssl; do
  command -v "$tool" >/dev/null || { echo "$tool is needed (apt-get install $tool)" >&2; exit 1; }
done
"$py" -c 'import azure.identity, azure.mgmt.resource.subscriptions, azure.servicemanagement' 2>/dev/null ||
  { echo "$py lacks the Azure SDK packages: run bash scripts/setup.sh" >&2; exit 1; }
# One certificate serves as the ASM management certificate and the app's credential.
. tests/bench/lib.sh
bench_standin_setup app.cer

tenant=11111111-1111-1111-1111-111111111111
client=22222222-2222-2222-2222-222222222222
ids=()
for n in $(seq 1 50); do
  id=$(printf '00000000-0000-0000-0000-%012d' "$n")
  ids+=("$id")
  cat >> "$work/standin.toml" <<TOML
[[subscription]]
id = "$id"
name = "Bench $n"
management_certificates = ["app.cer"]
hosted_services = [{ name = "web$n", location = "West US" }, { name = "api$n", location = "East US" }]
TOML
done
cat >> "$work/standin.toml" <<TOML
[[tenant]]
id = "$tenant"
[[tenant.app]]
client_id = "$client"
certificates = ["app.cer"]
[[tenant.app.role]]
scope = "/subscriptions/${ids[0]}"
actions = ["*/read"]
TOML
all=$(IFS=,; echo "${ids[*]}")

bench_standin_start
host=${url#https://}

# What azure-identity and certtool both read.
export AZURE_TENANT_ID=$tenant AZURE_CLIENT_ID=$client AZURE_SUBSCRIPTION_ID=${ids[0]}
export AZURE_AUTHORITY_HOST=$url ARM_ENDPOINT=$url AZURE_CLIENT_CERTIFICATE_PATH=$work/bundle.pem
export REQUESTS_CA_BUNDLE=$work/ca.pem

# Graph too (certtool reads the app registration after sign-in): the stand-in's, never a
# real host; the SDK script does not read Graph, so certtool does more work here.
arm_ct="$bin test arm --arm-endpoint $url/ --graph-endpoint $url --ca-file $work/ca.pem --output json"
arm_py="$py tests/python/sdk_arm.py"
asm_ct="$bin test asm --cert $work/bundle.pem --subscription $all --endpoint $url/ --ca-file $work/ca.pem --output json"
asm_py="$py tests/python/asm_legacy.py $host $work/bundle.pem $all"
# Sanity: every side succeeds before timing.
for cmd in "$arm_ct" "$arm_py" "$asm_ct" "$asm_py"; do
  $cmd > /dev/null || { echo "failed: $cmd" >&2; exit 1; }
done

hyperfine -N --warmup 2 --runs "$runs" --export-json "$work/r.json" --style basic \
  -n "certtool test arm" "$arm_ct" \
  -n "azure-identity + SubscriptionClient" "$arm_py" \
  -n "certtool test asm (50 subscriptions)" "$asm_ct" \
  -n "legacy ASM SDK (50 subscriptions)" "$asm_py" >&2

python3 - "$work/r.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
def line(a, b, target):
    ma, mb = r[a]["median"] * 1000, r[b]["median"] * 1000
    print(f"{a}: median {ma:.1f} ms; {b}: median {mb:.1f} ms; ratio {ma / mb:.3f}x (target <= {target}x)")
line("certtool test arm", "azure-identity + SubscriptionClient", 0.2)
line("certtool test asm (50 subscriptions)", "legacy ASM SDK (50 subscriptions)", 0.05)
PY

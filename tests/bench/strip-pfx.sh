#!/usr/bin/env bash
# Benchmark: `certtool strip-pfx` against the documented openssl recipe for removing a
# PFX password (fixed with `pass:` so it works, and `-legacy` for RC2 inputs, without
# which OpenSSL 3 cannot read them):
#   openssl pkcs12 -in IN -password pass:SECRET -nodes -out temp.pem
#   openssl pkcs12 -export -in temp.pem -passout pass: -out OUT
# Inputs: an RSA-2048 key + a 3-certificate chain (leaf, intermediate, root), as an
# OpenSSL 3 default (AES) PFX and as a `-legacy` (RC2/3DES) PFX; then a batch of 200
# such files (certtool once per file vs the recipe per file). Prints medians and ratios.
# Usage: bash tests/bench/strip-pfx.sh [RUNS] [BATCH]   (defaults 30 and 200)
# Uses hyperfine when installed (apt-get install hyperfine), else a loop over `date +%s%N`.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-30}
batch=${2:-200}
cargo build --release -p certtool --locked -q
bin=$PWD/target/release/certtool
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PW=MySecret

# A key and a three-level chain.
. tests/bench/lib.sh
bench_chain
openssl pkcs12 -export -inkey "$work/leaf.key" -in "$work/leaf.crt" -certfile "$work/chain.pem" \
  -name bench -passout env:PW -out "$work/aes.pfx"
openssl pkcs12 -export -legacy -inkey "$work/leaf.key" -in "$work/leaf.crt" -certfile "$work/chain.pem" \
  -name bench -passout env:PW -out "$work/legacy.pfx"
mkdir -p "$work/batch" "$work/batch-out" "$work/batch-recipe"
for i in $(seq 1 "$batch"); do
  if ((i % 2)); then cp "$work/aes.pfx" "$work/batch/f$i.pfx"; else cp "$work/legacy.pfx" "$work/batch/f$i.pfx"; fi
done

ct() { echo "$bin strip-pfx $work/$1.pfx -o $work/ct-$1.pfx --force --password-env PW"; }
recipe() { # recipe IN OUT [-legacy]
  echo "openssl pkcs12 -in $1 -password pass:MySecret -nodes -out $2.pem $3 && openssl pkcs12 -export -in $2.pem -passout pass: -out $2 && rm -f $2.pem"
}
ct_batch="for f in $work/batch/*.pfx; do $bin strip-pfx \$f -o $work/batch-out/\$(basename \$f) --force --password-env PW; done"
os_batch="for f in $work/batch/*.pfx; do openssl pkcs12 -in \$f -password pass:MySecret -nodes -out \$f.pem -legacy && openssl pkcs12 -export -in \$f.pem -passout pass: -out $work/batch-recipe/\$(basename \$f) && rm -f \$f.pem; done"

names=("certtool (AES input)" "recipe (AES input)" "certtool (legacy input)" "recipe (legacy input)"
  "certtool batch of $batch" "recipe batch of $batch")
cmds=("$(ct aes)" "$(recipe "$work/aes.pfx" "$work/os-aes.pfx" "")"
  "$(ct legacy)" "$(recipe "$work/legacy.pfx" "$work/os-legacy.pfx" -legacy)"
  "$ct_batch" "$os_batch")
batch_runs=$(((runs + 9) / 10))

results="$work/results.txt"
if command -v hyperfine >/dev/null 2>&1; then
  args=()
  for i in 0 1 2 3; do args+=(-n "${names[$i]}" "bash -c '${cmds[$i]}'"); done
  hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/single.json" --style basic "${args[@]}" >&2
  hyperfine -N --warmup 1 --runs "$batch_runs" --export-json "$work/batch.json" --style basic \
    -n "${names[4]}" "bash -c '${cmds[4]}'" -n "${names[5]}" "bash -c '${cmds[5]}'" >&2
  python3 - "$work/single.json" "$work/batch.json" >"$results" <<'PY'
import json, sys
for f in sys.argv[1:]:
    for x in json.load(open(f))["results"]:
        print(f'{x["command"]}\t{x["median"] * 1000:.1f}')
PY
else
  for i in 0 1 2 3 4 5; do
    n=$runs
    ((i >= 4)) && n=$batch_runs
    times=()
    for _ in $(seq 1 "$n"); do
      t0=$(date +%s%N)
      bash -c "${cmds[$i]}" >/dev/null 2>&1
      t1=$(date +%s%N)
      times+=($(((t1 - t0) / 1000)))
    done
    median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    printf '%s\t%s\n' "${names[$i]}" "$(awk -v us="$median" 'BEGIN {printf "%.1f", us / 1000}')" >>"$results"
  done
fi

python3 - "$results" "$batch" <<'PY'
import sys
rows = dict(line.rstrip("\n").split("\t") for line in open(sys.argv[1]))
batch = int(sys.argv[2])
def ratio(a, b, per=1):
    ma, mb = float(rows[a]), float(rows[b])
    print(f"{a}: {ma / per:.1f} ms{' per file' if per > 1 else ''}; {b}: {mb / per:.1f} ms"
          f"{' per file' if per > 1 else ''}; ratio {ma / mb:.2f}x (target <= 0.30x)")
ratio("certtool (AES input)", "recipe (AES input)")
ratio("certtool (legacy input)", "recipe (legacy input)")
ratio(f"certtool batch of {batch}", f"recipe batch of {batch}", per=batch)
PY

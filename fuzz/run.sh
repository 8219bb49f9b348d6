#!/usr/bin/env bash
# Fuzzes every parser of certtool for SECONDS each (default 60), one target after the
# other, and prints per target the time, the executions and the crashes, then the total.
# Exits non-zero when any target crashed (a panic, a sanitizer report, an out-of-memory
# or a timeout); the inputs are kept in fuzz/artifacts/<target>/.
#
#   bash fuzz/run.sh [SECONDS] [TARGET...]
#
# Installs what is missing: the nightly toolchain (libFuzzer's instrumentation needs it)
# and cargo-fuzz. Builds with one job and runs under `nice`, so it can share a small
# machine. Environment: FUZZ_SANITIZER (address, the default, or none), FUZZ_TIMEOUT
# (seconds one input may take, default 25), FUZZ_RSS_MB (default 2048), FUZZ_VECTORS (a
# directory of real-world samples to seed from, used only when present).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${1:-60}
shift || true
sanitizer=${FUZZ_SANITIZER:-address}
timeout=${FUZZ_TIMEOUT:-25}
rss=${FUZZ_RSS_MB:-2048}
vectors=${FUZZ_VECTORS:-$root/../shared/vectors}

all_targets=(pfx_open pfx_built bundle_load publishsettings asm_xml entra_json arm_json envfile)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")

# --- Tools -------------------------------------------------------------------------
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install --locked cargo-fuzz
fi

# --- Build -------------------------------------------------------------------------
# -a: debug assertions and overflow checks on, so an arithmetic overflow is a crash too.
echo "building the fuzz targets (sanitizer: $sanitizer)..."
(cd fuzz && CARGO_BUILD_JOBS=1 nice -n 10 cargo +nightly fuzz build -a -s "$sanitizer")
bin_dir=$root/fuzz/target/x86_64-unknown-linux-gnu/release

# --- Seeds -------------------------------------------------------------------------
# The committed seeds (fuzz/seeds/), the repository's fixtures and, when present, the
# real-world samples are copied into the working corpus (fuzz/corpus/, not committed).
seed() { # target, files...
    local dir=$root/fuzz/corpus/$1
    shift
    mkdir -p "$dir"
    local f
    for f in "$@"; do
        [ -f "$f" ] && cp -n "$f" "$dir/$(basename "$(dirname "$f")")-$(basename "$f")"
    done
    return 0
}
shopt -s nullglob
for t in "${all_targets[@]}"; do
    seed "$t" "$root"/fuzz/seeds/"$t"/*
done
pfx_files=("$root"/fixtures/certs/*.pfx "$root"/fixtures/pfx/*.pfx "$root"/fixtures/pfx/*.p12
    "$vectors"/pkcs12/*.p12)
seed pfx_open "${pfx_files[@]}"
seed bundle_load "$root"/fixtures/certs/* "$root"/fixtures/publishsettings/*.cer \
    "$root"/fixtures/pfx/*.p12 "$vectors"/pkcs12/*.p12
seed publishsettings "$root"/fixtures/publishsettings/*.publishsettings \
    "$vectors"/asm/*.publishsettings
seed asm_xml "$vectors"/asm/*.xml

# Per-target options: dictionaries, and for pfx_built (whose input is a structure, not
# a file) full-length inputs from the start instead of libFuzzer's slow length ramp.
options_for() {
    case $1 in
        publishsettings | asm_xml) echo "-dict=$root/fuzz/dict/xml.dict" ;;
        entra_json | arm_json) echo "-dict=$root/fuzz/dict/json.dict" ;;
        envfile) echo "-dict=$root/fuzz/dict/env.dict" ;;
        pfx_built) echo "-len_control=0 -max_len=4096" ;;
    esac
}

# --- Run ---------------------------------------------------------------------------
logs=$root/fuzz/target/logs
mkdir -p "$logs"
total_execs=0
total_crashes=0
summary=()
for t in "${targets[@]}"; do
    artifacts=$root/fuzz/artifacts/$t
    mkdir -p "$artifacts"
    before=$(find "$artifacts" -type f ! -name 'slow-unit-*' | wc -l)
    echo "fuzzing $t for ${seconds}s..."
    start=$(date +%s)
    status=0
    # shellcheck disable=SC2046
    nice -n 10 "$bin_dir/$t" "$root/fuzz/corpus/$t" $(options_for "$t") \
        -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb="$rss" \
        -artifact_prefix="$artifacts/" -print_final_stats=1 \
        >"$logs/$t.log" 2>&1 || status=$?
    elapsed=$(($(date +%s) - start))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$logs/$t.log" | tail -1)
    execs=${execs:-$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$logs/$t.log" | tail -1)}
    execs=${execs:-0}
    crashes=$(($(find "$artifacts" -type f ! -name 'slow-unit-*' | wc -l) - before))
    if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then
        crashes=1 # libFuzzer failed without leaving an input: still a failure
    fi
    slow=$(grep -c 'Slowest unit' "$logs/$t.log" || true)
    total_execs=$((total_execs + execs))
    total_crashes=$((total_crashes + crashes))
    summary+=("$(printf '%-16s %6ss %12s execs %8s/s %3s crashes %3s slow-unit notes' \
        "$t" "$elapsed" "$execs" "$((execs / (elapsed > 0 ? elapsed : 1)))" "$crashes" "$slow")")
    if [ "$crashes" -gt 0 ]; then
        echo "  $t: crashed (exit $status); log: $logs/$t.log; inputs: $artifacts/"
        grep -m 5 -E 'panicked at|ERROR: (libFuzzer|AddressSanitizer)' "$logs/$t.log" | sed 's/^/    /' || true
    fi
done

echo
echo "target              time        executions      rate  crashes"
printf '%s\n' "${summary[@]}"
echo "total: $total_execs executions, $total_crashes crashes"
[ "$total_crashes" -eq 0 ]

#!/usr/bin/env bash
# Benchmark: the release binary (static OpenSSL, scripts/dist.sh) against a dynamically
# linked build and against the openssl recipes it replaces, in one run of alternating
# rounds (each round runs every command once, in turn), with each command's peak RSS:
#   --version                      start-up alone
#   strip-pfx                      a typical PFX (RSA-2048 key + 3 certificates, OpenSSL 3
#                                  default AES/PBKDF2 protection, password) vs
#                                  `openssl pkcs12 -in F -nodes -out tmp.pem` then
#                                  `openssl pkcs12 -export -in tmp.pem -out out.pfx -passout pass:`
#   generate --key EXISTING        vs `openssl req -x509 -key` + `openssl pkcs12 -export` +
#                                  `openssl x509 -outform der`
# Usage: [BINARY=static-certtool] [BASELINE=dynamic-certtool] bash tests/bench/startup.sh [ROUNDS]
#   BINARY defaults to dist.sh's build (target/dist-build/x86_64-unknown-linux-gnu/release/certtool),
#   BASELINE to target/release/certtool (left out when absent); ROUNDS defaults to 30.
# Prints median wall time, ratios to the recipe and to the baseline, and peak RSS (the
# largest of the command's processes, from GNU time's %M). Targets (issue 12): strip-pfx and
# generate --key <= 0.30x the recipe, strip-pfx peak RSS <= 8 MiB.
# Recorded 2026-11-30 late, quiet machine (load < 0.5), 30 rounds, three runs in a row,
# BINARY = the release binary of commit 1420a87 (scripts/dist.sh's build: static OpenSSL
# 3.6, own PKCS#12 KDF/PBKDF2, single-file commits without a kept copy), BASELINE = the
# release binary of b2e9d70 (before this work), both static:
#   strip-pfx 9.1 / 9.6 / 8.8 ms = 0.31x / 0.32x / 0.34x the recipe (26.0-30.2 ms);
#             before: 0.32x / 0.30x / 0.33x, so level within this VM's noise. Peak RSS
#             8.4 MiB (before 8.2-8.3). Target 0.30x and 8 MiB: not met.
#   generate --key 0.24x / 0.24x / 0.20x the recipe (target 0.30x met).
#   --version 3.2-3.4 ms, 5.3 MiB.
# Where the time goes (perf record of the unstripped static build): the key derivations
# about a fifth (SHA-1/SHA-256 with the CPU's SHA extensions; inherent to the file and the
# compat profile), OpenSSL's first cipher fetch 7.5% (it builds every cipher of the
# provider), exec, dynamic relocation of the PIE (28 800 relative relocations, most in
# OpenSSL's tables) and page faults about a fifth, the two fsyncs of the atomic write
# 0.5-0.7 ms of wall time. Floor (start-up plus one derivation per bag and MAC, read and
# write, the derivations timed by their share of perf samples): 3.3 + 1.6 = about 4.9 ms;
# certtool takes about 1.8x that. Tried and measured, not kept: deriving a file's keys on two
# threads (level in wall time on this VM, +0.4 MiB RSS for the second thread's malloc
# arena). Measured, not adopted: a non-PIE build (-C relocation-model=static) gives peak
# RSS 7.9-8.1 MiB and about 9% less time (0.37x against 0.40x in that run), at the cost
# of ASLR for the executable. Earlier: dynamic builds against OpenSSL 3.0.19, before the
# key-reuse read-back, 0.47x; after it 0.39x; the own KDF took another ~5% off there.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-30}
binary=$(realpath "${BINARY:-target/dist-build/x86_64-unknown-linux-gnu/release/certtool}")
baseline=${BASELINE:-target/release/certtool}
[ -x "$binary" ] || { echo "no $binary: run bash scripts/dist.sh or set BINARY=" >&2; exit 1; }
[ -x "$baseline" ] && baseline=$(realpath "$baseline") || baseline=""
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PW=MySecret

. tests/bench/lib.sh
bench_chain
openssl pkcs12 -export -inkey "$work/leaf.key" -in "$work/leaf.crt" -certfile "$work/chain.pem" \
  -name bench -passout env:PW -out "$work/in.pfx"

python3 - "$rounds" "$work" "$binary" "$baseline" <<'PY'
import statistics, subprocess, sys, time
rounds, work, binary, baseline = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
def certtool(b, tag):
    return {
        "version": [b, "--version"],
        "strip": [b, "strip-pfx", f"{work}/in.pfx", "-o", f"{work}/out-{tag}.pfx", "--force", "--password-env", "PW"],
        "generate": ["sh", "-c", f"rm -rf {work}/g-{tag} && exec {b} generate --name bench --out-dir {work}/g-{tag} --no-password --key {work}/leaf.key"],
    }
recipe = {
    "strip": ["sh", "-c", f"openssl pkcs12 -in {work}/in.pfx -passin env:PW -nodes -out {work}/tmp.pem && "
              f"openssl pkcs12 -export -in {work}/tmp.pem -out {work}/out.pfx -passout pass: && rm -f {work}/tmp.pem"],
    "generate": ["sh", "-c", f"rm -rf {work}/r && mkdir {work}/r && cd {work}/r && "
                 f"openssl req -x509 -key {work}/leaf.key -out c.pem -days 365 -subj /CN=bench -sha256 "
                 f"-addext keyUsage=critical,digitalSignature,keyEncipherment -addext extendedKeyUsage=clientAuth && "
                 f"openssl pkcs12 -export -inkey {work}/leaf.key -in c.pem -passout pass: -keypbe PBE-SHA1-3DES "
                 f"-certpbe PBE-SHA1-3DES -macalg sha1 -out bench.pfx && openssl x509 -in c.pem -outform der -out bench.cer"],
}
cmds = {}
for task in ("version", "strip", "generate"):
    cmds[(task, "static")] = certtool(binary, "s")[task]
    if baseline:
        cmds[(task, "dynamic")] = certtool(baseline, "d")[task]
    if task in recipe:
        cmds[(task, "recipe")] = recipe[task]
times = {k: [] for k in cmds}
rss = {k: 0 for k in cmds}
keys = list(cmds)
def run(k):
    t0 = time.perf_counter()
    subprocess.run(cmds[k], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0
for k in keys:  # warm-up, and peak RSS from GNU time (its own fork, not this Python's)
    run(k)
    for _ in range(3):
        out = subprocess.run(["/usr/bin/time", "-f", "%M", *cmds[k]], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True, check=True).stderr
        rss[k] = max(rss[k], int(out.strip().splitlines()[-1]))
for r in range(rounds):
    for k in keys[r % len(keys):] + keys[:r % len(keys)]:
        times[k].append(run(k) * 1000)
med = {k: statistics.median(v) for k, v in times.items()}
print(f"{rounds} alternating rounds; static = {binary}" + (f", dynamic = {baseline}" if baseline else ""))
for task in ("version", "strip", "generate"):
    for kind in ("static", "dynamic", "recipe"):
        k = (task, kind)
        if k not in med:
            continue
        line = f"{task:9} {kind:8} median {med[k]:7.1f} ms (min {min(times[k]):6.1f})  peak RSS {rss[k] / 1024:5.1f} MiB"
        if kind != "recipe" and (task, "recipe") in med:
            line += f"  {med[k] / med[(task, 'recipe')]:.2f}x recipe"
        if kind == "static" and (task, "dynamic") in med:
            line += f"  {med[k] / med[(task, 'dynamic')]:.2f}x dynamic"
        print(line)
PY

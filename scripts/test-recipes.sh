#!/usr/bin/env bash
# Runs the pipeline recipes of docs/ci.md and docs/audit.md against the local Azure stand-in: every
# `run: |` / `bash: |` step of each ```yaml recipe block, in order, with bash -euo pipefail,
# in place of GitHub Actions / Azure Pipelines. docs/ci.md ("How the recipes are tested")
# says what stands in for the pipeline. Installs the release archive from dist/ (run
# scripts/dist.sh first), or, when there is none, from an archive of the same layout made
# here from target/debug/certtool.
# Usage: bash scripts/test-recipes.sh   Last line: "N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
source scripts/standin.sh
work=$(mktemp -d)
trap 'standin_stop; rm -rf "$work"' EXIT

# The release to install: dist/, else the debug build packed the same way.
release=$repo/dist
if ! ls "$release"/certtool-*-x86_64-linux.tar.gz >/dev/null 2>&1; then
  cargo build --locked -q -p certtool
  version=$(target/debug/certtool -V | awk '{print $2}')
  release=$work/release
  mkdir -p "$release/certtool-$version-x86_64-linux"
  cp target/debug/certtool README.md "$release/certtool-$version-x86_64-linux/"
  tar -C "$release" -czf "$release/certtool-$version-x86_64-linux.tar.gz" "certtool-$version-x86_64-linux"
  (cd "$release" && sha256sum -- *.tar.gz >SHA256SUMS)
fi
archive=$(basename "$(ls "$release"/certtool-*-x86_64-linux.tar.gz | head -1)")
version=${archive#certtool-}
version=${version%-x86_64-linux.tar.gz}

# Each step of each recipe, as a file: $work/steps/RECIPE-NN.sh
mkdir -p "$work/steps"
python3 - "$work/steps" docs/ci.md docs/audit.md <<'PY'
import re, sys
text = [l for doc in sys.argv[2:] for l in open(doc).read().splitlines()]
recipe, inside, steps = 0, False, []
for line in text:
    if line.startswith("```yaml recipe"):
        recipe, inside, n = recipe + 1, True, 0
        lines = []
        continue
    if inside and line.startswith("```"):
        inside = False
        i = 0
        while i < len(lines):
            m = re.match(r"^(\s*)(?:- )?(run|bash): ?(.*)$", lines[i])
            if not m:
                i += 1
                continue
            indent = len(m.group(1)) + (2 if lines[i].lstrip().startswith("- ") else 0)
            body = []
            if m.group(3).strip() == "|":
                i += 1
                while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent):
                    body.append(lines[i])
                    i += 1
                cut = min(len(l) - len(l.lstrip()) for l in body if l.strip())
                body = [l[cut:] for l in body]
            else:
                body = [m.group(3)]
                i += 1
            n += 1
            open(f"{sys.argv[1]}/{recipe}-{n:02}.sh", "w").write("\n".join(body) + "\n")
        continue
    if inside:
        lines.append(line)
PY
ls "$work/steps" | sed 's/^/step /'

standin_start "$work/standin" >/dev/null
passed=0
failed=0
for recipe in $(ls "$work/steps" | cut -d- -f1 | sort -un); do
  home=$work/home$recipe temp=$work/temp$recipe
  mkdir -p "$home" "$temp"
  : >"$work/github_path"
  path=$PATH
  for step in "$work/steps/$recipe"-*.sh; do
    name="recipe $recipe step $(basename "$step" .sh | cut -d- -f2)"
    # What the pipeline provides; `certtool` is pointed at the stand-in.
    if env -i PATH="$path" HOME="$home" RUNNER_TEMP="$temp" AGENT_TEMPDIRECTORY="$temp" \
      GITHUB_PATH="$work/github_path" SSL_CERT_FILE="$STANDIN_CA" STANDIN_URL="$STANDIN_URL" \
      CERTTOOL_VERSION="$version" CERTTOOL_RELEASE_URL="file://$release" \
      PFX_BASE64="$(base64 -w0 "$work/standin/app.pfx")" MGMT_PFX_BASE64="$(base64 -w0 "$work/standin/mgmt.pfx")" \
      PFX_PASSWORD="$PFX_PASSWORD" AZURE_TENANT_ID="$TENANT" AZURE_CLIENT_ID="$CLIENT_ID" \
      AZURE_SUBSCRIPTION_ID="$SUBSCRIPTION" \
      bash -c 'set -euo pipefail
        certtool() {
          case "${1:-} ${2:-}" in
            "test asm") command certtool "$@" --endpoint "$STANDIN_URL" ;;
            "test arm") command certtool "$@" --authority-host "$STANDIN_URL" --arm-endpoint "$STANDIN_URL" --graph-endpoint "$STANDIN_URL" ;;
            "audit "*) command certtool "$@" --authority-host "$STANDIN_URL" --graph-endpoint "$STANDIN_URL" ;;
            *) command certtool "$@" ;;
          esac
        }
        source "$0"' "$step" >"$work/out.log" 2>&1; then
      passed=$((passed + 1))
      echo "ok   $name"
    else
      failed=$((failed + 1))
      echo "FAIL $name"
      sed 's/^/     /' "$work/out.log" | tail -20
    fi
    # $GITHUB_PATH and ##vso[task.prependpath] reach the later steps' PATH.
    while read -r dir; do [ -n "$dir" ] && path="$dir:$path"; done <"$work/github_path"
    : >"$work/github_path"
    while read -r dir; do path="$dir:$path"; done < <(sed -n 's/^##vso\[task.prependpath\]//p' "$work/out.log")
  done
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

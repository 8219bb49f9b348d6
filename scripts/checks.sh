# Sourced by the release checks (test-dist.sh, test-dist-windows.sh): counts checks and ends
# with the line "N passed, M failed" that CI and the calling scripts read. Set `work` (a
# scratch directory) before calling check or run_counted.
#   check DESCRIPTION COMMAND...   ok when COMMAND succeeds; else FAIL and its last output
#   run_counted NAME COMMAND...    runs a checking script and adds its own counts
#   checks_summary                 prints the closing line; fails if any check failed
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
check() {
  local what=$1
  shift
  if "$@" >"$work/last.log" 2>&1; then ok "$what"; else bad "$what"; sed 's/^/     /' "$work/last.log" | tail -20; fi
}
# (The script's output goes through a file: `tee /dev/stderr` would reopen, and so truncate,
# a log file the caller's output is redirected to.)
run_counted() {
  local name=$1 status=0 summary
  shift
  "$@" >"$work/$name.log" 2>&1 || status=$?
  cat "$work/$name.log"
  summary=$(tail -1 "$work/$name.log")
  if [[ $summary =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passed=$((passed + BASH_REMATCH[1]))
    failed=$((failed + BASH_REMATCH[2]))
  else
    bad "$name ended without its summary line (exit $status)"
  fi
}
checks_summary() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

#!/usr/bin/env bash
# Runs every libFuzzer target of a -DSPOTSTREAM_FUZZ=ON build for FUZZ_SECONDS each (`make fuzz`).
#   fuzz/run_fuzzers.sh BUILD_DIR [TARGET...]      (default: every fuzz_* in BUILD_DIR/fuzz)
# Each target starts from the seed corpus (fuzz/seed_corpus.py: the real samples in ../shared/data)
# and the committed inputs in fuzz/regressions/<target>, and keeps what it learns in
# BUILD_DIR/fuzz-corpus/<target> (reused by the next run). A crash's input is written to
# BUILD_DIR/fuzz-crashes/; copy it to fuzz/regressions/<target>/ once fixed. Prints a table of
# executions per target; exits non-zero if any target crashed.
set -euo pipefail
build=${1:?usage: run_fuzzers.sh BUILD_DIR [TARGET...]}
shift
seconds=${FUZZ_SECONDS:-60}
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$build" && pwd)
python3 "$here/seed_corpus.py" --out "$build/fuzz-seeds" >/dev/null
mkdir -p "$build/fuzz-crashes" "$build/fuzz-logs"

if [ $# -eq 0 ]; then
  set -- $(cd "$build/fuzz" && ls fuzz_* | grep -v '^fuzz_replay$' | sed 's/^fuzz_//')
fi
echo "fuzzing ${#@} targets for ${seconds} s each (FUZZ_SECONDS)"
printf '%-20s %14s %10s %8s  %s\n' target executions exec/s corpus result
failed=0
for t in "$@"; do
  corpus="$build/fuzz-corpus/$t"
  mkdir -p "$corpus"
  inputs=("$corpus")
  for d in "$build/fuzz-seeds/$t" "$here/regressions/$t"; do [ -d "$d" ] && inputs+=("$d"); done
  log="$build/fuzz-logs/$t.log"
  result=ok
  # rss_limit: the whole Spot Advisor file as one input is legitimately large.
  if ! "$build/fuzz/fuzz_$t" -max_total_time="$seconds" -max_len=16384 -rss_limit_mb=4096 -timeout=10 \
        -dict="$here/json.dict" -print_final_stats=1 -artifact_prefix="$build/fuzz-crashes/$t-" \
        "${inputs[@]}" >"$log" 2>&1; then
    result="CRASH (see $log)"
    failed=1
  fi
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  rate=$(( execs / (seconds > 0 ? seconds : 1) ))
  size=$(ls "$corpus" | wc -l)
  printf '%-20s %14s %10s %8s  %s\n' "$t" "$execs" "$rate" "$size" "$result"
done
exit $failed

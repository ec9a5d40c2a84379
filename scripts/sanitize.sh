#!/usr/bin/env bash
# The sanitizer stage of `make test` (tests/README.md "Sanitizers"): builds the tests with
#   ASan + UBSan  (-DSPOTSTREAM_SANITIZE=address,undefined, in build-asan/) and runs the unit tests,
#                 the integration tests against the instrumented binary and the fuzz replays;
#   TSan          (-DSPOTSTREAM_SANITIZE=thread, in build-tsan/) and runs the tests of the threaded
#                 parts: runtime, queues, risk table, pipeline.
# Every finding aborts its test (no recovery), so any report fails the stage.
#   scripts/sanitize.sh [asan|tsan]...      (default: both)
# ASAN_EXCLUDE and TSAN_EXCLUDE (ctest -E regexes) leave out tests too heavy to run instrumented
# within CI's budget, TSAN_INCLUDE picks the TSan set; the defaults are below with the reason.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-$(nproc)}
root=$(pwd)

# Leaks and races in the uninstrumented libraries the project links are theirs, not ours.
export LSAN_OPTIONS="suppressions=$root/scripts/sanitizers/lsan.supp:print_suppressions=0"
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$root/scripts/sanitizers/tsan.supp"

# Unity builds (cmake/unity.cmake): these trees are built from scratch, where batching the sources
# saves most of the compile time.
configure_and_build() {  # dir sanitizers targets...
  local dir=$1 san=$2
  shift 2
  cmake -S . -B "$dir" -DSPOTSTREAM_SANITIZE="$san" -DCMAKE_UNITY_BUILD=ON >/dev/null
  cmake --build "$dir" -j "$jobs" --target "$@" -- --no-print-directory
}

run_asan() {
  echo "== ASan + UBSan"
  configure_and_build build-asan address,undefined unit_tests spotstream fuzz_replay
  (cd build-asan && ctest --output-on-failure -j "$jobs" -E "${ASAN_EXCLUDE:-$asan_exclude}")
}

run_tsan() {
  echo "== TSan"
  configure_and_build build-tsan thread unit_tests
  (cd build-tsan && ctest --output-on-failure -j "$jobs" -R "${TSAN_INCLUDE:-$tsan_include}" \
     -E "${TSAN_EXCLUDE:-$tsan_exclude}")
}

# Left out under ASan (the reason first, then the tests):
# - integration.test_deployment checks the shipping binary's shared libraries against the
#   Dockerfile; the instrumented one links the sanitizer runtimes besides.
# - the multi-process failover, the stopped-and-restarted signal race and the four-minute
#   scenarios: at the instrumented speed on 2 cores they outrun the 30 s the decision shards wait
#   for the risk table at a stop (seen: decisions made on a partial table, so a comparison with
#   the uninstrumented reference fails). Their code paths run in the pipeline, restart and
#   exactly-once tests that stay in.
# - CI's time budget: the scenarios that took 50 s or more each instrumented (measured one at a
#   time: 1,074 s of the 2,340 s the whole set took; the 305 tests kept take about 1,000 s). Each
#   repeats, at a larger scale or over more runs, code that a lighter test in the set runs:
#     test_pg_history (232 s): PgHistory.* and ExactlyOnceTest.WorksWithThePostgresHistory;
#     test_restart_resume, WarmStartTest.RestartMidStream..., ExactlyOnceTest.RestartInTheSameGroup...,
#       LateJoin.*: PipelineTest.RestartReplaysStateAndEmitsEachDecisionOnce, WarmStartTest.NewGroup...;
#     test_models, test_replay, test_backtest, test_feed_file_and_demo: the Model*, Replay.*,
#       Backtest.* and feed tests, test_cli;
#     PipelineTest.OutputIsIdentical..., PressureReplay.*, RiskDeterminism.SameRisk...: the other
#       PipelineTest, Replay, Pressure and RiskDeterminism tests (the same code at one shard count);
#     ExactlyOnceTest.AFailedTransaction...: ExactlyOnceTest.SameOutputsAsAtLeastOnce...
asan_exclude_broken='integration\.test_deployment|integration\.test_(group_failover|signal_race)|RiskTableTopic\.|Replay\.SameRecordsAsTheKafkaPath|BrokerFaults\.'
asan_exclude_heavy='integration\.test_(pg_history|restart_resume|models|replay|backtest|feed_file_and_demo)|WarmStartTest\.RestartMidStream|ExactlyOnceTest\.(RestartInTheSameGroup|AFailedTransaction)|LateJoin\.|PipelineTest\.OutputIsIdentical|PressureReplay\.|RiskDeterminism\.SameRisk'
asan_exclude="^(${asan_exclude_broken}|${asan_exclude_heavy})"
# Left out under TSan: the three runs of one input over several partition, shard and batch counts
# (and through Kafka and the replay path). Instrumented they take 220 s, 273 s and more than the
# 300 s CTest allows on 2 cores; their pipeline code runs in the other PipelineTest, Replay and
# RiskDeterminism tests, which stay in.
tsan_exclude='^(Replay\.SameRecordsAsTheKafkaPath|PipelineTest\.OutputIsIdenticalAcrossShardsBatchesAndBackpressure|RiskDeterminism\.SameRiskWhateverPartitionsShardsAndBatches)$'
tsan_include='^(PipelineTest|Shard|EventLane|RiskTable|OrderedSink|OffsetTracker|Watermarks|KafkaSourceCoPartition|MemorySource|Replay|RiskDeterminism|InputGuard|ModelReload|MqttDecisionMirror|Limits)\.'

stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=(asan tsan)
for s in "${stages[@]}"; do
  case $s in
    asan) run_asan ;;
    tsan) run_tsan ;;
    *) echo "sanitize.sh: unknown stage $s (asan, tsan)" >&2; exit 2 ;;
  esac
done

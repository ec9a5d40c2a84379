// Decoding throughput per input shape, one core, one reused EventDecoder (as the source thread
// uses it). Items are messages, except for the CLI response where they are ticks.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "src/codec/event_decoder.hpp"
#include "src/codec/json_encoder.hpp"

using namespace spotstream;

namespace {

std::string shared_file(const std::string& rel) {
  std::ifstream in(std::filesystem::path(SPOTSTREAM_SOURCE_DIR) / ".." / "shared" / "data" / rel, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void run(benchmark::State& state, InputKind kind, const std::string& msg, std::string_view key = {},
         DecodeLimits limits = {}) {
  EventDecoder decoder(limits);
  std::vector<Event> out;
  out.reserve(4096);
  DecodeError err;
  std::size_t events = 0;
  for (auto _ : state) {
    out.clear();
    if (!decoder.decode(kind, key, msg, out, err)) {
      state.SkipWithError(("decode failed: " + err.detail).c_str());
      break;
    }
    events += out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(events));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * msg.size()));
  state.counters["msg_bytes"] = static_cast<double>(msg.size());
  state.counters["events_per_msg"] = static_cast<double>(events) / static_cast<double>(std::max<std::int64_t>(1, state.iterations()));
}

// ~160 bytes, the size FACTS.md measured.
const std::string kCanonicalTick =
    R"({"ts":"2020-02-20T22:06:16.000Z","region":"us-east-1","az":"us-east-1a","instance_type":"p3.2xlarge",)"
    R"("product":"Linux/UNIX","spot_price":0.918,"on_demand_price":3.06})";
const std::string kCanonicalTickMs =
    R"({"ts":1582236376000,"region":"us-east-1","az":"us-east-1a","instance_type":"p3.2xlarge",)"
    R"("product":"Linux/UNIX","spot_price":0.918,"on_demand_price":3.06})";
const std::string kAwsItem =
    R"({"AvailabilityZone":"us-east-1d","InstanceType":"p2.xlarge","ProductDescription":"Linux/UNIX",)"
    R"("SpotPrice":"0.340500","Timestamp":"2020-02-20T23:21:08.000Z"})";

void BM_CanonicalTick(benchmark::State& state) { run(state, InputKind::Prices, kCanonicalTick); }
void BM_CanonicalTickEpochMs(benchmark::State& state) { run(state, InputKind::Prices, kCanonicalTickMs); }
// The same tick through simdjson, as every message that is not a plain canonical tick goes.
void BM_CanonicalTickGeneral(benchmark::State& state) {
  run(state, InputKind::Prices, kCanonicalTick, {}, DecodeLimits{.scan_canonical_ticks = false});
}
void BM_AwsItem(benchmark::State& state) { run(state, InputKind::Prices, kAwsItem); }
void BM_EventBridgeItn(benchmark::State& state) {
  run(state, InputKind::Signals, shared_file("aws-events/eventbridge-spot-itn.nth.json"));
}
void BM_EventBridgeRebalance(benchmark::State& state) {
  run(state, InputKind::Signals, shared_file("aws-events/eventbridge-rebalance.nth.json"));
}
void BM_ImdsInstanceAction(benchmark::State& state) {
  run(state, InputKind::Signals, shared_file("aws-events/imds-spot-instance-action.karpenter-design.json"), "i-0abc");
}
void BM_FleetJoin(benchmark::State& state) {
  run(state, InputKind::Fleet,
      R"({"ts":"2024-01-02T03:04:05Z","action":"join","fleet":"prod","node_id":"ip-10-0-0-1.ec2.internal",)"
      R"("instance_id":"i-0aa","az":"us-east-1c","instance_type":"m6i.2xlarge","vcpu":8,"memory_gib":32})");
}
// A real 1000-row describe-spot-price-history page; items are ticks.
void BM_CliResponseTicks(benchmark::State& state) {
  run(state, InputKind::Prices, shared_file("price-history/training_on_a_dime/us-east-1/p2.xlarge.json"), {},
      DecodeLimits{.max_message_bytes = 64 << 20});
}

// A spot.risk record as the decisions read it back from the topic (the fields that rank pools).
void BM_SpotRiskRecordScore(benchmark::State& state) {
  RiskRecord r;
  r.pool = "us-east-1a/p3.2xlarge/Linux/UNIX";
  r.region = "us-east-1", r.az = "us-east-1a", r.instance_type = "p3.2xlarge", r.product = "Linux/UNIX";
  r.family = "p3";
  r.ts = 1704724200123;
  r.features.price = 0.918, r.features.on_demand_price = 3.06, r.features.advisor_band = 2;
  r.advisor_band_label = "10-15%";
  r.score = RiskScore{.stability = 0.8, .crash_probability = 0.2, .label = "safe", .model = "heuristic-v1",
                      .model_version = "1", .model_kind = "heuristic"};
  const std::string msg = encode_risk_record(r);
  std::size_t events = 0;
  for (auto _ : state) {
    const auto got = decode_risk_score(msg);
    if (!got || got->pool != r.pool) {
      state.SkipWithError("the record did not read back");
      break;
    }
    ++events;
    benchmark::DoNotOptimize(got->score.crash_probability);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(events));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * msg.size()));
  state.counters["msg_bytes"] = static_cast<double>(msg.size());
  state.counters["events_per_msg"] = static_cast<double>(events) / static_cast<double>(std::max<std::int64_t>(1, state.iterations()));
}

}  // namespace

BENCHMARK(BM_CanonicalTick);
BENCHMARK(BM_CanonicalTickEpochMs);
BENCHMARK(BM_CanonicalTickGeneral);
BENCHMARK(BM_AwsItem);
BENCHMARK(BM_EventBridgeItn);
BENCHMARK(BM_EventBridgeRebalance);
BENCHMARK(BM_ImdsInstanceAction);
BENCHMARK(BM_FleetJoin);
BENCHMARK(BM_CliResponseTicks);
BENCHMARK(BM_SpotRiskRecordScore);

BENCHMARK_MAIN();

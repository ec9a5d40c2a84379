// Decoding throughput per input shape, one core, one reused EventDecoder (as the source thread
// uses it). Items are messages, except for the CLI response where they are ticks.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

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
// A feed of 10,000 pools, one tick of each in turn (as in row 8's warm start): unlike one tick
// decoded over and over, the decoder's memory of each pool is fetched from further out in the
// caches (an L2 of 512 KiB here), as it is live.
void BM_CanonicalTickManyPools(benchmark::State& state) {
  const char* const azs[] = {"us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1f", "us-east-1e",
                             "us-west-2a", "us-west-2b", "us-west-2c", "us-west-2d", "eu-west-1a", "eu-west-1b",
                             "eu-west-1c", "eu-central-1a", "eu-central-1b", "eu-central-1c", "ap-southeast-1a",
                             "ap-southeast-1b", "ap-southeast-1c", "ap-northeast-1a"};
  const char* const families[] = {"m5", "c5", "r5", "m6i", "c6i", "r6i", "m7g", "c7g", "r7g", "t3"};
  const char* const sizes[] = {"medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "metal"};
  const char* const products[] = {"Linux/UNIX", "Windows", "Red Hat Enterprise Linux", "SUSE Linux", "Linux/UNIX (Amazon VPC)"};
  std::vector<std::string> msgs;
  std::size_t bytes = 0;
  for (const char* az : azs)
    for (const char* family : families)
      for (const char* size : sizes)
        for (const char* product : products) {
          PriceTick t;
          t.ts = 1582236376000 + static_cast<TimestampMs>(msgs.size()) * 1000;
          t.az = az;
          t.region = std::string(az, std::strlen(az) - 1);
          t.instance_type = std::string(family) + "." + size;
          t.product = product;
          t.spot_price = 0.0123 + static_cast<double>(msgs.size() % 997) / 1000.0;
          t.on_demand_price = 3.06;
          msgs.push_back(encode_price_tick(t));
          bytes += msgs.back().size();
        }
  EventDecoder decoder;
  std::vector<Event> out;
  DecodeError err;
  std::size_t i = 0, events = 0;
  for (auto _ : state) {
    out.clear();
    if (!decoder.decode(InputKind::Prices, {}, msgs[i], out, err)) {
      state.SkipWithError(("decode failed: " + err.detail).c_str());
      break;
    }
    events += out.size();
    i = i + 1 == msgs.size() ? 0 : i + 1;
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(events));
  state.counters["msg_bytes"] = static_cast<double>(bytes) / static_cast<double>(msgs.size());
  state.counters["events_per_msg"] = static_cast<double>(events) / static_cast<double>(std::max<std::int64_t>(1, state.iterations()));
}

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
BENCHMARK(BM_CanonicalTickManyPools);
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

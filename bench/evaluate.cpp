// The REST evaluation's server time: POST /api/v1/evaluate answered from live state. The risk
// table is filled as the live topology fills it (the price path over the synthetic market's 8 days,
// 210 pools in 2 regions, every published spot.risk record fed to the table), with the real Spot
// Advisor file when ../shared/data is beside the checkout (bands and hardware of every type).
//   BM_EvaluateHandler: what the server does per request (parse the JSON body, filter, rank and
//     decide over the region's 105 pools, encode the answer), no socket;
//   BM_EvaluateHttp: the same through cpp-httplib over loopback with a keep-alive client (client
//     time included: an upper bound of what a caller sees);
//   BM_EvaluateEngine: the decision engine alone (filter, rank, policy);
//   BM_DecideFleetInstant: the risk-driven decisions of one instant for a fleet of 480 nodes in
//     one region (filter, rank, policy and the diversity cap for every node), as the decision
//     shard makes them: what a busy instant costs it.
#include <benchmark/benchmark.h>
#include <httplib.h>

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <limits>

#include <spdlog/spdlog.h>

#include "operators/decision/fleet_state.hpp"
#include "src/feed/synth_market.hpp"
#include "src/rest/evaluate_server.hpp"
#include "topology/price_path.hpp"
#include "topology/process_metrics.hpp"

using namespace spotstream;

namespace {

TimestampMs last_tick = 0;  //!< event time of the market's last tick

std::shared_ptr<DecisionServices> live_services() {
  static std::shared_ptr<DecisionServices> services = [] {
    Config cfg;
    const auto advisor = std::filesystem::path(SPOTSTREAM_SOURCE_DIR) / "../shared/data/spot-advisor/spot-advisor-data.json";
    if (std::filesystem::exists(advisor)) cfg.set("risk.spot_advisor_file", advisor.string());
    auto s = std::make_shared<DecisionServices>(cfg);
    ProcessMetrics metrics;
    const auto feeder = s->table.add_feeder();
    const PricePath path(cfg, nullptr, metrics, s->scoring);
    PriceState state;
    SynthMarket(SynthOptions{}).generate([&](const Event& e) {
      if (const auto* t = std::get_if<PriceTick>(&e)) {
        PriceTick tick = *t;
        last_tick = std::max(last_tick, tick.ts);
        tick.key_hash = tick.routing_hash();
        TickOutcome outcome;
        if (auto rec = path.score(tick, state, outcome)) feeder.update(*rec);
      }
    });
    return s;
  }();
  return services;
}

constexpr const char* kBody = R"({"instance_type":"c5.large","availability_zone":"us-east-1a"})";

}  // namespace

static void BM_EvaluateHandler(benchmark::State& state) {
  EvaluateServer server(live_services());
  std::size_t ok = 0;
  for (auto _ : state) {
    auto reply = server.evaluate(kBody);
    ok += reply.status == 200;
    benchmark::DoNotOptimize(reply);
  }
  state.counters["pools"] = static_cast<double>(live_services()->table.pools());
  state.counters["ok"] = static_cast<double>(ok) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_EvaluateHandler)->Unit(benchmark::kMicrosecond);

static void BM_EvaluateEngine(benchmark::State& state) {
  auto s = live_services();
  NodeNeeds n;
  n.region = "us-east-1";
  n.az = "us-east-1a";
  n.instance_type = "c5.large";
  n.product = "Linux/UNIX";
  n.family = "c5";
  for (auto _ : state) benchmark::DoNotOptimize(s->engine.evaluate(n));
}
BENCHMARK(BM_EvaluateEngine)->Unit(benchmark::kMicrosecond);

static void BM_DecideFleetInstant(benchmark::State& state) {
  spdlog::set_level(spdlog::level::warn);  // catch-up says what it re-evaluated, every iteration
  auto s = live_services();
  const char* const types[] = {"c5.large", "c5.xlarge", "c5.2xlarge", "m5.large", "m5.xlarge", "m5.2xlarge", "r5.large", "r5.xlarge"};
  FleetState fleet;
  constexpr int kNodes = 480;
  for (int i = 0; i < kNodes; ++i) {
    FleetEvent j;
    j.fleet = "bench";
    j.node_id = "node-" + std::to_string(i);
    j.instance_id = "i-" + std::to_string(i);
    j.region = "us-east-1";
    j.az = std::string("us-east-1") + static_cast<char>('a' + i % 3);
    j.instance_type = types[(i / 3) % std::size(types)];
    j.product = "Linux/UNIX";
    fleet.nodes[j.instance_id].joined = j;
  }
  // Every node is evaluated at the instant again each iteration (as nodes taken over are).
  fleet.recent_instants = {last_tick};
  std::size_t decisions = 0;
  const DecisionSink count = [&](const Decision&, bool) { ++decisions; };
  for (auto _ : state) {
    for (auto& [id, n] : fleet.nodes) {
      n.restore_pending = true;
      n.decided_through = last_tick - 1;
      n.model = ModelState{};
    }
    fleet.restore_pending = true;
    s->engine.advance(fleet, std::numeric_limits<TimestampMs>::min(), count);
  }
  state.counters["nodes"] = kNodes;
  state.counters["decisions"] = static_cast<double>(decisions) / static_cast<double>(std::max<std::int64_t>(1, state.iterations()));
  state.counters["per_node"] = benchmark::Counter(static_cast<double>(kNodes), benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_DecideFleetInstant)->Unit(benchmark::kMillisecond);

static void BM_EvaluateHttp(benchmark::State& state) {
  EvaluateServer server(live_services());
  const int port = server.start("127.0.0.1", 0);
  httplib::Client client("127.0.0.1", port);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);
  double server_ms = 0;
  for (auto _ : state) {
    auto res = client.Post("/api/v1/evaluate", kBody, "application/json");
    if (!res || res->status != 200) {
      state.SkipWithError("request failed");
      break;
    }
    const auto at = res->body.find("\"execution_time_ms\":");
    if (at != std::string::npos) server_ms += std::stod(res->body.substr(at + 20));
  }
  state.counters["server_ms_mean"] = server_ms / static_cast<double>(std::max<std::int64_t>(1, state.iterations()));
  server.stop();
}
BENCHMARK(BM_EvaluateHttp)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();

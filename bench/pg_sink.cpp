// Sustained throughput of the PostgreSQL history sink (src/storage/pg_sink.hpp) against a real,
// throwaway PostgreSQL server started here (scripts/pg_temp.sh; or the server named by the
// BENCH_PG_CONNINFO environment variable). Price ticks — the bulk of the history — are pushed as
// the source pushes them (1024 per input batch); the clock stops when the last batch is released,
// i.e. when every row is committed. Shows rows/s; asserts nothing. The server shares the
// machine's cores with the benchmark, as it would with spotstream on a small host.
#include <benchmark/benchmark.h>

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <thread>

#include "src/codec/json_encoder.hpp"
#include "src/core/risk.hpp"
#include "src/storage/history_tables.hpp"
#include "src/storage/migrations.hpp"
#include "src/storage/pg_connection.hpp"
#include "src/storage/pg_sink.hpp"
#include "src/storage/temp_postgres.hpp"
#include "topology/process_metrics.hpp"

using namespace spotstream;

namespace {

// Rows per run: 500k by default; BENCH_PG_ROWS=2000000 for a longer, more sustained measurement.
const std::size_t kTicks = std::getenv("BENCH_PG_ROWS") ? std::stoul(std::getenv("BENCH_PG_ROWS")) : 500000;
constexpr std::size_t kPerBatch = 1024;

struct Server {
  std::unique_ptr<TempPostgres> temp;
  std::string conninfo;
  Server() {
    if (const char* c = std::getenv("BENCH_PG_CONNINFO")) {
      conninfo = c;
    } else {
      temp = std::make_unique<TempPostgres>();
      conninfo = temp->conninfo();
    }
    PgConnection conn(conninfo, "bench");
    apply_migrations(conn, embedded_migrations());
  }
};

Server& server() {
  static Server s;
  return s;
}

// 210 pools ticking every 5 minutes, like the synthetic market.
std::vector<PriceTick> ticks(std::size_t n, TimestampMs start) {
  std::vector<PriceTick> v;
  v.reserve(n);
  const char* azs[] = {"us-east-1a", "us-east-1b", "us-east-1c", "eu-west-1a", "eu-west-1b", "eu-west-1c", "us-west-2a"};
  const char* types[] = {"c5.large", "c5.xlarge", "c5.2xlarge", "c5.4xlarge", "c5.12xlarge", "m5.large", "m5.xlarge",
                         "m5.2xlarge", "m5.4xlarge", "m5.16xlarge", "m5.24xlarge", "r5.large", "r5.xlarge", "r5.2xlarge",
                         "p3.2xlarge", "p3.8xlarge", "g4dn.xlarge", "g4dn.2xlarge", "i3.large", "i3.xlarge", "t3.large",
                         "t3.xlarge", "c6i.large", "c6i.xlarge", "m6i.large", "m6i.xlarge", "r6i.large", "r6i.xlarge",
                         "c7g.large", "m7g.large"};
  for (std::size_t i = 0; i < n; ++i) {
    PriceTick t;
    const auto pool = i % 210;
    t.ts = start + static_cast<TimestampMs>(i / 210) * 300000;
    t.az = azs[pool % 7];
    t.region = t.az.substr(0, t.az.size() - 1);
    t.instance_type = types[pool / 7];
    t.product = "Linux/UNIX";
    t.spot_price = 0.01 + static_cast<double>((i * 7919) % 10000) / 1e4;
    t.on_demand_price = 1.5;
    v.push_back(std::move(t));
  }
  return v;
}

void truncate_all() {
  PgConnection c(server().conninfo, "bench");
  c.exec("TRUNCATE price_ticks, risk_scores, decisions, signals, dead_letters");
  c.exec("CHECKPOINT");
}

// The demo's mix: one spot.risk record (as published, stored with its jsonb) per six ticks.
std::vector<HistoryItem> demo_mix(const std::vector<PriceTick>& input) {
  std::vector<HistoryItem> v;
  v.reserve(input.size() + input.size() / 6);
  for (std::size_t i = 0; i < input.size(); ++i) {
    v.push_back(HistoryItem{input[i], nullptr});
    if (i % 6 == 0) {
      RiskRecord r;
      const auto& t = input[i];
      r.pool = t.pool_id();
      r.region = t.region;
      r.az = t.az;
      r.instance_type = t.instance_type;
      r.product = t.product;
      r.family = t.family();
      r.ts = t.ts;
      r.features.price = t.spot_price;
      r.features.on_demand_source = kOnDemandTick;
      r.score = {0.6, 0.4, "caution", "heuristic-v1", {}, "1", "heuristic"};
      // emplace, not HistoryItem{Output{...}}: a GCC 12 false -Wmaybe-uninitialized on the variant
      v.emplace_back().row.emplace<Output>(Output{OutputTopic::Risk, r.pool, encode_risk_record(r), r.ts, nullptr});
    }
  }
  return v;
}

// Pushes `input` through a PgSink the way the runtime does; returns seconds until all is stored.
double run_sink(const std::vector<HistoryItem>& input, std::int64_t batch_rows, RuntimeMetrics& metrics) {
  Config cfg;
  cfg.set("postgres.enabled", "true");
  cfg.set("postgres.conninfo", server().conninfo);
  cfg.set("postgres.batch_rows", std::to_string(batch_rows));
  std::atomic<bool> fatal{false}, stop{false};
  PgSink sink(cfg, metrics, fatal);
  sink.start(stop);
  std::vector<std::unique_ptr<InputBatch>> batches;
  std::vector<HistoryItem> items;
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < input.size(); i += kPerBatch) {
    auto b = std::make_unique<InputBatch>();
    const auto end = std::min(input.size(), i + kPerBatch);
    b->add(static_cast<std::int64_t>(end - i));
    for (std::size_t k = i; k < end; ++k) items.push_back(HistoryItem{input[k].row, b.get()});
    sink.push(items, stop);
    b->done();  // the source's hold
    batches.push_back(std::move(b));
  }
  for (auto& b : batches)
    while (!b->complete() && !fatal.load()) std::this_thread::sleep_for(std::chrono::microseconds(200));
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  sink.stop_and_join();
  if (fatal.load()) throw std::runtime_error("sink failed");
  return secs;
}

}  // namespace

// CPU cost of building the binary COPY streams (the sink thread's own work per row).
static void BM_EncodeTicks(benchmark::State& state) {
  const auto input = ticks(100000, 1735689600000);
  HistoryEncoder enc;
  std::string err;
  for (auto _ : state) {
    enc.clear();
    for (const auto& t : input) enc.add(HistoryItem{t, nullptr}, err);
    benchmark::DoNotOptimize(enc.stream(HistoryTable::PriceTicks).finish().size());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(input.size()) * state.iterations());
}
BENCHMARK(BM_EncodeTicks)->Unit(benchmark::kMillisecond);

// CPU cost of a risk record: read back from its JSON (the codec) and written with its jsonb.
static void BM_EncodeRisk(benchmark::State& state) {
  const auto input = demo_mix(ticks(60000, 1735689600000));
  HistoryEncoder enc;
  std::string err;
  std::int64_t n = 0;
  for (auto _ : state) {
    enc.clear();
    for (const auto& item : input)
      if (std::holds_alternative<Output>(item.row)) enc.add(item, err), ++n;
    benchmark::DoNotOptimize(enc.stream(HistoryTable::RiskScores).finish().size());
  }
  state.SetItemsProcessed(n);
}
BENCHMARK(BM_EncodeRisk)->Unit(benchmark::kMillisecond);

// New rows: every tick inserted (empty tables at the start of each iteration).
std::vector<HistoryItem> as_items(const std::vector<PriceTick>& ticks) {
  std::vector<HistoryItem> v;
  for (const auto& t : ticks) v.push_back(HistoryItem{t, nullptr});
  return v;
}

// Every iteration into empty tables: all rows new.
void measure_new_rows(benchmark::State& state, const std::vector<HistoryItem>& input) {
  for (auto _ : state) {
    truncate_all();
    ProcessMetrics m;
    state.SetIterationTime(run_sink(input, state.range(0), m));
    if (m.history_rows_written.get() != input.size()) state.SkipWithError("not every row was written");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(input.size()) * state.iterations());
}

static void BM_SinkNewRows(benchmark::State& state) { measure_new_rows(state, as_items(ticks(kTicks, 1735689600000))); }
BENCHMARK(BM_SinkNewRows)->Arg(5000)->Arg(20000)->Arg(50000)->Iterations(2)->UseManualTime()->Unit(benchmark::kMillisecond);

// A replay: the same ticks again, all already stored (every row a conflict, nothing inserted).
static void BM_SinkReplayedRows(benchmark::State& state) {
  const auto input = as_items(ticks(kTicks, 1735689600000));
  truncate_all();
  ProcessMetrics first;
  run_sink(input, 20000, first);
  for (auto _ : state) {
    ProcessMetrics m;
    state.SetIterationTime(run_sink(input, state.range(0), m));
    if (m.history_rows_duplicate.get() != input.size()) state.SkipWithError("replay inserted rows");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(input.size()) * state.iterations());
}
BENCHMARK(BM_SinkReplayedRows)->Arg(20000)->Iterations(2)->UseManualTime()->Unit(benchmark::kMillisecond);

// New rows in the demo's mix of ticks and risk records (each risk record read back from its JSON
// and stored with it as json).
static void BM_SinkDemoMix(benchmark::State& state) { measure_new_rows(state, demo_mix(ticks(kTicks, 1735689600000))); }
BENCHMARK(BM_SinkDemoMix)->Arg(20000)->Iterations(2)->UseManualTime()->Unit(benchmark::kMillisecond);

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

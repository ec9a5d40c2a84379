// Scoring cost per pool for each model kind: heuristic-v1, logistic regression (Eigen) and an
// XGBoost booster through libxgboost's in-place prediction, on the features the price path computes
// for the synthetic market (so the inputs and their missing values are realistic); and the whole
// per-tick price path with each model live. The model files are the ones the tests check
// (tests/golden/models/), trained by `spotstream train` and tests/models/train_xgboost.py.
#include <benchmark/benchmark.h>

#include <vector>

#include "src/feed/synth_market.hpp"
#include "src/model/model_loader.hpp"
#include "topology/price_path.hpp"
#include "topology/process_metrics.hpp"

using namespace spotstream;

namespace {

const std::string kModels = std::string(SPOTSTREAM_SOURCE_DIR) + "/tests/golden/models/";

std::vector<PriceTick> market_ticks() {
  std::vector<PriceTick> ticks;
  SynthOptions o;
  o.days = 2;
  SynthMarket(o).generate([&](const Event& e) {
    if (const auto* t = std::get_if<PriceTick>(&e)) ticks.push_back(*t);
  });
  return ticks;
}

const std::vector<PriceTick>& ticks() {
  static const auto t = market_ticks();
  return t;
}

// The features of every tick, as the live path computes them.
const std::vector<Features>& features() {
  static const auto f = [] {
    Config cfg;
    cfg.set("risk.every_tick", "true");
    ProcessMetrics metrics;
    const PricePath path(cfg, nullptr, metrics);
    PriceState state;
    std::vector<Features> out;
    TickOutcome outcome;
    for (const auto& t : ticks())
      if (auto r = path.score(t, state, outcome)) out.push_back(std::move(r->features));
    return out;
  }();
  return f;
}

std::shared_ptr<const RiskModel> model(const std::string& which) {
  return which == "heuristic" ? builtin_model() : load_model_file(kModels + which);
}

void score_per_pool(benchmark::State& state, const std::string& which) {
  const auto m = model(which);
  const auto& rows = features();
  double sum = 0;
  for (auto _ : state)
    for (const auto& f : rows) sum += m->crash_probability(f);
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(static_cast<std::int64_t>(rows.size()) * state.iterations());
  state.counters["ns_per_pool"] = benchmark::Counter(static_cast<double>(rows.size()) * state.iterations(),
                                                     benchmark::Counter::kIsRate | benchmark::Counter::kInvert,
                                                     benchmark::Counter::kIs1000);
}

// What the price path did per tick before the model interface (issue 3's HeuristicModel::score):
// the probability and, on every tick, the label, model name and assumptions. Now those are filled
// only for published records (RiskModel::describe), so score_per_pool is the per-tick cost.
void full_score_per_pool(benchmark::State& state) {
  const auto m = builtin_model();
  const auto& rows = features();
  double sum = 0;
  for (auto _ : state)
    for (const auto& f : rows) sum += m->score(f).stability;
  benchmark::DoNotOptimize(sum);
  state.counters["ns_per_pool"] = benchmark::Counter(static_cast<double>(rows.size()) * state.iterations(),
                                                     benchmark::Counter::kIsRate | benchmark::Counter::kInvert,
                                                     benchmark::Counter::kIs1000);
}

// The shard's per-tick path (window, features, model, emission decision) with a model file live.
void price_path_with(benchmark::State& state, const std::string& which) {
  Config cfg;
  ProcessMetrics metrics;
  const PricePath path(cfg, nullptr, metrics, std::make_shared<const ScoringContext>(model(which)));
  for (auto _ : state) {
    PriceState ps;
    TickOutcome outcome;
    std::size_t emitted = 0;
    for (const auto& t : ticks()) emitted += path.score(t, ps, outcome).has_value();
    benchmark::DoNotOptimize(emitted);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(ticks().size()) * state.iterations());
}

}  // namespace

BENCHMARK_CAPTURE(score_per_pool, heuristic, std::string("heuristic"));
BENCHMARK(full_score_per_pool);
BENCHMARK_CAPTURE(score_per_pool, logistic, std::string("logistic-synth.json"));
BENCHMARK_CAPTURE(score_per_pool, xgboost, std::string("xgboost-synth/model.json"));
BENCHMARK_CAPTURE(price_path_with, heuristic, std::string("heuristic"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(price_path_with, logistic, std::string("logistic-synth.json"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(price_path_with, xgboost, std::string("xgboost-synth/model.json"))->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();

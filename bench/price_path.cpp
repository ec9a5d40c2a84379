// The whole per-tick price path of a shard on one core: pool lookup, window add()+stats(), family
// stress, features, heuristic score, and the emission decision; and, separately, the same with the
// spot.risk records JSON-encoded as the live topology does. Ticks go through as a shard's bulk does
// (the next tick's pool looked up ahead; BM_WindowAndFeaturesNoLookAhead shows what that gains).
// Ticks come from the synthetic market (210 pools, 5-minute ticks, real family structure), replayed
// over 8 days after a warm-up.
#include <benchmark/benchmark.h>

#include <vector>

#include "src/codec/event_decoder.hpp"
#include "src/codec/json_encoder.hpp"
#include "src/feed/synth_market.hpp"
#include "topology/price_path.hpp"
#include "topology/process_metrics.hpp"

using namespace spotstream;

namespace {

std::vector<PriceTick> market_ticks(const SynthOptions& o = {}) {
  std::vector<PriceTick> ticks;
  SynthMarket(o).generate([&](const Event& e) {
    if (const auto* t = std::get_if<PriceTick>(&e)) {
      ticks.push_back(*t);
      ticks.back().key_hash = t->routing_hash();  // as the source does when it routes the tick
    }
  });
  return ticks;
}

const std::vector<PriceTick>& ticks() {
  static const auto t = market_ticks();
  return t;
}

}  // namespace

// Runs `step(tick, ahead)` over the ticks as a shard does over a bulk: the next tick's pool is looked
// up (and its state fetched) before the current tick is processed.
template <class Step>
void as_a_shard(const PricePath& path, PriceState& ps, const std::vector<PriceTick>& ticks, Step step) {
  auto ahead = path.look_ahead(ticks.front(), ps);
  for (std::size_t i = 0; i < ticks.size(); ++i) {
    const auto next = i + 1 < ticks.size() ? path.look_ahead(ticks[i + 1], ps) : PricePath::PoolRef{};
    step(ticks[i], &ahead);
    ahead = next;
  }
}

// Pool lookup + window + family stress + features: the stage before the model.
double window_and_features(const PricePath& path, const std::vector<PriceTick>& ticks) {
  PriceState ps;
  TickOutcome outcome;
  double sink = 0;
  as_a_shard(path, ps, ticks, [&](const PriceTick& t, const PricePath::PoolRef* ahead) {
    if (const auto f = path.features(t, ps, outcome, ahead)) sink += f->features.family_stress_mean;
  });
  return sink;
}

static void BM_WindowAndFeatures(benchmark::State& state) {
  Config cfg;
  ProcessMetrics metrics;
  const PricePath path(cfg, nullptr, metrics);
  double sink = 0;
  for (auto _ : state) sink += window_and_features(path, ticks());
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(static_cast<std::int64_t>(ticks().size()) * state.iterations());
}
BENCHMARK(BM_WindowAndFeatures)->Unit(benchmark::kMillisecond);

// The same one tick at a time, without looking ahead.
static void BM_WindowAndFeaturesNoLookAhead(benchmark::State& state) {
  Config cfg;
  ProcessMetrics metrics;
  const PricePath path(cfg, nullptr, metrics);
  double sink = 0;
  for (auto _ : state) {
    PriceState ps;
    TickOutcome outcome;
    for (const auto& t : ticks())
      if (const auto f = path.features(t, ps, outcome)) sink += f->features.family_stress_mean;
  }
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(static_cast<std::int64_t>(ticks().size()) * state.iterations());
}
BENCHMARK(BM_WindowAndFeaturesNoLookAhead)->Unit(benchmark::kMillisecond);

// The same over 7 pools (one AZ, one family): every pool's state stays in L1/L2, so this is the
// stage's arithmetic alone, without the cache misses of a shard holding many pools.
static void BM_WindowAndFeaturesFewPools(benchmark::State& state) {
  SynthOptions o;
  o.regions = {"us-east-1"};
  o.azs_per_region = 1;
  o.families = {"c5"};
  o.days = 240;
  static const auto few = market_ticks(o);
  Config cfg;
  ProcessMetrics metrics;
  const PricePath path(cfg, nullptr, metrics);
  double sink = 0;
  for (auto _ : state) sink += window_and_features(path, few);
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(static_cast<std::int64_t>(few.size()) * state.iterations());
}
BENCHMARK(BM_WindowAndFeaturesFewPools)->Unit(benchmark::kMillisecond);

// Window + family stress + features + score + emission decision, no encoding.
static void BM_FeaturesPerTick(benchmark::State& state) {
  Config cfg;
  ProcessMetrics metrics;
  const PricePath path(cfg, nullptr, metrics);
  std::size_t emitted = 0;
  for (auto _ : state) {
    PriceState ps;
    TickOutcome outcome;
    as_a_shard(path, ps, ticks(), [&](const PriceTick& t, const PricePath::PoolRef* ahead) {
      emitted += path.score(t, ps, outcome, ahead).has_value();
    });
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(ticks().size()) * state.iterations());
  state.counters["emitted_per_tick"] = static_cast<double>(emitted) / (ticks().size() * state.iterations());
}
BENCHMARK(BM_FeaturesPerTick)->Unit(benchmark::kMillisecond);

// The shard's PricePath as wired live: the same, plus JSON for each emitted spot.risk record.
static void BM_PricePathWithEncoding(benchmark::State& state) {
  Config cfg;
  ProcessMetrics metrics;
  const PricePath path(cfg, nullptr, metrics);
  for (auto _ : state) {
    PriceState ps;
    OutputCollector out;
    as_a_shard(path, ps, ticks(), [&](const PriceTick& t, const PricePath::PoolRef* ahead) {
      path(t, EventContext{}, ps, out, ahead);
      if (out.outputs().size() > 4096) out.outputs().clear();
    });
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(ticks().size()) * state.iterations());
}
BENCHMARK(BM_PricePathWithEncoding)->Unit(benchmark::kMillisecond);

// The whole chain of one tick on one core, from the bytes a producer publishes: decode the
// canonical JSON tick, then window, family stress, features, score and the emission decision (the
// records that feed the risk table the decisions read). As live: the source decodes what a poll
// returns, and a shard takes the ticks in bulks, each tick's pool looked up ahead. Self-check: the
// records emitted and their score sum must equal those of the same ticks scored one by one
// without decoding.
static void BM_DecodeToEmission(benchmark::State& state) {
  constexpr std::size_t kBulk = 512;  // a shard's bulk of price ticks
  std::vector<std::string> bytes;
  bytes.reserve(ticks().size());
  for (const auto& t : ticks()) bytes.push_back(encode_price_tick(t));
  Config cfg;
  ProcessMetrics metrics;
  const PricePath path(cfg, nullptr, metrics);
  using Sum = std::pair<std::size_t, double>;
  const auto add = [](Sum& r, const std::optional<RiskRecord>& rec) {
    if (rec) r = {r.first + 1, r.second + rec->score.stability};
  };
  Sum reference{0, 0.0};
  {
    PriceState ps;
    TickOutcome outcome;
    for (const auto& t : ticks()) add(reference, path.score(t, ps, outcome));
  }
  EventDecoder decoder;
  std::vector<Event> events;
  std::vector<PriceTick> bulk;
  DecodeError err;
  Sum got;
  for (auto _ : state) {
    got = {0, 0.0};
    PriceState ps;
    TickOutcome outcome;
    for (std::size_t from = 0; from < bytes.size(); from += kBulk) {
      events.clear();
      bulk.clear();
      for (std::size_t i = from; i < std::min(bytes.size(), from + kBulk); ++i)
        if (!decoder.decode(InputKind::Prices, {}, bytes[i], events, err)) state.SkipWithError("a tick did not decode");
      for (auto& e : events) {
        auto& t = std::get<PriceTick>(e);
        if (t.key_hash == 0) t.key_hash = t.routing_hash();  // as the source does when it routes the tick
        bulk.push_back(std::move(t));
      }
      as_a_shard(path, ps, bulk, [&](const PriceTick& t, const PricePath::PoolRef* ahead) {
        add(got, path.score(t, ps, outcome, ahead));
      });
    }
  }
  if (got != reference) state.SkipWithError("decoded chain emitted other records than the reference");
  state.SetItemsProcessed(static_cast<std::int64_t>(ticks().size()) * state.iterations());
  state.counters["emitted"] = static_cast<double>(got.first);
  state.counters["reference_emitted"] = static_cast<double>(reference.first);
}
BENCHMARK(BM_DecodeToEmission)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();

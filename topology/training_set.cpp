#include "topology/training_set.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <tuple>
#include <unordered_map>

#include "src/codec/price_file.hpp"
#include "src/model/model_loader.hpp"
#include "src/model/spot_advisor.hpp"
#include "topology/process_metrics.hpp"
#include "topology/live_topology.hpp"
#include "topology/price_path.hpp"
#include "topology/replay.hpp"

namespace spotstream {

std::string_view to_string(Split s) {
  switch (s) {
    case Split::Train: return "train";
    case Split::Validation: return "validation";
    case Split::Test: return "test";
    case Split::Purged: return "purged";
  }
  return "?";
}

std::vector<std::size_t> TrainingSet::rows_of(Split s) const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < rows.size(); ++i)
    if (rows[i].split == s) out.push_back(i);
  return out;
}

void TrainingSet::write_csv(const std::string& path) const {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) throw std::runtime_error("cannot write " + path);
  std::fprintf(f, "ts_ms,pool,split,label");
  for (const auto& m : model_ids) std::fprintf(f, ",score:%s", m.c_str());
  for (std::size_t k = 0; k < kFeatureCount; ++k) std::fprintf(f, ",%s", std::string(feature_name(static_cast<FeatureId>(k))).c_str());
  std::fprintf(f, "\n");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    std::fprintf(f, "%lld,%s,%s,%d", static_cast<long long>(r.ts), pools[r.pool].c_str(),
                 std::string(to_string(r.split)).c_str(), r.label);
    for (std::size_t m = 0; m < model_ids.size(); ++m) std::fprintf(f, ",%.17g", score(i, m));
    for (std::size_t k = 0; k < kFeatureCount; ++k) {
      const double v = values[i * kFeatureCount + k];
      if (std::isnan(v)) std::fprintf(f, ",nan");
      else std::fprintf(f, ",%.17g", v);
    }
    std::fprintf(f, "\n");
  }
  if (std::fclose(f) != 0) throw std::runtime_error("cannot write " + path);
}

namespace {

//! What one shard scored: a row per tick its windows took, its pools by first appearance.
struct ShardRows {
  std::vector<std::string> pools;
  std::unordered_map<std::string, std::uint32_t> pool_index;
  std::vector<TrainingSet::Row> rows;
  std::vector<double> prices, values, scores;  //!< per row: 1, kFeatureCount, and one per model
};

//! The price path with every tick scored, on the replay engine's shards: rows instead of spot.risk
//! records, scored by the heuristic and the `extra` models (models are shared by shards live too).
class TrainingShard : public ShardLogic {
 public:
  TrainingShard(const Config& cfg, std::shared_ptr<const SpotAdvisor> advisor,
                const std::vector<std::shared_ptr<const RiskModel>>& extra, ShardRows& out, ProcessMetrics& metrics)
      : path_(cfg, std::move(advisor), metrics), pressure_(PressureSettings::from(cfg)), extra_(extra), out_(out) {}

  void on_event(const Event& event, const EventContext& ctx, OutputCollector& /*out*/) override {
    const auto* t = std::get_if<PriceTick>(&event);
    if (!t) {
      if (const auto* s = std::get_if<Signal>(&event)) pressure_.on_signal(*s);
      else pressure_.on_fleet(std::get<FleetEvent>(event));
      return;
    }
    const auto i = static_cast<std::size_t>(std::max(ctx.partition, 0));
    if (i >= states_.size()) states_.resize(i + 1);
    if (!states_[i]) {
      states_[i] = std::make_unique<PriceState>();
      states_[i]->pressure = &pressure_;
    }
    TickOutcome outcome;
    const auto rec = path_.score(*t, *states_[i], outcome);
    if (!rec) return;
    const auto [it, added] = out_.pool_index.emplace(rec->pool, static_cast<std::uint32_t>(out_.pools.size()));
    if (added) out_.pools.push_back(rec->pool);
    out_.rows.push_back({rec->ts, it->second, Split::Train, 0});
    out_.prices.push_back(rec->features.price);
    for (std::size_t k = 0; k < kFeatureCount; ++k) out_.values.push_back(feature_value(rec->features, static_cast<FeatureId>(k)));
    out_.scores.push_back(rec->score.crash_probability);
    for (const auto& m : extra_) out_.scores.push_back(m->crash_probability(rec->features));
  }

 private:
  PricePath path_;
  PoolPressure pressure_;
  const std::vector<std::shared_ptr<const RiskModel>>& extra_;
  ShardRows& out_;
  std::vector<std::unique_ptr<PriceState>> states_;  //!< by input partition, as a price shard keeps them
};

//! Every shard's rows in time order, ties by pool (az, type, product), with pools indexed by first
//! appearance in that order: the rows do not depend on the shard count.
void merge(std::vector<ShardRows>& shards, std::size_t models, TrainingSet& set, std::vector<double>& prices) {
  std::vector<std::vector<PoolId>> ids(shards.size());
  std::vector<std::pair<std::uint32_t, std::uint32_t>> order;  // (shard, row)
  for (std::uint32_t s = 0; s < shards.size(); ++s) {
    for (const auto& p : shards[s].pools) ids[s].push_back(PoolId::parse(p).value_or(PoolId{p, "", ""}));
    for (std::uint32_t r = 0; r < shards[s].rows.size(); ++r) order.emplace_back(s, r);
  }
  std::stable_sort(order.begin(), order.end(), [&](const auto& x, const auto& y) {
    const auto& a = shards[x.first].rows[x.second];
    const auto& b = shards[y.first].rows[y.second];
    if (a.ts != b.ts) return a.ts < b.ts;
    return ids[x.first][a.pool] < ids[y.first][b.pool];
  });
  std::map<std::string, std::uint32_t> pool_index;
  for (const auto& [s, r] : order) {
    const auto& from = shards[s];
    const auto& name = from.pools[from.rows[r].pool];
    const auto [it, added] = pool_index.emplace(name, static_cast<std::uint32_t>(set.pools.size()));
    if (added) set.pools.push_back(name);
    set.rows.push_back({from.rows[r].ts, it->second, Split::Train, 0});
    prices.push_back(from.prices[r]);
    set.values.insert(set.values.end(), from.values.begin() + static_cast<std::ptrdiff_t>(r * kFeatureCount),
                      from.values.begin() + static_cast<std::ptrdiff_t>((r + 1) * kFeatureCount));
    set.scores.insert(set.scores.end(), from.scores.begin() + static_cast<std::ptrdiff_t>(r * models),
                      from.scores.begin() + static_cast<std::ptrdiff_t>((r + 1) * models));
  }
}

}  // namespace

TrainingSet build_training_set(std::vector<PriceTick> ticks, const Config& cfg,
                               std::shared_ptr<const SpotAdvisor> advisor, const LabelRule& label,
                               const SplitRule& split, const std::vector<std::shared_ptr<const RiskModel>>& extra,
                               std::vector<Event> signals_and_fleet) {
  if (ticks.empty()) throw std::invalid_argument("no price ticks to train on");
  Config every_tick = cfg;
  every_tick.set("risk.every_tick", "true");
  TrainingSet set;
  set.model_ids.push_back(builtin_model()->info().id());  // the built-in heuristic scores first
  for (const auto& m : extra) set.model_ids.push_back(m->info().id());

  // The ticks through the replay engine (the live path's shards and partitions), each shard
  // collecting its rows.
  // Time order, ties by pool: the rows (and the family stress at equal times) do not depend on the
  // order the source delivered the ticks in (files, the synthetic market or a topic's partitions).
  sort_ticks(ticks);
  const auto shards = static_cast<std::size_t>(every_tick.get_int("runtime.shards"));
  std::vector<ShardRows> rows(shards);
  ShardPlan plan;
  plan.route = route_by_key;
  plan.logic = [&](int shard, RuntimeMetrics& m) -> std::unique_ptr<ShardLogic> {
    return std::make_unique<TrainingShard>(every_tick, advisor, extra, rows[static_cast<std::size_t>(shard)],
                                           ProcessMetrics::of(m));
  };
  ProcessMetrics metrics;
  const std::atomic<bool> stop{false};
  const auto result = replay(every_tick, ReplayEvents(ticks, std::move(signals_and_fleet)), metrics, stop,
                             [](std::vector<Output>&) {}, std::move(plan));
  if (result.status != 0) throw std::runtime_error("the training replay stopped with status " + std::to_string(result.status));
  std::vector<double> prices;  // the pool's price at each row, for the labels
  merge(rows, set.model_ids.size(), set, prices);
  if (set.rows.empty()) throw std::invalid_argument("no price tick was taken by the windows");
  set.start = set.rows.front().ts;
  set.end = set.rows.back().ts;
  for (const auto& r : set.rows) set.end = std::max(set.end, r.ts);

  // Labels: per pool, rows are in time order; look ahead over the horizon.
  std::vector<std::vector<std::size_t>> by_pool(set.pools.size());
  for (std::size_t i = 0; i < set.rows.size(); ++i) by_pool[set.rows[i].pool].push_back(i);
  std::vector<bool> labelled(set.rows.size(), false);
  for (const auto& idx : by_pool)
    for (std::size_t a = 0; a < idx.size(); ++a) {
      const auto& r = set.rows[idx[a]];
      if (r.ts + label.horizon_ms > set.end) continue;
      labelled[idx[a]] = true;
      if (label.notice) {
        const auto it = label.notices.find(set.pools[r.pool]);
        if (it == label.notices.end()) continue;
        const auto next = std::upper_bound(it->second.begin(), it->second.end(), r.ts);  // sorted
        set.rows[idx[a]].label = next != it->second.end() && *next <= r.ts + label.horizon_ms;
        continue;
      }
      const double bar = prices[idx[a]] * (1.0 + label.rise);
      for (std::size_t b = a + 1; b < idx.size() && set.rows[idx[b]].ts <= r.ts + label.horizon_ms; ++b)
        if (prices[idx[b]] >= bar * (1 - 1e-12)) {
          set.rows[idx[a]].label = 1;
          break;
        }
    }

  set.test_from = split.test_from > 0
                      ? split.test_from
                      : set.start + static_cast<TimestampMs>((1.0 - split.test_fraction) * static_cast<double>(set.end - set.start));
  set.validation_from =
      set.start + static_cast<TimestampMs>((1.0 - split.validation_fraction) * static_cast<double>(set.test_from - set.start));
  // Keep only labelled rows, in time order, each in its slice (or purged at a slice's end).
  TrainingSet out;
  out.pools = set.pools;
  out.model_ids = set.model_ids;
  out.start = set.start;
  out.end = set.end;
  out.test_from = set.test_from;
  out.validation_from = set.validation_from;
  const std::size_t nm = set.model_ids.size();
  for (std::size_t i = 0; i < set.rows.size(); ++i) {
    if (!labelled[i]) {
      ++out.unlabelled;
      continue;
    }
    auto r = set.rows[i];
    if (r.ts >= set.test_from) r.split = Split::Test;
    else if (r.ts >= set.validation_from) r.split = r.ts + label.horizon_ms >= set.test_from ? Split::Purged : Split::Validation;
    else r.split = r.ts + label.horizon_ms >= set.validation_from ? Split::Purged : Split::Train;
    out.rows.push_back(r);
    out.values.insert(out.values.end(), set.values.begin() + static_cast<std::ptrdiff_t>(i * kFeatureCount),
                      set.values.begin() + static_cast<std::ptrdiff_t>((i + 1) * kFeatureCount));
    out.scores.insert(out.scores.end(), set.scores.begin() + static_cast<std::ptrdiff_t>(i * nm),
                      set.scores.begin() + static_cast<std::ptrdiff_t>((i + 1) * nm));
  }
  return out;
}

}  // namespace spotstream

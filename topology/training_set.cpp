#include "topology/training_set.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <tuple>

#include "src/model/model_loader.hpp"
#include "src/model/spot_advisor.hpp"
#include "topology/process_metrics.hpp"
#include "topology/price_path.hpp"

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

TrainingSet build_training_set(std::vector<PriceTick> ticks, const Config& cfg,
                               std::shared_ptr<const SpotAdvisor> advisor, const LabelRule& label,
                               const SplitRule& split, const std::vector<std::shared_ptr<const RiskModel>>& extra) {
  if (ticks.empty()) throw std::invalid_argument("no price ticks to train on");
  // Time order, ties by pool: the rows (and the family stress at equal times) do not depend on the
  // order the source delivered the ticks in (files, the synthetic market or a topic's partitions).
  std::stable_sort(ticks.begin(), ticks.end(), [](const PriceTick& a, const PriceTick& b) {
    return std::tie(a.ts, a.az, a.instance_type, a.product) < std::tie(b.ts, b.az, b.instance_type, b.product);
  });
  Config every_tick = cfg;
  every_tick.set("risk.every_tick", "true");
  ProcessMetrics metrics;
  const PricePath path(every_tick, std::move(advisor), metrics);  // the built-in heuristic scores first
  PriceState state;

  TrainingSet set;
  set.model_ids.push_back(builtin_model()->info().id());
  for (const auto& m : extra) set.model_ids.push_back(m->info().id());
  std::map<std::string, std::uint32_t> pool_index;
  std::vector<double> prices;  // the pool's price at each row, for the labels
  for (const auto& t : ticks) {
    TickOutcome outcome;
    const auto rec = path.score(t, state, outcome);
    if (!rec) continue;
    const auto [it, added] = pool_index.emplace(rec->pool, static_cast<std::uint32_t>(set.pools.size()));
    if (added) set.pools.push_back(rec->pool);
    set.rows.push_back({rec->ts, it->second, Split::Train, 0});
    prices.push_back(rec->features.price);
    for (std::size_t k = 0; k < kFeatureCount; ++k) set.values.push_back(feature_value(rec->features, static_cast<FeatureId>(k)));
    set.scores.push_back(rec->score.crash_probability);
    for (const auto& m : extra) set.scores.push_back(m->crash_probability(rec->features));
  }
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

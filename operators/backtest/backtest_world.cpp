#include "operators/backtest/backtest_world.hpp"

#include <algorithm>

namespace spotstream {

BacktestWorld::BacktestWorld(DecisionSettings s, std::shared_ptr<const ScoringContext> scoring)
    : settings(s), scores_(s.instant_ms), feeder_(scores_.add_feeder()), engine_(s, std::move(scoring), scores_) {}

void BacktestWorld::score(const RiskRecord& r) {
  feeder_.update(r);
  const auto [it, fresh] = scored_index_.emplace(r.pool, static_cast<std::uint32_t>(scored_pools_.size()));
  if (fresh) scored_pools_.push_back(r.pool);
  scored_.push_back(Scored{it->second, r.ts, r.score.crash_probability});
}

NodeNeeds BacktestWorld::needs(std::size_t node) const { return engine_.filter().needs_of(nodes[node].join); }

std::string BacktestWorld::replacement(std::size_t node, TimestampMs t, std::string_view pool) const {
  return engine_.replacement(needs(node), t, pool);
}

std::vector<PoolRisk> BacktestWorld::compatible(std::size_t node, TimestampMs t) const {
  const auto n = needs(node);
  const auto f = engine_.filter()(n, scores_.region_as_of(n.region, t));
  std::vector<PoolRisk> out;
  if (f.own) out.push_back(f.own->risk);
  for (const auto& c : f.others) out.push_back(c.risk);
  std::sort(out.begin(), out.end(), [](const PoolRisk& a, const PoolRisk& b) { return a.pool < b.pool; });
  return out;
}

}  // namespace spotstream

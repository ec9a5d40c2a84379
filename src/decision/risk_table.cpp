#include "src/decision/risk_table.hpp"

#include <algorithm>
#include <mutex>

namespace spotstream {

PoolRisk PoolRisk::from_record(const RiskRecord& r) {
  PoolRisk p;
  p.pool = r.pool;
  p.region = r.region;
  p.az = r.az;
  p.instance_type = r.instance_type;
  p.product = r.product;
  p.family = r.family;
  p.ts = r.ts;
  p.crash_probability = r.score.crash_probability;
  // Name and version, as a decision reports it: "heuristic-v1@1", "logistic-...@3".
  p.model = r.score.model_version.empty() ? r.score.model : r.score.model + "@" + r.score.model_version;
  p.band = r.features.advisor_band;
  p.spot_price = r.features.price;
  p.on_demand_price = r.features.on_demand_price;
  return p;
}

RiskTable::RiskTable(TimestampMs instant_ms) : instant_ms_(std::max<TimestampMs>(1, instant_ms)) {}

RiskTable::Feeder RiskTable::add_feeder() {
  std::unique_lock lock(mu_);
  progress_.push_back(std::make_unique<std::atomic<TimestampMs>>(std::numeric_limits<TimestampMs>::min()));
  return Feeder(this, progress_.back().get());
}

void RiskTable::Feeder::advance(TimestampMs ts) const {
  auto& p = *progress_;
  TimestampMs cur = p.load(std::memory_order_relaxed);
  while (ts > cur && !p.compare_exchange_weak(cur, ts, std::memory_order_release)) {}
}

void RiskTable::update(PoolRisk r) {
  // The instant at or after the score: a decision at instant T sees every score stamped <= T.
  const TimestampMs instant = r.ts >= 0 ? (r.ts + instant_ms_ - 1) / instant_ms_ * instant_ms_ : r.ts / instant_ms_ * instant_ms_;
  std::unique_lock lock(mu_);
  changed_.insert(instant);
  auto [it, inserted] = pools_.try_emplace(r.pool);
  if (inserted) by_region_[r.region].insert(r.pool);
  auto& h = it->second.history;
  if (h.empty() || h.back().ts < r.ts) {  // the usual case: a pool's scores arrive in time order
    h.push_back(std::move(r));
    return;
  }
  // Keep ascending ts; an equal ts replaces (a re-delivered or re-scored record).
  auto pos = std::upper_bound(h.begin(), h.end(), r.ts, [](TimestampMs t, const PoolRisk& e) { return t < e.ts; });
  if (pos != h.begin() && std::prev(pos)->ts == r.ts) *std::prev(pos) = std::move(r);
  else h.insert(pos, std::move(r));
}

std::optional<PoolRisk> RiskTable::latest(std::string_view pool) const {
  std::shared_lock lock(mu_);
  const auto it = pools_.find(std::string(pool));
  if (it == pools_.end() || it->second.history.empty()) return std::nullopt;
  return it->second.history.back();
}

std::vector<PoolRisk> RiskTable::region_as_of(std::string_view region, TimestampMs t) const {
  std::vector<PoolRisk> out;
  std::shared_lock lock(mu_);
  const auto r = by_region_.find(std::string(region));
  if (r == by_region_.end()) return out;
  out.reserve(r->second.size());
  for (const auto& id : r->second) {
    const auto& h = pools_.at(id).history;
    for (auto e = h.rbegin(); e != h.rend(); ++e)
      if (e->ts <= t) {
        out.push_back(*e);
        break;
      }
  }
  return out;
}

TimestampMs RiskTable::complete_through() const {
  std::shared_lock lock(mu_);
  TimestampMs m = std::numeric_limits<TimestampMs>::max();
  for (const auto& p : progress_) m = std::min(m, p->load(std::memory_order_acquire));
  return progress_.empty() ? std::numeric_limits<TimestampMs>::min() : m;
}

std::vector<TimestampMs> RiskTable::take_changed_instants(TimestampMs through) {
  std::vector<TimestampMs> out;
  std::unique_lock lock(mu_);
  auto end = changed_.upper_bound(through);
  out.assign(changed_.begin(), end);
  changed_.erase(changed_.begin(), end);
  return out;
}

void RiskTable::release_before(TimestampMs t) {
  std::unique_lock lock(mu_);
  for (auto& [id, pool] : pools_) {
    auto& h = pool.history;
    std::size_t keep = 0;  // index of the latest entry at or before t
    while (keep + 1 < h.size() && h[keep + 1].ts <= t) ++keep;
    if (keep > 0) h.erase(h.begin(), h.begin() + static_cast<long>(keep));
  }
}

std::size_t RiskTable::pools() const {
  std::shared_lock lock(mu_);
  return pools_.size();
}

}  // namespace spotstream

#include "operators/decision/risk_table.hpp"

#include <algorithm>
#include <mutex>

namespace spotstream {

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

RiskTable::Pool& RiskTable::pool_for(const std::string& id, TimestampMs ts, const PoolRisk* identity,
                                     const RiskRecord* record) {
  // The instant at or after the score: a decision at instant T sees every score stamped <= T.
  const TimestampMs instant = ts >= 0 ? (ts + instant_ms_ - 1) / instant_ms_ * instant_ms_ : ts / instant_ms_ * instant_ms_;
  if (instant != last_changed_) {  // consecutive updates mostly share their instant
    changed_.insert(instant);
    last_changed_ = instant;
  }
  auto [it, inserted] = pools_.try_emplace(id);
  if (inserted) {
    auto& p = it->second.identity;
    if (identity) {
      p = *identity;
    } else {
      p.pool = record->pool;
      p.region = record->region;
      p.az = record->az;
      p.instance_type = record->instance_type;
      p.product = record->product;
      p.family = record->family;
    }
    auto& in_region = by_region_[p.region];
    in_region.insert(std::lower_bound(in_region.begin(), in_region.end(), id,
                                      [](const auto* entry, const std::string& key) { return entry->first < key; }),
                     &*it);
    sweep_order_.push_back(&it->second);
  }
  return it->second;
}

std::uint32_t RiskTable::model_index(std::string_view name, std::string_view version) {
  if (!models_.empty() && name == last_model_name_ && version == last_model_version_) return last_model_;
  // Name and version, as a decision reports it: "heuristic-v1@1", "logistic-...@3".
  std::string full(name);
  if (!version.empty()) full.append("@").append(version);
  const auto found = std::find(models_.begin(), models_.end(), full);
  last_model_ = static_cast<std::uint32_t>(found - models_.begin());
  if (found == models_.end()) models_.push_back(std::move(full));
  last_model_name_.assign(name);
  last_model_version_.assign(version);
  return last_model_;
}

void RiskTable::insert(Pool& p, const Entry& e) {
  auto& h = p.history;
  if (h.empty() || h.back().ts < e.ts) {  // the usual case: a pool's scores arrive in time order
    h.push_back(e);
  } else {
    // Keep ascending ts; an equal ts replaces (a re-delivered or re-scored record).
    auto pos = std::upper_bound(h.begin(), h.end(), e.ts, [](TimestampMs t, const Entry& x) { return t < x.ts; });
    if (pos != h.begin() && std::prev(pos)->ts == e.ts) *std::prev(pos) = e;
    else h.insert(pos, e);
  }
  trim(p);
}

void RiskTable::trim(Pool& p) const {
  auto& h = p.history;
  std::size_t keep = 0;  // index of the latest entry at or before released_before_
  while (keep + 1 < h.size() && h[keep + 1].ts <= released_before_) ++keep;
  if (keep > 0) h.erase(h.begin(), h.begin() + static_cast<long>(keep));
}

void RiskTable::update(const RiskRecord& r) {
  std::unique_lock lock(mu_);
  auto& p = pool_for(r.pool, r.ts, nullptr, &r);
  // The record's score. `warming` is not taken from records: it never was (decisions unchanged).
  insert(p, Entry{r.ts, r.score.crash_probability, r.features.price, r.features.on_demand_price,
                  model_index(r.score.model, r.score.model_version), r.features.advisor_band, false, r.stale});
}

void RiskTable::update(const PoolRisk& r) {
  std::unique_lock lock(mu_);
  auto& p = pool_for(r.pool, r.ts, &r, nullptr);
  insert(p, Entry{r.ts, r.crash_probability, r.spot_price, r.on_demand_price, model_index(r.model, {}), r.band, r.warming,
                  r.stale});
}

PoolRisk RiskTable::read(const Pool& p, const Entry& e) const {
  PoolRisk r = p.identity;
  read_score(e, r);
  return r;
}

void RiskTable::read_score(const Entry& e, PoolRisk& r) const {
  r.ts = e.ts;
  r.crash_probability = e.crash_probability;
  r.model = models_[e.model];
  r.band = e.band;
  r.spot_price = e.spot_price;
  r.on_demand_price = e.on_demand_price;
  r.warming = e.warming;
  r.stale = e.stale;
}

const RiskTable::Entry* RiskTable::as_of(const Pool& p, TimestampMs t) {
  // Mostly the newest (live, and every evaluation); a table read far behind its newest scores
  // searches, not scans.
  if (p.history.empty()) return nullptr;
  if (p.history.back().ts <= t) return &p.history.back();
  const auto after = std::upper_bound(p.history.begin(), p.history.end(), t,
                                      [](TimestampMs x, const Entry& e) { return x < e.ts; });
  return after == p.history.begin() ? nullptr : &*std::prev(after);
}

std::optional<PoolRisk> RiskTable::latest(std::string_view pool) const {
  std::shared_lock lock(mu_);
  const auto it = pools_.find(std::string(pool));
  if (it == pools_.end() || it->second.history.empty()) return std::nullopt;
  return read(it->second, it->second.history.back());
}

std::vector<PoolRisk> RiskTable::region_as_of(std::string_view region, TimestampMs t) const {
  std::vector<PoolRisk> out;
  region_as_of(region, t, out);
  return out;
}

bool RiskTable::region_as_of(std::string_view region, TimestampMs t, std::vector<PoolRisk>& out) const {
  std::shared_lock lock(mu_);
  const auto r = by_region_.find(region);
  std::size_t n = 0;
  bool moved = false;
  if (r != by_region_.end()) {
    if (out.capacity() < r->second.size()) {
      out.reserve(r->second.size());
      moved = true;
    }
    for (const auto* entry : r->second) {
      const Pool& p = entry->second;
      const Entry* e = as_of(p, t);
      if (!e) continue;
      if (n == out.size()) {
        out.push_back(read(p, *e));
        moved = true;
      } else if (out[n].pool != p.identity.pool) {
        out[n] = read(p, *e);
        moved = true;
      } else {
        read_score(*e, out[n]);
      }
      ++n;
    }
  }
  if (n != out.size()) {
    out.resize(n);
    moved = true;
  }
  return moved;
}

TimestampMs RiskTable::complete_through() const {
  std::shared_lock lock(mu_);
  TimestampMs m = std::numeric_limits<TimestampMs>::max();
  for (const auto& p : progress_) m = std::min(m, p->load(std::memory_order_acquire));
  return progress_.empty() ? std::numeric_limits<TimestampMs>::min() : m;
}

std::size_t RiskTable::feeders() const {
  std::shared_lock lock(mu_);
  return progress_.size();
}

TimestampMs RiskTable::released_before() const {
  std::shared_lock lock(mu_);
  return released_before_;
}

std::vector<TimestampMs> RiskTable::take_changed_instants(TimestampMs through) {
  std::vector<TimestampMs> out;
  std::unique_lock lock(mu_);
  auto end = changed_.upper_bound(through);
  out.assign(changed_.begin(), end);
  changed_.erase(changed_.begin(), end);
  if (last_changed_ <= through) last_changed_ = std::numeric_limits<TimestampMs>::min();  // taken: insert it again
  return out;
}

void RiskTable::release_before(TimestampMs t) {
  std::unique_lock lock(mu_);
  if (t <= released_before_) return;
  released_before_ = t;
  // Updated pools trim themselves; sweep a few others so that idle ones are trimmed in time.
  for (std::size_t i = 0; i < kSweepPerRelease && !sweep_order_.empty(); ++i) {
    if (sweep_next_ >= sweep_order_.size()) sweep_next_ = 0;
    trim(*sweep_order_[sweep_next_++]);
  }
}

std::size_t RiskTable::pools() const {
  std::shared_lock lock(mu_);
  return pools_.size();
}

std::size_t RiskTable::history_entries() const {
  std::shared_lock lock(mu_);
  std::size_t n = 0;
  for (const auto& [id, p] : pools_) n += p.history.size();
  return n;
}

}  // namespace spotstream

#include "operators/price/pool_pressure.hpp"

#include <algorithm>
#include <string_view>

#include "src/core/hash.hpp"

namespace spotstream {

PressureSettings PressureSettings::from(const Config& cfg) {
  PressureSettings s;
  s.windows_ms[0] = cfg.get_int("risk.pressure_short_ms");
  s.windows_ms[1] = cfg.get_int("risk.pressure_medium_ms");
  s.windows_ms[2] = cfg.get_int("risk.pressure_long_ms");
  if (s.windows_ms[0] > s.windows_ms[1] || s.windows_ms[1] > s.windows_ms[2])
    throw ConfigError("risk.pressure_short_ms <= risk.pressure_medium_ms <= risk.pressure_long_ms must hold");
  s.park_max = static_cast<std::size_t>(cfg.get_int("signals.park_max"));
  return s;
}

void PoolPressure::on_fleet(const FleetEvent& e) {
  auto [it, added] = instances_.try_emplace(e.instance_id);
  auto& history = it->second.history;
  if (history.empty()) parked_ -= it->second.signals.size();  // placed from now on
  const bool join = e.action == FleetAction::Join;
  Stint stint{e.ts, join, join ? Placement{e.az, e.instance_type.substr(0, e.instance_type.find('.')), e.instance_type, e.product}
                                : Placement{}};
  const auto at = std::upper_bound(history.begin(), history.end(), e.ts, [](TimestampMs t, const Stint& x) { return t < x.from; });
  history.insert(at, std::move(stint));
  replace(it->first, it->second);
}

void PoolPressure::on_signal(const Signal& s) {
  auto [it, added] = instances_.try_emplace(s.instance_id);
  if (it->second.history.empty()) {
    if (parked_ >= s_.park_max) return;  // the decision shard counts and reports parked signals
    ++parked_;
  }
  it->second.signals.push_back(s);
  replace(it->first, it->second);
}

void PoolPressure::replace(const std::string& id, Instance& inst) {
  for (const auto family : inst.families) {
    const auto list = by_family_.find(family);
    if (list == by_family_.end()) continue;
    std::erase_if(list->second, [&](const Seen& x) { return x.instance == &id; });
    if (list->second.empty()) by_family_.erase(list);
  }
  inst.families.clear();
  const auto& history = inst.history;
  for (const auto& s : inst.signals) {
    // The stint in force at the signal's time; before the first, the first (a join read later).
    auto next = std::upper_bound(history.begin(), history.end(), s.ts, [](TimestampMs t, const Stint& x) { return t < x.from; });
    const Stint* stint = next != history.begin() ? &*std::prev(next) : (next != history.end() ? &*next : nullptr);
    if (stint == nullptr || !stint->joined) continue;
    const std::uint64_t family = family_key_hash(stint->where.az, stint->where.family);
    auto& list = by_family_[family];
    // Signals partitions interleave: keep each list in event-time order.
    const auto pos = std::upper_bound(list.begin(), list.end(), s.ts, [](TimestampMs t, const Seen& x) { return t < x.ts; });
    list.insert(pos, Seen{s.ts, std::max(s.ts, stint->from), s.kind, &id, &stint->where});
    if (std::find(inst.families.begin(), inst.families.end(), family) == inst.families.end()) inst.families.push_back(family);
  }
}

void PoolPressure::fill(const PriceTick& tick, TimestampMs at, InterruptionPressure& out) const {
  out = {};
  const auto it = by_family_.find(tick.key_hash != 0 ? tick.key_hash : tick.routing_hash());
  if (it == by_family_.end()) return;
  const auto& seen = it->second;
  const std::string_view family = tick.family_view();
  // Newest first: an instance counts in window w when its newest signal of a kind is within w
  // (the windows nest), so each (scope, kind) keeps the instances already counted.
  std::vector<const std::string*> counted[4];  // family notices, family rebalances, pool notices, pool rebalances
  const auto end = std::lower_bound(seen.begin(), seen.end(), at, [](const Seen& x, TimestampMs t) { return x.ts < t; });
  for (auto s = end; s != seen.begin();) {
    --s;
    const TimestampMs age = at - s->ts;
    if (age >= s_.windows_ms[kPressureWindows - 1]) break;
    if (s->where->az != tick.az || s->where->family != family) continue;  // another family with the same hash
    if (s->placed_from >= at) continue;  // its instance's join came at or after the tick
    const bool notice = s->kind == SignalKind::Interruption;
    const bool in_pool = s->where->instance_type == tick.instance_type && s->where->product == tick.product;
    const auto count = [&](std::vector<const std::string*>& done, std::uint32_t* by_window) {
      if (std::find(done.begin(), done.end(), s->instance) != done.end()) return;
      done.push_back(s->instance);
      for (std::size_t w = 0; w < kPressureWindows; ++w)
        if (age < s_.windows_ms[w]) ++by_window[w];
    };
    count(counted[notice ? 0 : 1], notice ? out.family_notices : out.family_rebalances);
    if (in_pool) count(counted[notice ? 2 : 3], notice ? out.pool_notices : out.pool_rebalances);
  }
}

void PoolPressure::forget_before(TimestampMs t) {
  for (auto it = instances_.begin(); it != instances_.end();) {
    Instance& inst = it->second;
    const auto before = inst.signals.size();
    std::erase_if(inst.signals, [&](const Signal& s) { return s.ts < t; });
    auto& h = inst.history;
    // The stint in force at t stays (a later signal may fall in it); older ones go.
    const auto in_force = std::upper_bound(h.begin(), h.end(), t, [](TimestampMs x, const Stint& s) { return x < s.from; });
    const bool trimmed = in_force != h.begin() && std::prev(in_force) != h.begin();
    if (trimmed) h.erase(h.begin(), std::prev(in_force));
    const bool gone = inst.signals.empty() && (h.empty() || (h.size() == 1 && !h.front().joined && h.front().from < t));
    if (inst.signals.size() != before || trimmed || gone) replace(it->first, inst);  // Seen point into the history
    if (h.empty()) parked_ -= before - inst.signals.size();
    it = gone ? instances_.erase(it) : std::next(it);
  }
}

}  // namespace spotstream

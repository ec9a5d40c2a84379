#pragma once
// Interruption pressure from its definition, by brute force (a reference for
// operators/price/pool_pressure and the price path that carries it): every signal in the pool of
// its instance's stint in force at the signal's time (its latest join at or before it, unless a
// leave came between), or placed by the instance's first join when it came before any, counting
// from that join; per pool and per family in the AZ, distinct instances per window, stamped
// strictly before the time asked about.
#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "src/core/event.hpp"
#include "src/core/risk.hpp"

namespace spotstream::test {

//! pool notices, pool rebalances, family notices, family rebalances; each short, medium, long.
using PressureCounts = std::array<std::uint32_t, 12>;

inline PressureCounts counts_of(const InterruptionPressure& x) {
  PressureCounts c{};
  for (std::size_t w = 0; w < 3; ++w) {
    c[w] = x.pool_notices[w];
    c[3 + w] = x.pool_rebalances[w];
    c[6 + w] = x.family_notices[w];
    c[9 + w] = x.family_rebalances[w];
  }
  return c;
}

class PressureReference {
 public:
  PressureReference(const std::vector<Event>& events, std::array<TimestampMs, 3> windows) : windows_(windows) {
    for (const auto& e : events) {
      if (const auto* f = std::get_if<FleetEvent>(&e)) history_[f->instance_id].push_back(*f);
      else if (const auto* s = std::get_if<Signal>(&e)) signals_.push_back(*s);
    }
    for (auto& [id, h] : history_)
      std::stable_sort(h.begin(), h.end(), [](const FleetEvent& a, const FleetEvent& b) { return a.ts < b.ts; });
  }

  PressureCounts at(const std::string& az, const std::string& type, const std::string& product, TimestampMs at) const {
    const auto family = [](const std::string& t) { return t.substr(0, t.find('.')); };
    std::set<std::string> seen[12];
    for (const auto& s : signals_) {
      const auto h = history_.find(s.instance_id);
      if (h == history_.end()) continue;
      const auto& events = h->second;
      const auto next = std::upper_bound(events.begin(), events.end(), s.ts,
                                         [](TimestampMs t, const FleetEvent& f) { return t < f.ts; });
      const auto stint = next != events.begin() ? std::prev(next) : next;
      if (stint == events.end() || stint->action != FleetAction::Join) continue;
      if (s.ts >= at || std::max(s.ts, stint->ts) >= at) continue;
      if (stint->az != az || family(stint->instance_type) != family(type)) continue;
      const bool in_pool = stint->instance_type == type && stint->product == product;
      const bool notice = s.kind == SignalKind::Interruption;
      for (std::size_t w = 0; w < 3; ++w) {
        if (at - s.ts >= windows_[w]) continue;
        if (in_pool) seen[(notice ? 0 : 3) + w].insert(s.instance_id);
        seen[(notice ? 6 : 9) + w].insert(s.instance_id);
      }
    }
    PressureCounts c{};
    for (std::size_t k = 0; k < 12; ++k) c[k] = static_cast<std::uint32_t>(seen[k].size());
    return c;
  }

 private:
  std::array<TimestampMs, 3> windows_;
  std::map<std::string, std::vector<FleetEvent>> history_;
  std::vector<Signal> signals_;
};

}  // namespace spotstream::test

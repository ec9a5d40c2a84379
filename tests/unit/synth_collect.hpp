#pragma once
// The synthetic market's events collected for its tests: per pool its prices by time step, with
// the tests' own spike definition, plus every signal and fleet event.
#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

#include "src/feed/synth_market.hpp"
#include "src/core/time.hpp"

namespace spotstream::test {

// One run, collected: per pool its prices by time step, plus all signals and fleet events.
struct Collected {
  std::vector<SynthPool> pools;
  std::int64_t steps = 0, tick_ms = 0;
  TimestampMs start = 0, end = 0;
  std::vector<std::vector<double>> prices;
  std::vector<std::vector<bool>> high;  // price >= 1.25 x median of the previous 24 h
  std::vector<Signal> signals;
  std::vector<FleetEvent> fleet;
};

// The test's own spike definition: price at least 25% above the median of the previous 24 h
// (recomputed hourly; during the first hour, over the ticks seen so far).
inline std::vector<bool> high_flags(const std::vector<double>& p, std::int64_t per_hour) {
  std::vector<bool> out(p.size(), false);
  double ref = 0;
  for (std::size_t k = 1; k < p.size(); ++k) {
    if (k <= static_cast<std::size_t>(per_hour) || k % per_hour == 0) {
      const std::size_t from = k > 24 * static_cast<std::size_t>(per_hour) ? k - 24 * per_hour : 0;
      std::vector<double> w(p.begin() + from, p.begin() + k);
      std::nth_element(w.begin(), w.begin() + w.size() / 2, w.end());
      ref = w[w.size() / 2];
    }
    out[k] = p[k] >= 1.25 * ref;
  }
  return out;
}

inline Collected collect(const SynthOptions& o) {
  const SynthMarket m(o);
  Collected r{m.pools(), m.steps(), m.tick_ms(), o.start, m.end(), {}, {}, {}, {}};
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < r.pools.size(); ++i) index[r.pools[i].pool_id()] = i;
  r.prices.resize(r.pools.size());
  m.generate([&](const Event& e) {
    if (const auto* t = std::get_if<PriceTick>(&e)) r.prices.at(index.at(t->pool_id())).push_back(t->spot_price);
    else if (const auto* s = std::get_if<Signal>(&e)) r.signals.push_back(*s);
    else r.fleet.push_back(std::get<FleetEvent>(e));
  });
  for (const auto& p : r.prices) r.high.push_back(high_flags(p, kHourMs / r.tick_ms));
  return r;
}

}  // namespace spotstream::test

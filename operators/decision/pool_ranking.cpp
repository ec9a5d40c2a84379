#include "operators/decision/pool_ranking.hpp"

#include <algorithm>
#include <cmath>

namespace spotstream {

Ranking PoolRanking::operator()(FilterResult f) const {
  Ranking r;
  double max_tco = std::isnan(f.own_on_demand_tco) ? 0 : f.own_on_demand_tco;
  if (f.own) max_tco = std::max(max_tco, f.own->tco);
  for (const auto& c : f.others) max_tco = std::max(max_tco, c.tco);
  auto yield = [&](Candidate& c) {
    c.yield = max_tco > 0 ? 100.0 * (1.0 - c.tco / max_tco) * (1.0 - c.risk->crash_probability) : 0.0;
    if (!c.same_az) c.yield -= s_.other_az_penalty;
  };
  if (f.own) {
    r.own = f.own;
    yield(*r.own);
  }
  for (auto& c : f.others) {
    if (c.risk->crash_probability > s_.gate) {
      ++r.gated;
      continue;
    }
    yield(c);
    r.ranked.push_back(std::move(c));
  }
  std::sort(r.ranked.begin(), r.ranked.end(), [](const Candidate& a, const Candidate& b) {
    return a.yield != b.yield ? a.yield > b.yield : a.risk->pool < b.risk->pool;
  });
  f.others.clear();
  r.filter = std::move(f);
  return r;
}

}  // namespace spotstream

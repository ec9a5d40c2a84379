#pragma once
// The inputs of a backtest from a market's events (tests).
#include <algorithm>
#include <variant>
#include <vector>

#include "topology/backtest.hpp"

namespace spotstream::test {

//! Ticks (in time order), signals and fleet events of `events`, as a backtest takes them.
inline BacktestInputs inputs_of(const std::vector<Event>& events) {
  BacktestInputs in;
  for (const auto& e : events) {
    if (const auto* t = std::get_if<PriceTick>(&e)) in.ticks.push_back(*t);
    else if (const auto* s = std::get_if<Signal>(&e)) in.signals.push_back(*s);
    else in.fleet.push_back(std::get<FleetEvent>(e));
  }
  std::stable_sort(in.ticks.begin(), in.ticks.end(), [](const auto& a, const auto& b) { return a.ts < b.ts; });
  return in;
}

}  // namespace spotstream::test

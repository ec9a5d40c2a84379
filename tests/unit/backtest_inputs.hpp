#pragma once
// The inputs of a backtest from a market's events, and the fixture of the backtest tests (tests).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <variant>
#include <vector>

#include "tests/unit/decision_market.hpp"
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

//! A configuration with the test Spot Advisor file (kAdvisor), written for the test and removed after.
class BacktestFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    advisor_ = std::filesystem::temp_directory_path() / ("spotstream-backtest-advisor-" + std::to_string(::getpid()) + ".json");
    std::ofstream(advisor_) << kAdvisor;
    cfg_.set("risk.spot_advisor_file", advisor_.string());
    cfg_.set("log.level", "warn");
  }
  void TearDown() override { std::filesystem::remove(advisor_); }

  std::filesystem::path advisor_;
  Config cfg_;
};

}  // namespace spotstream::test

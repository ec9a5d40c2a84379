// The metrics exposition and readiness: histograms against a brute-force count, the Prometheus
// text read back by an independent little parser, readiness in each state it can be in.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include "src/core/histogram.hpp"
#include "src/rest/metrics_exposition.hpp"
#include "src/rest/readiness.hpp"

namespace spotstream {
namespace {

// "name{labels} value" lines of the text format -> value; comments skipped.
std::map<std::string, double> samples(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

TEST(Histogram, BucketsAgreeWithABruteForceCountFromSeveralThreads) {
  const std::vector<double> bounds = {0.001, 0.01, 0.1, 1};
  Histogram h(bounds);
  std::vector<std::vector<double>> per_thread(4);
  std::mt19937 rng(7);
  std::lognormal_distribution<double> dist(-4, 2);
  for (auto& values : per_thread)
    for (int i = 0; i < 5000; ++i) values.push_back(dist(rng));
  std::vector<std::thread> threads;
  for (const auto& values : per_thread)
    threads.emplace_back([&h, &values] {
      for (double v : values) h.observe(v);
    });
  for (auto& t : threads) t.join();
  const auto s = h.snapshot();
  ASSERT_EQ(s.bounds, bounds);
  double sum = 0;
  for (std::size_t b = 0; b < bounds.size(); ++b) {
    std::uint64_t below = 0;
    for (const auto& values : per_thread)
      for (double v : values) below += v <= bounds[b];
    EXPECT_EQ(s.below[b], below) << "le " << bounds[b];
  }
  for (const auto& values : per_thread)
    for (double v : values) sum += v;
  EXPECT_EQ(s.count, 20000u);
  EXPECT_NEAR(s.sum, sum, 1e-9 * sum);
}

TEST(MetricsExposition, ShowsEachCounterUnderItsNameAndLabels) {
  ProcessMetrics m;
  m.prices_in.inc(42);
  m.signals_in.inc(3);
  m.dlq.inc("late", 5);
  m.dlq.inc("no-such-reason");
  m.count_decision(DecisionKind::Evacuate, "signal");
  m.count_decision(DecisionKind::Evacuate, "signal");
  m.count_decision(DecisionKind::Switch, "gain_and_saving");
  m.count_decision(DecisionKind::Stay, "");
  m.signal_decision_seconds.observe(0.0003);
  m.consumer_lag.replace({{{"spot.prices", "3"}, 17}});
  m.history_writers_failing.set(1);
  const auto s = samples(MetricsExposition(m, nullptr).text());
  EXPECT_EQ(s.at("spot_input_events_total{input=\"prices\"}"), 42);
  EXPECT_EQ(s.at("spot_input_events_total{input=\"signals\"}"), 3);
  EXPECT_EQ(s.at("spot_dead_letters_total{reason=\"late\"}"), 5);
  EXPECT_EQ(s.at("spot_dead_letters_total{reason=\"other\"}"), 1);
  EXPECT_EQ(s.at("spot_late_ticks_total"), 5);
  EXPECT_EQ(s.at("spot_decision_total{decision=\"EVACUATE\",why=\"signal\"}"), 2);
  EXPECT_EQ(s.at("spot_decision_total{decision=\"SWITCH\",why=\"gain_and_saving\"}"), 1);
  EXPECT_EQ(s.at("spot_decision_total{decision=\"STAY\",why=\"\"}"), 1);
  EXPECT_EQ(s.at("spot_decision_total{decision=\"DRAIN\",why=\"\"}"), 0);  // the series exists before any
  EXPECT_EQ(s.count("spot_decision_total{decision=\"DRAIN\",why=\"sibling\"}"), 0u);
  EXPECT_EQ(s.at("spot_signal_decision_seconds_count"), 1);
  EXPECT_EQ(s.at("spot_signal_decision_seconds_bucket{le=\"0.0002\"}"), 0);
  EXPECT_EQ(s.at("spot_signal_decision_seconds_bucket{le=\"0.0004\"}"), 1);
  EXPECT_EQ(s.at("spot_signal_decision_seconds_bucket{le=\"+Inf\"}"), 1);
  EXPECT_EQ(s.at("spot_consumer_lag_messages{topic=\"spot.prices\",partition=\"3\"}"), 17);
  EXPECT_EQ(s.at("spot_history_writers_failing"), 1);
  EXPECT_EQ(s.at("spot_warming"), 1);  // not started
}

TEST(MetricsExposition, LabelsAreBoundedWhateverTheTraffic) {
  ProcessMetrics m;
  for (int i = 0; i < 1000; ++i) {
    m.count_decision(static_cast<DecisionKind>(i % 4), "why-" + std::to_string(i));
    m.dlq.inc("reason-" + std::to_string(i));
  }
  const auto s = samples(MetricsExposition(m, nullptr).text());
  std::size_t decision_series = 0, dlq_series = 0;
  for (const auto& [k, v] : s) {
    decision_series += k.rfind("spot_decision_total{", 0) == 0;
    dlq_series += k.rfind("spot_dead_letters_total{", 0) == 0;
  }
  EXPECT_LE(decision_series, 4u * DecisionMetrics::kWhys.size());
  EXPECT_EQ(dlq_series, DlqCounters::kReasons.size());
  EXPECT_EQ(s.at("spot_dead_letters_total{reason=\"other\"}"), 1000);
}

TEST(Readiness, ReadyOnlyOnceAssignedWarmCaughtUpAndStoring) {
  RuntimeMetrics m;
  ReadinessBounds bounds;
  bounds.max_lag = 100;
  auto reasons = [&] {
    const auto r = readiness(m, bounds);
    EXPECT_EQ(r.ready, r.reasons.empty());
    std::string all;
    for (const auto& s : r.reasons) all += s + "; ";
    return all;
  };
  EXPECT_NE(reasons().find("not started"), std::string::npos);
  m.started.set(1);
  EXPECT_NE(reasons().find("no input partition"), std::string::npos);
  m.partitions_now.set(4);
  m.partitions_warming.set(2);
  EXPECT_NE(reasons().find("warming up: 2 partition"), std::string::npos);
  m.partitions_warming.set(0);
  EXPECT_EQ(reasons(), "");
  m.consumer_lag.replace({{{"spot.prices", "1"}, 100}, {{"spot.prices", "2"}, 101}});
  EXPECT_NE(reasons().find("spot.prices[2] is 101 messages behind"), std::string::npos);
  bounds.max_lag = 0;  // not checked
  EXPECT_EQ(reasons(), "");
  m.history_writers_failing.set(1);
  EXPECT_NE(reasons().find("PostgreSQL unreachable"), std::string::npos);
  m.history_writers_failing.set(0);
  const auto r = readiness(m, bounds);
  EXPECT_TRUE(r.ready);
  EXPECT_NE(r.json().find("\"ready\":true"), std::string::npos);
}

}  // namespace
}  // namespace spotstream

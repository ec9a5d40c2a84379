// The backtest's model quality against labels worked out by hand on one pool: a 3% rise within the
// horizon, an interruption notice within it, scores too close to the end left out, and the AUC of
// the scores on those labels counted pair by pair.
#include <gtest/gtest.h>

#include "operators/backtest/model_quality.hpp"
#include "src/core/time.hpp"

using namespace spotstream;

namespace {

constexpr TimestampMs t0 = 1'736'000'000'000;
const std::string kPool = "us-east-1a/c5.large/Linux/UNIX";

RiskRecord record(TimestampMs ts, double p) {
  RiskRecord r;
  r.pool = kPool;
  r.region = "us-east-1";
  r.az = "us-east-1a";
  r.instance_type = "c5.large";
  r.product = "Linux/UNIX";
  r.family = "c5";
  r.ts = ts;
  r.features.price = 1;
  r.score.crash_probability = p;
  r.score.model = "test";
  return r;
}

}  // namespace

TEST(ModelQuality, LabelsAndAucByHand) {
  BacktestWorld w(DecisionSettings{}, nullptr);
  w.start = t0;
  w.end = t0 + 30 * kHourMs;
  for (auto [at, price] : {std::pair{0, 1.0}, {1, 1.02}, {3, 1.05}, {20, 0.9}}) w.ledger.add(kPool, t0 + at * kHourMs, price);
  w.notices.push_back(PoolNotice{t0 + 5 * kHourMs, t0 + 5 * kHourMs + 120'000, kPool, SignalKind::Interruption,
                                 InstanceAction::Terminate, "i-market"});
  // Rise within 12 h: at 0 h (1.05 >= 1.03 x 1.0) yes; at 2 h (1.05 < 1.03 x 1.02) no; at 4 h and
  // 6 h nothing higher follows. Notice within 12 h: at 0, 2 and 4 h yes; at 6 h no (it came before).
  // At 20 h the horizon passes the end: left out.
  for (auto [at, p] : {std::pair{0, 0.9}, {2, 0.5}, {4, 0.95}, {6, 0.1}, {20, 0.7}}) w.score(record(t0 + at * kHourMs, p));
  const auto q = model_quality(w);
  EXPECT_EQ(q.scores, 5u);
  EXPECT_EQ(q.censored, 1u);
  EXPECT_EQ(q.rise.at_gate.rows, 4u);
  EXPECT_EQ(q.rise.at_gate.positives, 1u);
  EXPECT_DOUBLE_EQ(q.rise.base_rate, 0.25);
  // The positive (0.9) against the negatives 0.5, 0.95, 0.1: above two of three.
  EXPECT_NEAR(q.rise.at_gate.auc, 2.0 / 3, 1e-12);
  // At the gate (0.85): 0.9 and 0.95 alarm; one of them right.
  EXPECT_EQ(q.rise.at_gate.tp, 1u);
  EXPECT_EQ(q.rise.at_gate.fp, 1u);
  EXPECT_EQ(q.notice.at_gate.positives, 3u);
  // Positives 0.9, 0.5, 0.95 against the negative 0.1: all above.
  EXPECT_NEAR(q.notice.at_gate.auc, 1.0, 1e-12);
  EXPECT_EQ(q.notice.at_gate.tp, 2u);
  EXPECT_EQ(q.notice.at_gate.fn, 1u);
}

// Training: metrics against brute force, the logistic fit against known coefficients and its
// optimality condition, labels and the time split on a hand-made history, and the trained model
// beating heuristic-v1 on the synthetic market's held-out slice.
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <map>
#include <random>
#include <tuple>

#include "src/feed/synth_market.hpp"
#include "src/model/classification_metrics.hpp"
#include "src/model/logistic_fit.hpp"
#include "topology/price_path.hpp"
#include "topology/process_metrics.hpp"
#include "topology/training_set.hpp"

using namespace spotstream;

namespace {

double brute_auc(const std::vector<double>& p, const std::vector<unsigned char>& y) {
  double pairs = 0, n = 0;
  for (std::size_t i = 0; i < p.size(); ++i)
    for (std::size_t j = 0; j < p.size(); ++j)
      if (y[i] && !y[j]) {
        n += 1;
        pairs += p[i] > p[j] ? 1.0 : p[i] == p[j] ? 0.5 : 0.0;
      }
  return pairs / n;
}

//! The synthetic market's prices over `days`, one region, no fleet.
std::vector<PriceTick> synthetic_ticks(int days) {
  SynthOptions o;
  o.days = days;
  o.nodes = 0;
  o.regions = {"us-east-1"};
  std::vector<PriceTick> ticks;
  SynthMarket(o).generate([&](const Event& e) {
    if (const auto* t = std::get_if<PriceTick>(&e)) ticks.push_back(*t);
  });
  return ticks;
}

}  // namespace

TEST(Training, AucAndF1ThresholdAgainstBruteForce) {
  std::mt19937 rng(3);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<double> p;
    std::vector<unsigned char> y;
    for (int i = 0; i < 300; ++i) {
      const int label = rng() % 4 == 0;
      y.push_back(static_cast<unsigned char>(label));
      p.push_back(std::round((label * 0.3 + std::uniform_real_distribution<double>(0, 1)(rng)) * 20) / 20);  // ties
    }
    EXPECT_NEAR(roc_auc(p, y), brute_auc(p, y), 1e-12);
    double best = -1;
    for (const double t : p) best = std::max(best, classification_metrics(p, y, t).f1);
    EXPECT_NEAR(classification_metrics(p, y, best_f1_threshold(p, y)).f1, best, 1e-12);
  }
  const std::vector<double> p = {0.9, 0.8, 0.3, 0.1};
  const std::vector<unsigned char> y = {1, 0, 1, 0};
  const auto m = classification_metrics(p, y, 0.5);
  EXPECT_EQ(m.tp, 1u);
  EXPECT_EQ(m.fp, 1u);
  EXPECT_EQ(m.fn, 1u);
  EXPECT_DOUBLE_EQ(m.precision, 0.5);
  EXPECT_DOUBLE_EQ(m.recall, 0.5);
  EXPECT_DOUBLE_EQ(m.auc, 0.75);
}

TEST(Training, LogisticFitRecoversKnownCoefficients) {
  std::mt19937 rng(5);
  std::normal_distribution<double> g(0, 1);
  const int n = 40000;
  Eigen::MatrixXd x(n, 3);
  Eigen::VectorXd y(n);
  for (int i = 0; i < n; ++i) {
    x(i, 0) = 2 + 3 * g(rng);  // mean 2, sd 3
    x(i, 1) = g(rng);
    x(i, 2) = i % 10 == 0 ? std::nan("") : 5.0;  // constant where known
    const double z = -1.0 + 0.5 * x(i, 0) - 1.2 * x(i, 1);
    y[i] = std::uniform_real_distribution<double>(0, 1)(rng) < 1 / (1 + std::exp(-z)) ? 1 : 0;
  }
  const auto fit = fit_logistic(x, y, {.l2 = 0});
  ASSERT_TRUE(fit.converged);
  const auto& c = fit.params;
  // Raw-scale coefficients: standardised ones divided by the scale.
  EXPECT_NEAR(c.coefficients[0] / c.scale[0], 0.5, 0.03);
  EXPECT_NEAR(c.coefficients[1] / c.scale[1], -1.2, 0.05);
  EXPECT_NEAR(c.scale[2], 1.0, 0);  // constant column: scale 1
  // Optimality: the gradient of the log-likelihood vanishes at the fit (computed here directly).
  ModelInfo info;
  info.features = {FeatureId::Price, FeatureId::PricePosition, FeatureId::FamilyPools};
  const LogisticModel m(info, c);
  Eigen::Vector3d grad = Eigen::Vector3d::Zero();
  double grad0 = 0;
  for (int i = 0; i < n; ++i) {
    Features f;
    f.price = x(i, 0);
    f.price_position = x(i, 1);
    f.family_pools = 0;
    const double r = y[i] - m.crash_probability(f);
    grad0 += r;
    grad[0] += r * (x(i, 0) - c.mean[0]) / c.scale[0];
    grad[1] += r * (x(i, 1) - c.mean[1]) / c.scale[1];
  }
  EXPECT_NEAR(grad0 / n, 0, 1e-6);
  EXPECT_NEAR(grad[0] / n, 0, 1e-6);
  EXPECT_NEAR(grad[1] / n, 0, 1e-6);
}

// One pool, one tick an hour for 4 days; the price rises 4% at hour 30 and 2% at hour 60.
TEST(Training, LabelsLookAheadAndTheSplitPurgesAtSliceEnds) {
  const TimestampMs h = 3600 * 1000, t0 = 1735689600000;
  std::vector<PriceTick> ticks;
  for (int k = 0; k < 96; ++k) {
    const double price = k >= 60 ? 1.0608 : k >= 30 ? 1.04 : 1.0;
    ticks.push_back(PriceTick{t0 + k * h, "us-east-1", "us-east-1a", "c5.large", "Linux/UNIX", price, 0});
  }
  SplitRule split;
  split.test_from = t0 + 72 * h;
  split.validation_fraction = 0.25;  // validation from hour 54
  LabelRule label;
  label.horizon_ms = 12 * h;
  const auto set = build_training_set(ticks, Config{}, nullptr, label, split);
  EXPECT_EQ(set.validation_from, t0 + 54 * h);
  EXPECT_EQ(set.unlabelled, 12u);  // hours 84..95: horizon past the end (hour 95)
  ASSERT_EQ(set.rows.size(), 84u);
  for (const auto& r : set.rows) {
    const auto k = (r.ts - t0) / h;
    // Unstable when hour 30 (+4%) is within (k, k + 12]; +2% at hour 60 is not a 3% rise.
    EXPECT_EQ(r.label, k >= 18 && k < 30) << k;
    const Split expected = k >= 72 ? Split::Test : k >= 54 ? (k + 12 >= 72 ? Split::Purged : Split::Validation)
                                                           : (k + 12 >= 54 ? Split::Purged : Split::Train);
    EXPECT_EQ(r.split, expected) << k;
  }
  EXPECT_EQ(set.model_ids, std::vector<std::string>{"heuristic-v1@1"});
}

// The notice label, by hand: notices at hours 40 and 41 (another pool's at hour 20 does not count):
// a row at hour k is unstable when one falls in (k, k + 12], i.e. for k in 28..40.
TEST(Training, NoticeLabelLooksAheadForThePoolsInterruptionNotices) {
  const TimestampMs h = 3600 * 1000, t0 = 1735689600000;
  std::vector<PriceTick> ticks;
  for (int k = 0; k < 96; ++k) ticks.push_back(PriceTick{t0 + k * h, "us-east-1", "us-east-1a", "c5.large", "Linux/UNIX", 1.0, 0});
  LabelRule label;
  label.horizon_ms = 12 * h;
  label.notice = true;
  label.notices["us-east-1a/c5.large/Linux/UNIX"] = {t0 + 40 * h, t0 + 41 * h};
  label.notices["us-east-1b/c5.large/Linux/UNIX"] = {t0 + 20 * h};
  const auto set = build_training_set(ticks, Config{}, nullptr, label, SplitRule{});
  ASSERT_EQ(set.rows.size(), 84u);
  std::size_t positives = 0;
  for (const auto& r : set.rows) {
    const auto k = (r.ts - t0) / h;
    EXPECT_EQ(r.label, k >= 28 && k < 41) << k;
    positives += r.label;
  }
  EXPECT_EQ(positives, 13u);
}

// The "done when": a model trained by the live feature code beats the heuristic's AUC on the
// synthetic market's held-out (later) slice.
TEST(Training, TrainedModelBeatsTheHeuristicOnTheSyntheticHeldOutSlice) {
  const auto ticks = synthetic_ticks(6);
  const auto set = build_training_set(ticks, Config{}, nullptr, LabelRule{}, SplitRule{});
  const std::vector<FeatureId> features = {FeatureId::PricePosition,    FeatureId::FamilyStressMean,
                                           FeatureId::FamilyStressMax,  FeatureId::FamilyStressGap,
                                           FeatureId::RelativeVolatility24h, FeatureId::WindowRangeRel,
                                           FeatureId::PriceVsMin,       FeatureId::HourSin,
                                           FeatureId::HourCos,          FeatureId::IsBusinessHours};
  const auto train = set.rows_of(Split::Train), test = set.rows_of(Split::Test);
  ASSERT_GT(train.size(), 10000u);
  ASSERT_GT(test.size(), 5000u);
  Eigen::MatrixXd x(static_cast<Eigen::Index>(train.size()), static_cast<Eigen::Index>(features.size()));
  Eigen::VectorXd y(static_cast<Eigen::Index>(train.size()));
  for (std::size_t r = 0; r < train.size(); ++r) {
    for (std::size_t c = 0; c < features.size(); ++c) x(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) = set.value(train[r], features[c]);
    y[static_cast<Eigen::Index>(r)] = set.rows[train[r]].label;
  }
  ModelInfo info;
  info.features = features;
  const LogisticModel model(info, fit_logistic(x, y).params);
  std::vector<double> p, heuristic;
  std::vector<unsigned char> labels;
  for (const auto i : test) {
    p.push_back(model.crash_probability(features_from_catalogue(&set.values[i * kFeatureCount])));
    heuristic.push_back(set.score(i, 0));
    labels.push_back(set.rows[i].label);
  }
  const double auc = roc_auc(p, labels), heuristic_auc = roc_auc(heuristic, labels);
  std::printf("synthetic held-out slice: %zu rows, logistic AUC %.4f, heuristic AUC %.4f\n", test.size(), auc, heuristic_auc);
  EXPECT_GT(auc, heuristic_auc + 0.02);
  EXPECT_GT(auc, 0.6);
}

// The rows come from the replay engine's shards; whatever their number, each row's features and
// score are what the price path gives when one state sees every tick in time order (the reference
// here: PricePath::score in a plain loop), and the rows come in the same order.
TEST(Training, RowsAreThePricePathsWhateverTheShards) {
  auto ticks = synthetic_ticks(2);
  std::stable_sort(ticks.begin(), ticks.end(), [](const PriceTick& a, const PriceTick& b) {
    return std::tie(a.ts, a.az, a.instance_type, a.product) < std::tie(b.ts, b.az, b.instance_type, b.product);
  });
  Config every_tick;
  every_tick.set("risk.every_tick", "true");
  ProcessMetrics m;
  const PricePath path(every_tick, nullptr, m);
  PriceState state;
  std::map<std::pair<TimestampMs, std::string>, std::pair<std::vector<double>, double>> want;
  for (const auto& t : ticks) {
    TickOutcome outcome;
    if (const auto rec = path.score(t, state, outcome)) {
      std::vector<double> v;
      for (std::size_t k = 0; k < kFeatureCount; ++k) v.push_back(feature_value(rec->features, static_cast<FeatureId>(k)));
      want[{rec->ts, rec->pool}] = {v, rec->score.crash_probability};
    }
  }
  std::vector<std::vector<std::string>> orders;
  for (const char* shards : {"1", "3"}) {
    Config cfg;
    cfg.set("runtime.shards", shards);
    cfg.set("log.level", "warn");
    const auto set = build_training_set(ticks, cfg, nullptr, LabelRule{}, SplitRule{});
    ASSERT_GT(set.rows.size(), 10000u);
    std::vector<std::string> order;
    for (std::size_t i = 0; i < set.rows.size(); ++i) {
      const auto& pool = set.pools[set.rows[i].pool];
      order.push_back(std::to_string(set.rows[i].ts) + " " + pool);
      const auto it = want.find({set.rows[i].ts, pool});
      ASSERT_NE(it, want.end()) << order.back();
      for (std::size_t k = 0; k < kFeatureCount; ++k) {
        const double got = set.value(i, static_cast<FeatureId>(k)), ref = it->second.first[k];
        ASSERT_TRUE(got == ref || (std::isnan(got) && std::isnan(ref))) << order.back() << " feature " << k;
      }
      ASSERT_EQ(set.score(i, 0), it->second.second) << order.back();
    }
    orders.push_back(std::move(order));
  }
  EXPECT_EQ(orders[0], orders[1]);
}

// Model files: logistic scores against the formula written out independently, the heuristic kind,
// metadata, and every way a model file is refused (the model in use then stays).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "src/model/heuristic_model.hpp"
#include "src/model/logistic_model.hpp"
#include "src/model/model_loader.hpp"
#include "tests/unit/test_data.hpp"

using namespace spotstream;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

json logistic_doc() {
  return json::parse(R"({
    "spotstream_model": 1, "kind": "logistic", "name": "lr-test", "version": "7",
    "features": ["family_stress_max", "price_position", "advisor_band", "relative_volatility_24h"],
    "trained_until": "2025-01-07T00:00:00Z", "threshold": 0.3,
    "metrics": {"test": {"auc": 0.8, "f1": 0.5}, "rows": 1000},
    "logistic": {"intercept": -1.5, "coefficients": [2.0, -0.5, 0.25, 1.0],
                 "mean": [0.4, 0.5, 2.0, 0.01], "scale": [0.3, 0.25, 1.5, 0.02]}})");
}

Features sample_features() {
  Features f;
  f.price = 2.0;
  f.window_min = 1.0;
  f.window_max = 3.0;
  f.price_position = 0.5;
  f.family_stress_max = 0.9;
  f.volatility_24h = 0.1;
  f.advisor_band = 3;
  return f;
}

std::string refusal(const json& doc) {
  try {
    load_model_text(doc.dump(), ".", "test");
  } catch (const ModelError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(RiskModel, LogisticMatchesTheFormula) {
  const auto m = load_model_text(logistic_doc().dump(), ".", "test");
  const Features f = sample_features();
  // By hand: z = -1.5 + 2 (0.9-0.4)/0.3 - 0.5 (0.5-0.5)/0.25 + 0.25 (3-2)/1.5 + 1 (0.05-0.01)/0.02
  const double z = -1.5 + 2.0 * (0.9 - 0.4) / 0.3 - 0.5 * 0.0 + 0.25 * (3.0 - 2.0) / 1.5 + 1.0 * (0.1 / 2.0 - 0.01) / 0.02;
  EXPECT_NEAR(m->crash_probability(f), 1.0 / (1.0 + std::exp(-z)), 1e-12);

  // A missing input (unknown band) takes its training mean: its term vanishes.
  Features g = f;
  g.advisor_band = -1;
  const double z2 = z - 0.25 * (3.0 - 2.0) / 1.5;
  EXPECT_NEAR(m->crash_probability(g), 1.0 / (1.0 + std::exp(-z2)), 1e-12);
  const RiskScore s = m->score(g);
  EXPECT_EQ(s.assumptions, kAssumeBandUnknown);
  EXPECT_EQ(s.model, "lr-test");
  EXPECT_EQ(s.model_version, "7");
  EXPECT_EQ(s.model_kind, "logistic");
  EXPECT_NEAR(s.stability, 1 - s.crash_probability, 1e-15);
}

TEST(RiskModel, LabelsFollowTheThresholds) {
  json doc = logistic_doc();
  doc["logistic"]["coefficients"] = {0, 0, 0, 0};
  for (auto [intercept, label] : {std::pair{2.0, "avoid"}, {-0.9, "caution"}, {-3.0, "safe"}}) {
    doc["logistic"]["intercept"] = intercept;  // p = 0.88, 0.29, 0.047 against avoid_at 0.3, caution_at 0.15
    EXPECT_EQ(load_model_text(doc.dump(), ".", "t")->score(Features{}).label, label) << intercept;
  }
  doc["labels"] = {{"avoid_at", 0.9}, {"caution_at", 0.5}};
  doc["logistic"]["intercept"] = 2.0;
  EXPECT_EQ(load_model_text(doc.dump(), ".", "t")->score(Features{}).label, "caution");
}

TEST(RiskModel, MetadataIsRead) {
  const auto m = load_model_text(logistic_doc().dump(), ".", "from-test");
  const ModelInfo& i = m->info();
  EXPECT_EQ(i.id(), "lr-test@7");
  EXPECT_EQ(i.trained_until_ms, 1736208000000);
  EXPECT_EQ(i.features.size(), 4u);
  EXPECT_EQ(feature_name(i.features[1]), "price_position");
  EXPECT_DOUBLE_EQ(i.threshold, 0.3);
  EXPECT_DOUBLE_EQ(i.metrics.at("test.auc"), 0.8);
  EXPECT_DOUBLE_EQ(i.metrics.at("rows"), 1000);
  EXPECT_EQ(i.source, "from-test");
}

TEST(RiskModel, HeuristicKindIsTheDocumentedHeuristic) {
  const auto m = load_model_text(R"({"spotstream_model": 1, "kind": "heuristic", "version": "2"})", ".", "t");
  const Features f = sample_features();
  const RiskScore direct = HeuristicModel().score(f);
  const RiskScore loaded = m->score(f);
  EXPECT_EQ(loaded.stability, direct.stability);
  EXPECT_EQ(loaded.model, "heuristic-v1");
  EXPECT_EQ(loaded.model_version, "2");
  EXPECT_EQ(loaded.model_kind, "heuristic");
  EXPECT_EQ(builtin_model()->info().id(), "heuristic-v1@1");
}

TEST(RiskModel, BadModelFilesAreRefusedWithTheReason) {
  EXPECT_NE(refusal(json("not an object")).find("not a JSON object"), std::string::npos);
  EXPECT_NE(refusal(json::parse(R"({"learner": {}})")).find("not a spotstream model file"), std::string::npos);
  try {
    load_model_text("{\"spotstream_model\": 1, \"kind\": ", ".", "half-written");
    ADD_FAILURE() << "accepted half a file";
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("not valid JSON"), std::string::npos) << e.what();
  }
  json d = logistic_doc();
  d["kind"] = "neural";
  EXPECT_NE(refusal(d).find("unknown model kind 'neural'"), std::string::npos);
  d = logistic_doc();
  d["features"][1] = "moon_phase";
  const auto why = refusal(d);
  EXPECT_NE(why.find("'moon_phase'"), std::string::npos) << why;
  EXPECT_NE(why.find("cannot produce"), std::string::npos) << why;
  d = logistic_doc();
  d["features"][1] = "family_stress_max";
  EXPECT_NE(refusal(d).find("listed twice"), std::string::npos);
  d = logistic_doc();
  d["logistic"]["coefficients"] = {1.0, 2.0};
  EXPECT_NE(refusal(d).find("4 features but 2 coefficients"), std::string::npos);
  d = logistic_doc();
  d["logistic"]["scale"][2] = 0;
  EXPECT_NE(refusal(d).find("advisor_band"), std::string::npos);
  d = logistic_doc();
  d["threshold"] = 1.5;
  EXPECT_NE(refusal(d).find("'threshold'"), std::string::npos);
  d = logistic_doc();
  d.erase("trained_until");
  EXPECT_NE(refusal(d).find("'trained_until'"), std::string::npos);
  d = logistic_doc();
  d["trained_until"] = "last tuesday";
  EXPECT_NE(refusal(d).find("ISO-8601"), std::string::npos);
  d = logistic_doc();
  d["spotstream_model"] = 2;
  EXPECT_NE(refusal(d).find("unsupported model file format"), std::string::npos);
  d = logistic_doc();
  d["kind"] = "xgboost";
  d["xgboost"] = {{"booster_file", "no-such-booster.json"}};
  EXPECT_NE(refusal(d).find("cannot open booster file"), std::string::npos);
  EXPECT_THROW(load_model_file("/no/such/model.json"), ModelError);
}

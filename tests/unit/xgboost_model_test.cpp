// XGBoost models saved by Python: the golden model in tests/golden/models/xgboost-synth was trained
// by tests/models/train_xgboost.py (Debian python3-xgboost) on rows `spotstream train
// --export-features` wrote for the synthetic market; sample.csv holds a sample of those rows with
// Python's predict for each. The C++ scorer, fed the same rows through Features, must agree to 1e-6.
// (The full round trip, training included, runs in tests/integration/test_models.py.)
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "src/model/model_loader.hpp"
#include "src/model/xgboost_model.hpp"
#include "tests/unit/test_data.hpp"

using namespace spotstream;
using json = nlohmann::json;
namespace fs = std::filesystem;
namespace td = spotstream::testing;

namespace {

const fs::path kDir = fs::path(SPOTSTREAM_SOURCE_DIR) / "tests" / "golden" / "models" / "xgboost-synth";

struct SampleRow {
  std::vector<double> catalogue;
  double p;
};

std::vector<SampleRow> sample_rows() {
  std::ifstream in(kDir / "sample.csv");
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  {
    std::stringstream h(line);
    for (std::string c; std::getline(h, c, ',');) header.push_back(c);
  }
  // The catalogue columns must be the catalogue, in order, then p. The sample predates the
  // interruption-pressure features (appended to the catalogue since): it was exported from a
  // market replayed without signals, where they are zero.
  EXPECT_EQ(header.size(), static_cast<std::size_t>(FeatureId::PoolNoticesShort) + 1);
  EXPECT_EQ(header.back(), "p");
  for (std::size_t k = 0; k + 1 < header.size() && k < kFeatureCount; ++k)
    EXPECT_EQ(header[k], feature_name(static_cast<FeatureId>(k)));
  std::vector<SampleRow> rows;
  while (std::getline(in, line)) {
    std::stringstream s(line);
    SampleRow r;
    for (std::string c; std::getline(s, c, ',');) r.catalogue.push_back(c == "nan" ? std::nan("") : std::stod(c));
    r.p = r.catalogue.back();
    r.catalogue.pop_back();
    r.catalogue.resize(kFeatureCount, 0.0);
    rows.push_back(std::move(r));
  }
  return rows;
}

std::string refusal(const json& doc) {
  try {
    load_model_text(doc.dump(), kDir, "test");
  } catch (const ModelError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(XGBoostModel, MatchesPythonPredictOnTheSameRows) {
  const auto m = load_model_file(kDir / "model.json");
  EXPECT_EQ(m->info().kind, "xgboost");
  const auto rows = sample_rows();
  ASSERT_GE(rows.size(), 200u);
  std::size_t with_missing = 0;
  for (const auto& r : rows) {
    ASSERT_EQ(r.catalogue.size(), kFeatureCount);
    const Features f = features_from_catalogue(r.catalogue.data());
    for (std::size_t k = 0; k < kFeatureCount; ++k) {  // the catalogue round-trips through Features
      const double back = feature_value(f, static_cast<FeatureId>(k));
      if (std::isnan(r.catalogue[k])) EXPECT_TRUE(std::isnan(back)) << k;
      else EXPECT_EQ(back, r.catalogue[k]) << feature_name(static_cast<FeatureId>(k));
    }
    with_missing += std::isnan(r.catalogue[static_cast<std::size_t>(FeatureId::AdvisorBand)]);
    EXPECT_NEAR(m->crash_probability(f), r.p, 1e-6);
  }
  EXPECT_GT(with_missing, 0u);  // NaN inputs are exercised (the synthetic market has no advisor bands)
}

TEST(XGBoostModel, InlineBoosterEqualsBoosterFile) {
  json doc = json::parse(td::read_file(kDir / "model.json"));
  doc["xgboost"] = {{"booster", json::parse(td::read_file(kDir / "booster.json"))}};
  const auto inline_model = load_model_text(doc.dump(), "/nonexistent", "inline");
  const auto file_model = load_model_file(kDir / "model.json");
  for (const auto& r : sample_rows()) {
    const Features f = features_from_catalogue(r.catalogue.data());
    EXPECT_EQ(inline_model->crash_probability(f), file_model->crash_probability(f));
  }
}

TEST(XGBoostModel, MismatchedOrCorruptBoostersAreRefused) {
  const json doc = json::parse(td::read_file(kDir / "model.json"));
  json fewer = doc;
  fewer["features"].erase(fewer["features"].size() - 1);
  EXPECT_NE(refusal(fewer).find("features but the model file lists"), std::string::npos) << refusal(fewer);
  json corrupt = doc;
  std::string booster = td::read_file(kDir / "booster.json");
  corrupt["xgboost"] = {{"booster", booster.substr(0, booster.size() / 2)}};  // not an object
  EXPECT_NE(refusal(corrupt).find("'booster_file'"), std::string::npos) << refusal(corrupt);
  const fs::path half = fs::temp_directory_path() / ("half-booster-" + std::to_string(::getpid()) + ".json");
  std::ofstream(half) << booster.substr(0, booster.size() / 2);
  corrupt["xgboost"] = {{"booster_file", half.string()}};
  EXPECT_NE(refusal(corrupt).find("not a booster saved by xgboost"), std::string::npos) << refusal(corrupt);
  fs::remove(half);
  json regression = doc;  // a booster whose output is not a probability
  regression["features"] = {"price_position", "family_stress_max"};
  regression["xgboost"] = {{"booster_file", (kDir.parent_path() / "xgboost-regression-booster.json").string()}};
  EXPECT_NE(refusal(regression).find("reg:squarederror"), std::string::npos) << refusal(regression);
}

// A model from the models topic names its booster_file: a device or a folder is refused without
// being read (/dev/zero would never end), as is a path that is not there.
TEST(XGBoostModel, BoosterFilesThatAreNoRegularFilesAreRefusedUnread) {
  json doc = json::parse(td::read_file(kDir / "model.json"));
  for (const char* path : {"/dev/zero", "/tmp", "/nonexistent/booster.json"}) {
    doc["xgboost"] = {{"booster_file", path}};
    EXPECT_NE(refusal(doc).find("not a regular file"), std::string::npos) << path << ": " << refusal(doc);
  }
}

// Shards score with one booster from several threads at once (each thread has its own row buffer,
// proxy and libxgboost output buffer): every thread must get Python's numbers.
TEST(XGBoostModel, ScoresFromSeveralThreadsAtOnce) {
  const auto m = load_model_file(kDir / "model.json");
  const auto rows = sample_rows();
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int round = 0; round < 20; ++round)
        for (const auto& r : rows)
          if (std::fabs(m->crash_probability(features_from_catalogue(r.catalogue.data())) - r.p) > 1e-6) ++mismatches;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

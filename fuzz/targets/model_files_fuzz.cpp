// The files the scoring reads: model files (heuristic, logistic, XGBoost JSON, from a file or the
// models topic), the Spot Advisor file and the on-demand catalogue. Each refuses what it cannot use
// with its documented error; a model that loads must give a probability.
#include <filesystem>
#include <stdexcept>

#include "fuzz/fuzz_target.hpp"
#include "fuzz/targets/check.hpp"
#include "src/core/risk.hpp"
#include "src/model/model_loader.hpp"
#include "src/model/on_demand_catalog.hpp"
#include "src/model/spot_advisor.hpp"

using namespace spotstream;

SPOTSTREAM_FUZZ_TARGET(model_file) {
  // A booster_file resolves against a folder that holds nothing.
  static const auto base = std::filesystem::temp_directory_path() / "spotstream-fuzz-empty";
  try {
    const auto model = load_model_text(data, base, "fuzz");
    const double p = model->crash_probability(Features{});
    FUZZ_CHECK(p >= 0 && p <= 1);
  } catch (const ModelError&) {
  }
}

SPOTSTREAM_FUZZ_TARGET(spot_advisor) {
  try {
    const auto advisor = SpotAdvisor::parse(data);
    if (const auto e = advisor.lookup("us-east-1", "Linux", "m5.large")) FUZZ_CHECK(e->band >= 0);
    advisor.instance("m5.large");
  } catch (const std::runtime_error&) {
  }
}

SPOTSTREAM_FUZZ_TARGET(on_demand_catalog) {
  try {
    const auto catalog = OnDemandCatalog::parse(data);
    if (const auto p = catalog.price("us-east-1", "m5.large")) FUZZ_CHECK(*p > 0);
    if (const auto* spec = catalog.find("m5.large")) catalog.family_sizes(spec->family);
  } catch (const std::runtime_error&) {
  }
}

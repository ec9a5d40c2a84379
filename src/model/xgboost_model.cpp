#include "src/model/xgboost_model.hpp"

#include <xgboost/c_api.h>

#include <spdlog/spdlog.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <vector>

namespace spotstream {

namespace {

// What Python's inplace_predict/predict sends: plain prediction (type 0, probabilities for
// binary:logistic), every tree, NaN as missing.
constexpr const char* kPredictConfig =
    R"({"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": false, "missing": NaN, "cache_id": 0})";

std::string last_error() {
  const char* e = XGBGetLastError();
  return e != nullptr ? e : "unknown libxgboost error";
}

void check(int rc, const char* what) {
  if (rc != 0) throw std::invalid_argument(std::string("xgboost model: ") + what + ": " + last_error());
}

// One row buffer per thread at a fixed address, and the __array_interface__ strings that point at
// it (one per row length), built once: a prediction then costs no allocation on our side.
struct RowBuffer {
  double row[kMaxModelFeatures];
  // A proxy DMatrix kept for the thread's life, so a prediction does not allocate one.
  DMatrixHandle proxy = nullptr;
  ~RowBuffer() {
    if (proxy != nullptr) XGDMatrixFree(proxy);
  }
  DMatrixHandle proxy_handle() {
    if (proxy == nullptr) XGProxyDMatrixCreate(&proxy);
    return proxy;
  }
  std::string interface[kMaxModelFeatures + 1];
  const char* interface_for(std::size_t n) {
    std::string& s = interface[n];
    if (s.empty())
      s = R"({"data": [)" + std::to_string(reinterpret_cast<std::uintptr_t>(row)) + R"(, true], "shape": [1, )" +
          std::to_string(n) + R"(], "typestr": "<f8", "version": 3})";
    return s.c_str();
  }
};

thread_local RowBuffer tl_rows;

}  // namespace

XGBoostModel::XGBoostModel(ModelInfo info, const std::string& booster_json) : RiskModel(std::move(info)) {
  const std::size_t n = this->info().features.size();
  if (n == 0 || n > kMaxModelFeatures) throw std::invalid_argument("xgboost model: needs 1 to 64 features");
  BoosterHandle h = nullptr;
  check(XGBoosterCreate(nullptr, 0, &h), "cannot create a booster");
  booster_ = h;
  try {
    check(XGBoosterLoadModelFromBuffer(h, booster_json.data(), booster_json.size()),
          "not a booster saved by xgboost (Booster.save_model)");
    check(XGBoosterSetParam(h, "nthread", "1"), "cannot set nthread");
    bst_ulong features = 0;
    check(XGBoosterGetNumFeature(h, &features), "cannot read the feature count");
    if (features != n)
      throw std::invalid_argument("xgboost model: the booster takes " + std::to_string(features) +
                                  " features but the model file lists " + std::to_string(n));
    bst_ulong len = 0;
    const char* cfg = nullptr;
    check(XGBoosterSaveJsonConfig(h, &len, &cfg), "cannot read the booster's configuration");
    const auto j = nlohmann::json::parse(std::string_view(cfg, len), nullptr, false);
    if (j.is_object() && j.contains("learner") && j["learner"].contains("objective") &&
        j["learner"]["objective"].contains("name") && j["learner"]["objective"]["name"].is_string())
      objective_ = j["learner"]["objective"]["name"].get<std::string>();
    if (objective_ != "binary:logistic")
      throw std::invalid_argument("xgboost model: objective is '" + objective_ +
                                  "'; spotstream needs binary:logistic (the output must be a probability)");
    std::vector<double> probe(n, std::nan(""));
    const double p = predict_row(probe.data());
    if (!(p >= 0 && p <= 1)) throw std::invalid_argument("xgboost model: a probe prediction is not a probability");
  } catch (...) {
    XGBoosterFree(h);
    booster_ = nullptr;
    throw;
  }
}

XGBoostModel::~XGBoostModel() {
  if (booster_ != nullptr) XGBoosterFree(static_cast<BoosterHandle>(booster_));
}

double XGBoostModel::predict_row(const double* values) const {
  const std::size_t n = info().features.size();
  RowBuffer& b = tl_rows;
  if (values != b.row)
    for (std::size_t i = 0; i < n; ++i) b.row[i] = values[i];
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* out = nullptr;
  if (XGBoosterPredictFromDense(static_cast<BoosterHandle>(booster_), b.interface_for(n), kPredictConfig, b.proxy_handle(),
                                &shape, &dim, &out) != 0 ||
      out == nullptr)
    return std::nan("");  // not expected after the load-time probe; the caller clamps and logs NaN
  return static_cast<double>(out[0]);
}

double XGBoostModel::crash_probability(const Features& f) const {
  RowBuffer& b = tl_rows;
  extract_features(f, info().features, b.row);
  const double p = predict_row(b.row);
  if (std::isfinite(p)) return p;
  // The load-time probe makes this unreachable in practice; a record must still carry a number.
  static std::atomic<bool> logged{false};
  if (!logged.exchange(true)) spdlog::error("xgboost model {}: prediction failed ({}); scoring 0.5", info().id(), last_error());
  return 0.5;
}

}  // namespace spotstream

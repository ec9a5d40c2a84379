#pragma once
//! One interface for every risk model: the documented heuristic (heuristic_model.hpp), logistic
//! regression (logistic_model.hpp) and XGBoost boosters saved by Python (xgboost_model.hpp). Which
//! one runs is chosen by the model file (model_loader.hpp); each carries its metadata (ModelInfo).
//!
//! A RiskModel is immutable once loaded and shared read-only by every shard thread; a hot reload
//! builds a new one and swaps it in (scoring_context.hpp), never changing a model in place.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "src/core/risk.hpp"
#include "src/model/model_features.hpp"

namespace spotstream {

//! What a model file says about its model (docs/risk-models.md, model_loader.hpp).
struct ModelInfo {
  std::string kind;      //!< "heuristic", "logistic" or "xgboost"
  std::string name;      //!< e.g. "logistic-synth"; spot.risk `model`
  std::string version;   //!< e.g. "2025-01-07.1"; spot.risk `model_version`
  std::vector<FeatureId> features;  //!< the model's inputs, in order
  std::string trained_until;        //!< ISO-8601: the last event time of the training data ("" for the heuristic)
  TimestampMs trained_until_ms = 0;
  double threshold = 0.5;   //!< decision threshold on crash_probability (F1-best on validation)
  double avoid_at = 0.5;    //!< label "avoid" at or above this crash_probability
  double caution_at = 0.25; //!< label "caution" at or above this, below avoid_at
  std::map<std::string, double> metrics;  //!< training metrics: auc, precision, recall, f1, rows ...
  std::string source;       //!< where it was loaded from (a path, a topic@offset, "built-in")

  //! "name@version", for logs.
  std::string id() const { return name + "@" + version; }
};

class RiskModel {
 public:
  explicit RiskModel(ModelInfo info) : info_(std::move(info)) {}
  virtual ~RiskModel() = default;
  RiskModel(const RiskModel&) = delete;
  RiskModel& operator=(const RiskModel&) = delete;

  const ModelInfo& info() const { return info_; }

  //! Crash probability in [0, 1] for one pool's features. The per-tick call: no allocation, no
  //! lock; safe to call from several threads at once.
  virtual double crash_probability(const Features& f) const = 0;

  //! Completes a score whose crash_probability is set: stability, label, model name, version and
  //! kind, and the assumptions the model made. Called only for records that are published.
  virtual void describe(const Features& f, RiskScore& s) const;

  //! crash_probability + describe: the whole score of one pool (tests, one-off use).
  RiskScore score(const Features& f) const {
    RiskScore s;
    s.crash_probability = crash_probability(f);
    describe(f, s);
    return s;
  }

 private:
  ModelInfo info_;
};

}  // namespace spotstream

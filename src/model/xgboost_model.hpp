#pragma once
//! XGBoost boosters saved by Python's xgboost (`Booster.save_model("m.json")`), scored through
//! libxgboost's C API (Debian libxgboost-dev): in-place prediction on one dense row per call, NaN
//! as missing, exactly as Python's `predict` sees the same values. The booster must be a binary
//! classifier whose output is a probability (objective binary:logistic) with as many features as
//! the model file lists.
//!
//! The booster handle is created at load and freed with the model; libxgboost's in-place
//! prediction is safe from several threads (each keeps its own output buffer), and the booster is
//! set to one thread per call (the shards are the parallelism).
#include <string>

#include "src/model/risk_model.hpp"

namespace spotstream {

class XGBoostModel final : public RiskModel {
 public:
  //! `booster_json` is the text of the saved booster (xgboost's JSON or UBJSON model format).
  //! Throws std::invalid_argument naming the problem: not a booster, wrong objective, feature
  //! count different from the model file's list, or a probe prediction that is not a probability.
  XGBoostModel(ModelInfo info, const std::string& booster_json);
  ~XGBoostModel() override;

  double crash_probability(const Features& f) const override;

  //! The booster's own prediction for one row of feature values (NaN = missing), in the model
  //! file's feature order: what crash_probability scores, for tests that feed exported rows.
  double predict_row(const double* values) const;

  std::string objective() const { return objective_; }

 private:
  void* booster_ = nullptr;  // BoosterHandle (kept out of this header: xgboost's headers stay in the .cpp)
  std::string objective_;
};

}  // namespace spotstream

#pragma once
//! Logistic regression over a model file's feature list, evaluated with Eigen:
//!   crash_probability = sigmoid(intercept + sum_i coefficient_i * (x_i - mean_i) / scale_i)
//! with a missing input (NaN) taking its training mean, i.e. contributing nothing. `spotstream
//! train` fits it (logistic_fit.hpp); the model file holds the standardised coefficients with the
//! mean and scale they apply to, so a reader can see each input's weight.
#include <vector>

#include <Eigen/Core>

#include "src/model/risk_model.hpp"

namespace spotstream {

struct LogisticParams {
  double intercept = 0;
  std::vector<double> coefficients, mean, scale;  //!< one per feature; scale > 0
};

class LogisticModel final : public RiskModel {
 public:
  //! Throws std::invalid_argument when the sizes differ from the feature list or a value is not
  //! finite (or a scale not positive).
  LogisticModel(ModelInfo info, LogisticParams params);

  double crash_probability(const Features& f) const override;
  const LogisticParams& params() const { return params_; }

 private:
  LogisticParams params_;
  // Standardisation folded in at load: z = bias_ + weights_ . x, with NaN x replaced by fill_.
  double bias_ = 0;
  Eigen::VectorXd weights_, fill_;
};

//! Numerically stable 1 / (1 + e^-z).
double sigmoid(double z);

}  // namespace spotstream

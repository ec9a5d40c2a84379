#include "src/model/logistic_model.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace spotstream {

double sigmoid(double z) {
  if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1.0 + e);
}

LogisticModel::LogisticModel(ModelInfo info, LogisticParams params) : RiskModel(std::move(info)), params_(std::move(params)) {
  const std::size_t n = this->info().features.size();
  if (params_.coefficients.size() != n || params_.mean.size() != n || params_.scale.size() != n)
    throw std::invalid_argument("logistic model: " + std::to_string(n) + " features but " +
                                std::to_string(params_.coefficients.size()) + " coefficients, " +
                                std::to_string(params_.mean.size()) + " means and " +
                                std::to_string(params_.scale.size()) + " scales");
  if (n > kMaxModelFeatures) throw std::invalid_argument("logistic model: more than 64 features");
  if (!std::isfinite(params_.intercept)) throw std::invalid_argument("logistic model: intercept is not finite");
  weights_.resize(static_cast<Eigen::Index>(n));
  fill_.resize(static_cast<Eigen::Index>(n));
  bias_ = params_.intercept;
  for (std::size_t i = 0; i < n; ++i) {
    const double c = params_.coefficients[i], m = params_.mean[i], s = params_.scale[i];
    if (!std::isfinite(c) || !std::isfinite(m) || !std::isfinite(s) || !(s > 0))
      throw std::invalid_argument("logistic model: coefficient, mean or scale of feature '" +
                                  std::string(feature_name(this->info().features[i])) +
                                  "' is not finite (or the scale is not positive)");
    const auto k = static_cast<Eigen::Index>(i);
    weights_[k] = c / s;
    fill_[k] = m;
    bias_ -= c * m / s;
  }
}

double LogisticModel::crash_probability(const Features& f) const {
  const auto& ids = info().features;
  double row[kMaxModelFeatures];
  extract_features(f, ids, row);
  for (std::size_t i = 0; i < ids.size(); ++i)
    if (std::isnan(row[i])) row[i] = fill_[static_cast<Eigen::Index>(i)];
  const Eigen::Map<const Eigen::VectorXd> x(row, static_cast<Eigen::Index>(ids.size()));
  return sigmoid(bias_ + weights_.dot(x));
}

}  // namespace spotstream

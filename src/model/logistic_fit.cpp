#include "src/model/logistic_fit.hpp"

#include <Eigen/Dense>
#include <cmath>

namespace spotstream {

LogisticFitResult fit_logistic(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const LogisticFitOptions& opts) {
  const Eigen::Index n = x.rows(), d = x.cols();
  LogisticFitResult r;
  r.params.mean.assign(static_cast<std::size_t>(d), 0.0);
  r.params.scale.assign(static_cast<std::size_t>(d), 1.0);
  // Standardised design with a leading column of ones for the intercept.
  Eigen::MatrixXd z(n, d + 1);
  z.col(0).setOnes();
  for (Eigen::Index j = 0; j < d; ++j) {
    double sum = 0, sq = 0, known = 0;
    for (Eigen::Index i = 0; i < n; ++i)
      if (const double v = x(i, j); !std::isnan(v)) {
        sum += v;
        ++known;
      }
    const double mean = known > 0 ? sum / known : 0;
    for (Eigen::Index i = 0; i < n; ++i)
      if (const double v = x(i, j); !std::isnan(v)) sq += (v - mean) * (v - mean);
    const double sd = known > 1 ? std::sqrt(sq / known) : 0;
    const double scale = sd > 1e-12 ? sd : 1.0;
    r.params.mean[static_cast<std::size_t>(j)] = mean;
    r.params.scale[static_cast<std::size_t>(j)] = scale;
    for (Eigen::Index i = 0; i < n; ++i) {
      const double v = x(i, j);
      z(i, j + 1) = std::isnan(v) ? 0.0 : (v - mean) / scale;
    }
  }
  Eigen::VectorXd beta = Eigen::VectorXd::Zero(d + 1);
  const double pos = y.sum();
  if (pos > 0 && pos < static_cast<double>(n)) beta[0] = std::log(pos / (static_cast<double>(n) - pos));
  Eigen::MatrixXd penalty = Eigen::MatrixXd::Identity(d + 1, d + 1) * (opts.l2 * static_cast<double>(n));
  penalty(0, 0) = 0;
  for (r.iterations = 1; r.iterations <= opts.max_iterations; ++r.iterations) {
    const Eigen::VectorXd eta = z * beta;
    Eigen::VectorXd p(n), w(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      p[i] = sigmoid(eta[i]);
      w[i] = std::max(p[i] * (1 - p[i]), 1e-12);
    }
    const Eigen::VectorXd grad = z.transpose() * (y - p) - penalty * beta;
    const Eigen::MatrixXd hessian = z.transpose() * w.asDiagonal() * z + penalty;
    const Eigen::VectorXd step = hessian.ldlt().solve(grad);
    beta += step;
    if (step.cwiseAbs().maxCoeff() < opts.tolerance) {
      r.converged = true;
      break;
    }
  }
  r.params.intercept = beta[0];
  r.params.coefficients.resize(static_cast<std::size_t>(d));
  for (Eigen::Index j = 0; j < d; ++j) r.params.coefficients[static_cast<std::size_t>(j)] = beta[j + 1];
  return r;
}

}  // namespace spotstream

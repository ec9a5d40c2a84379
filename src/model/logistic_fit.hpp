#pragma once
//! Fits logistic regression with Eigen: each column standardised by its mean and standard
//! deviation over the rows where it is known (NaN = unknown, imputed with the mean), then Newton's
//! method (iteratively reweighted least squares) on the L2-penalised log-likelihood. The result is
//! what LogisticModel evaluates (logistic_model.hpp), so a fitted model scores rows exactly as the
//! model file it is written to.
#include <Eigen/Core>

#include "src/model/logistic_model.hpp"

namespace spotstream {

struct LogisticFitOptions {
  double l2 = 1e-3;        //!< penalty on the standardised coefficients, per row (intercept unpenalised)
  int max_iterations = 50;
  double tolerance = 1e-9;  //!< stop when the largest Newton step is below this
};

struct LogisticFitResult {
  LogisticParams params;
  int iterations = 0;
  bool converged = false;
};

//! `x`: rows x features (NaN allowed), `y`: 0/1 per row. A column that is constant or always
//! unknown gets scale 1 and, through the penalty, a coefficient of about 0.
LogisticFitResult fit_logistic(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const LogisticFitOptions& opts = {});

}  // namespace spotstream

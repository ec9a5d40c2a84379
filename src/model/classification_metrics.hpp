#pragma once
//! Metrics of a probabilistic classifier on labelled rows: ROC AUC (Mann-Whitney, ties counted
//! half), precision / recall / F1 at a threshold, and the threshold that maximises F1. Used by
//! `spotstream train` and `spotstream evaluate`; plain loops, no model code.
#include <cstddef>
#include <span>

namespace spotstream {

struct ClassMetrics {
  std::size_t rows = 0, positives = 0;
  double auc = 0.5;        //!< 0.5 when one class is absent
  double threshold = 0.5;  //!< the threshold the counts below are for (p >= threshold is positive)
  std::size_t tp = 0, fp = 0, fn = 0, tn = 0;
  double precision = 0, recall = 0, f1 = 0;
};

//! Probability that a random positive scores above a random negative (ties: one half).
double roc_auc(std::span<const double> scores, std::span<const unsigned char> labels);

//! Counts and precision / recall / F1 of `p >= threshold`, plus the AUC.
ClassMetrics classification_metrics(std::span<const double> scores, std::span<const unsigned char> labels,
                                    double threshold);

//! The threshold (one of the scores) whose `p >= threshold` has the highest F1; 0.5 when there is
//! no positive.
double best_f1_threshold(std::span<const double> scores, std::span<const unsigned char> labels);

}  // namespace spotstream

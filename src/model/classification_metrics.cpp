#include "src/model/classification_metrics.hpp"

#include <algorithm>
#include <numeric>
#include <vector>

namespace spotstream {

namespace {

// Row indices by descending score.
std::vector<std::size_t> by_score_desc(std::span<const double> scores) {
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
  return order;
}

}  // namespace

double roc_auc(std::span<const double> scores, std::span<const unsigned char> labels) {
  // Sum over positives of the negatives scored below them, ties counted half, over groups of
  // equal scores walked in ascending order.
  std::vector<std::size_t> order = by_score_desc(scores);
  std::reverse(order.begin(), order.end());
  double pos = 0, neg = 0, below = 0, pairs = 0;
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    double group_pos = 0, group_neg = 0;
    while (j < order.size() && scores[order[j]] == scores[order[i]]) {
      (labels[order[j]] ? group_pos : group_neg) += 1;
      ++j;
    }
    pairs += group_pos * (below + 0.5 * group_neg);
    below += group_neg;
    pos += group_pos;
    neg += group_neg;
    i = j;
  }
  return pos == 0 || neg == 0 ? 0.5 : pairs / (pos * neg);
}

ClassMetrics classification_metrics(std::span<const double> scores, std::span<const unsigned char> labels,
                                    double threshold) {
  ClassMetrics m;
  m.rows = scores.size();
  m.threshold = threshold;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    const bool predicted = scores[i] >= threshold;
    if (labels[i]) {
      ++m.positives;
      ++(predicted ? m.tp : m.fn);
    } else {
      ++(predicted ? m.fp : m.tn);
    }
  }
  m.precision = m.tp + m.fp ? static_cast<double>(m.tp) / static_cast<double>(m.tp + m.fp) : 0;
  m.recall = m.tp + m.fn ? static_cast<double>(m.tp) / static_cast<double>(m.tp + m.fn) : 0;
  m.f1 = m.precision + m.recall > 0 ? 2 * m.precision * m.recall / (m.precision + m.recall) : 0;
  m.auc = roc_auc(scores, labels);
  return m;
}

double best_f1_threshold(std::span<const double> scores, std::span<const unsigned char> labels) {
  const std::size_t total_pos = static_cast<std::size_t>(std::count_if(labels.begin(), labels.end(), [](unsigned char l) { return l != 0; }));
  if (total_pos == 0) return 0.5;
  const auto order = by_score_desc(scores);
  // Lowering the threshold through the scores, one group of equal scores at a time.
  double best_f1 = -1, best = 0.5;
  std::size_t tp = 0, predicted = 0;
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j < order.size() && scores[order[j]] == scores[order[i]]) {
      tp += labels[order[j]] ? 1 : 0;
      ++predicted;
      ++j;
    }
    const double f1 = 2.0 * static_cast<double>(tp) / static_cast<double>(predicted + total_pos);
    if (f1 > best_f1) {
      best_f1 = f1;
      best = scores[order[i]];
    }
    i = j;
  }
  return best;
}

}  // namespace spotstream

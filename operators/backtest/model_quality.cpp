#include "operators/backtest/model_quality.hpp"

#include <algorithm>
#include <unordered_map>

namespace spotstream {

namespace {

LabelQuality measure(const std::vector<double>& p, const std::vector<unsigned char>& y, double gate) {
  LabelQuality q;
  q.at_gate = classification_metrics(p, y, gate);
  q.best = classification_metrics(p, y, best_f1_threshold(p, y));
  q.base_rate = p.empty() ? 0 : static_cast<double>(q.at_gate.positives) / static_cast<double>(p.size());
  return q;
}

}  // namespace

ModelQuality model_quality(const BacktestWorld& w, QualityLabels labels) {
  ModelQuality q;
  q.labels = labels;
  std::unordered_map<std::string, std::vector<TimestampMs>> notices;  // by pool, ascending
  for (const auto& n : w.notices)
    if (n.kind == SignalKind::Interruption) notices[n.pool].push_back(n.ts);
  std::vector<double> p;
  std::vector<unsigned char> rise, notice;
  for (const auto& s : w.scored()) {
    if (s.ts < w.start || s.ts >= w.end) continue;
    ++q.scores;
    if (s.ts + labels.horizon_ms > w.end) {
      ++q.censored;
      continue;
    }
    const auto& pool = w.scored_pool(s);
    const auto now = w.ledger.price_at(pool, s.ts);
    const auto peak = w.ledger.max_in(pool, s.ts, s.ts + labels.horizon_ms);
    const auto it = notices.find(pool);
    bool noticed = false;
    if (it != notices.end()) {
      const auto next = std::upper_bound(it->second.begin(), it->second.end(), s.ts);
      noticed = next != it->second.end() && *next <= s.ts + labels.horizon_ms;
    }
    p.push_back(s.crash_probability);
    rise.push_back(now && peak && *peak >= *now * (1 + labels.rise));
    notice.push_back(noticed);
  }
  q.rise = measure(p, rise, w.settings.gate);
  q.notice = measure(p, notice, w.settings.gate);
  return q;
}

}  // namespace spotstream

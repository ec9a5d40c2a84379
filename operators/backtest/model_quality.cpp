#include "operators/backtest/model_quality.hpp"

#include <algorithm>
#include <deque>
#include <map>
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


// The rise label of every score of one pool (ascending time), in one pass over the pool's prices: a
// sliding maximum over (ts, ts + horizon] with a deque of decreasing prices.
void rise_labels(const PriceLedger::Steps* steps, const std::vector<const BacktestWorld::Scored*>& rows,
                 const QualityLabels& labels, std::vector<unsigned char>& out) {
  out.assign(rows.size(), 0);
  if (!steps || steps->empty()) return;
  std::deque<std::pair<TimestampMs, double>> window;  // prices taking effect in (ts, ts + horizon]
  auto next = steps->begin();  // the next price to enter the window
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const TimestampMs ts = rows[k]->ts, until = ts + labels.horizon_ms;
    for (; next != steps->end() && next->first <= until; ++next) {
      while (!window.empty() && window.back().second <= next->second) window.pop_back();
      window.emplace_back(next->first, next->second);
    }
    while (!window.empty() && window.front().first <= ts) window.pop_front();
    const auto now = PriceLedger::after(*steps, ts);
    if (now == steps->begin() || window.empty()) continue;
    out[k] = window.front().second >= std::prev(now)->second * (1 + labels.rise);
  }
}

}  // namespace

ModelQuality model_quality(const BacktestWorld& w, QualityLabels labels) {
  ModelQuality q;
  q.labels = labels;
  std::unordered_map<std::string, std::vector<TimestampMs>> notices;  // by pool, ascending
  for (const auto& n : w.notices)
    if (n.kind == SignalKind::Interruption) notices[n.pool].push_back(n.ts);
  // Labelled scores by pool, each pool's in time order.
  std::map<std::uint32_t, std::vector<const BacktestWorld::Scored*>> by_pool;
  for (const auto& s : w.scored()) {
    if (s.ts < w.start || s.ts >= w.end) continue;
    ++q.scores;
    if (s.ts + labels.horizon_ms > w.end) {
      ++q.censored;
      continue;
    }
    by_pool[s.pool].push_back(&s);
  }
  std::vector<double> p;
  std::vector<unsigned char> rise, notice, pool_rise;
  for (const auto& [index, rows] : by_pool) {
    const auto& pool = w.scored_pool(*rows.front());
    rise_labels(w.ledger.steps(pool), rows, labels, pool_rise);
    const auto it = notices.find(pool);
    for (std::size_t k = 0; k < rows.size(); ++k) {
      const TimestampMs ts = rows[k]->ts;
      bool noticed = false;
      if (it != notices.end()) {
        const auto after = std::upper_bound(it->second.begin(), it->second.end(), ts);
        noticed = after != it->second.end() && *after <= ts + labels.horizon_ms;
      }
      p.push_back(rows[k]->crash_probability);
      rise.push_back(pool_rise[k]);
      notice.push_back(noticed);
    }
  }
  q.rise = measure(p, rise, w.settings.gate);
  q.notice = measure(p, notice, w.settings.gate);
  return q;
}

}  // namespace spotstream

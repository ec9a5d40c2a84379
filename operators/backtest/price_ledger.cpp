#include "operators/backtest/price_ledger.hpp"

#include <algorithm>
#include <optional>


namespace spotstream {

void PriceLedger::add(const std::string& pool, TimestampMs ts, double usd_per_hour) {
  auto& steps = prices_[pool];
  if (steps.empty() || steps.back().first < ts) {
    steps.emplace_back(ts, usd_per_hour);
    return;
  }
  const auto at = std::lower_bound(steps.begin(), steps.end(), ts, [](const auto& s, TimestampMs t) { return s.first < t; });
  if (at != steps.end() && at->first == ts) at->second = usd_per_hour;  // the latest word on that time
  else steps.insert(at, {ts, usd_per_hour});
}

PriceLedger::Steps::const_iterator PriceLedger::after(const Steps& steps, TimestampMs ts) {
  return std::upper_bound(steps.begin(), steps.end(), ts, [](TimestampMs t, const auto& s) { return t < s.first; });
}

void PriceLedger::add(const PriceTick& t) {
  add(t.pool_id(), t.ts, t.spot_price);
  if (!t.has_on_demand()) return;
  auto& latest = on_demand_[t.region + "/" + t.instance_type];
  if (t.ts >= latest.first) latest = {t.ts, t.on_demand_price};
}

std::optional<double> PriceLedger::on_demand(std::string_view region, std::string_view instance_type) const {
  const auto it = on_demand_.find(std::string(region) + "/" + std::string(instance_type));
  if (it != on_demand_.end()) return it->second.second;
  return catalog_->price(region, instance_type);
}

std::vector<std::string> PriceLedger::pools() const {
  std::vector<std::string> out;
  out.reserve(prices_.size());
  for (const auto& [pool, steps] : prices_) out.push_back(pool);
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<double> PriceLedger::price_at(std::string_view pool, TimestampMs ts) const {
  const auto p = prices_.find(pool);
  if (p == prices_.end()) return std::nullopt;
  const auto it = after(p->second, ts);
  if (it == p->second.begin()) return std::nullopt;
  return std::prev(it)->second;
}

const PriceLedger::Steps* PriceLedger::steps(std::string_view pool) const {
  const auto p = prices_.find(pool);
  return p == prices_.end() ? nullptr : &p->second;
}

PriceLedger::Bill PriceLedger::run(std::string_view pool, TimestampMs from, TimestampMs to) const {
  if (to < from) return Bill{};
  // Whole seconds, at least the minimum: the billed end may lie past the termination.
  const TimestampMs seconds = (to - from + 999) / 1000;
  return integral(pool, from, from + std::max(seconds * 1000, kMinimumBilledMs));
}

PriceLedger::Bill PriceLedger::integral(std::string_view pool, TimestampMs from, TimestampMs end) const {
  Bill bill;
  if (end <= from) return bill;
  const auto p = prices_.find(pool);
  if (p == prices_.end()) {
    bill.unpriced_ms = end - from;
    return bill;
  }
  const auto& steps = p->second;
  auto it = after(steps, from);
  TimestampMs at = from;
  if (it == steps.begin()) {  // before the first tick: no price known
    const TimestampMs priced_from = std::min(end, it->first);
    bill.unpriced_ms = priced_from - from;
    at = priced_from;
  }
  double usd_ms = 0;  // price x milliseconds, in USD/h x ms
  while (at < end) {
    it = after(steps, at);
    const double price = std::prev(it)->second;
    const TimestampMs until = it == steps.end() ? end : std::min(end, it->first);
    usd_ms += price * static_cast<double>(until - at);
    at = until;
  }
  bill.usd = usd_ms / 3'600'000.0;
  return bill;
}

}  // namespace spotstream

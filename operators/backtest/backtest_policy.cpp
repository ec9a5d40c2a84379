#include "operators/backtest/backtest_policy.hpp"

#include "src/core/time.hpp"

#include <limits>

namespace spotstream {

namespace {

class FollowDecisions : public BacktestPolicy {
 public:
  std::string name() const override { return "spotstream"; }
  std::string what() const override {
    return "follows every decision literally: SWITCH to its target, STAY back to the home pool, EVACUATE / DRAIN on "
           "AWS signals";
  }
  std::string start(std::size_t i, const BacktestWorld& w) const override { return w.nodes[i].home; }
  bool reacts() const override { return true; }
  bool follows_decisions() const override { return true; }
};

class ReactiveOnly : public BacktestPolicy {
 public:
  std::string name() const override { return "reactive-only"; }
  std::string what() const override {
    return "acts on AWS signals only (EVACUATE / DRAIN), never on risk: what AWS Node Termination Handler does";
  }
  std::string start(std::size_t i, const BacktestWorld& w) const override { return w.nodes[i].home; }
  bool reacts() const override { return true; }
};

class OnDemand : public BacktestPolicy {
 public:
  std::string name() const override { return "on-demand"; }
  std::string what() const override { return "every node on-demand, its own instance type, throughout"; }
  std::string start(std::size_t, const BacktestWorld&) const override { return std::string(kOnDemandLocation); }
};

class Stay : public BacktestPolicy {
 public:
  std::string name() const override { return "stay"; }
  std::string what() const override {
    return "every node stays in its home pool and is relaunched there when interrupted";
  }
  std::string start(std::size_t i, const BacktestWorld& w) const override { return w.nodes[i].home; }
};

class HindsightBest : public BacktestPolicy {
 public:
  std::string name() const override { return "hindsight-best"; }
  std::string what() const override {
    return "the single compatible pool that, known in hindsight, bills least over the period (restart costs of its "
           "interruptions included); relaunched there when interrupted";
  }
  std::string start(std::size_t i, const BacktestWorld& w) const override {
    std::string best = w.nodes[i].home;
    double best_usd = std::numeric_limits<double>::infinity();
    for (const auto& p : w.compatible(i, w.start)) {
      const auto bill = w.ledger.run(p.pool, w.start, w.end);
      if (bill.unpriced_ms > 0) continue;
      double usd = bill.usd;
      for (const auto& n : w.notices)
        if (n.pool == p.pool && n.kind == SignalKind::Interruption) usd += w.sim.restart_cost_usd;
      if (usd < best_usd) best_usd = usd, best = p.pool;
    }
    return best;
  }
};

class LowestPrice : public BacktestPolicy {
 public:
  std::string name() const override { return "lowest-price"; }
  std::string what() const override {
    return "every hour, each node moves to the cheapest compatible pool (the lowest-price allocation strategy); "
           "relaunched in the cheapest when interrupted";
  }
  std::string start(std::size_t i, const BacktestWorld& w) const override {
    const auto p = cheapest_pool(i, w.start, w);
    return p.empty() ? w.nodes[i].home : p;
  }
  TimestampMs period_ms() const override { return kHourMs; }
  std::string place(std::size_t i, TimestampMs t, const BacktestWorld& w, const std::string& current) const override {
    const auto p = cheapest_pool(i, t, w);
    const auto now = w.ledger.price_at(current, t), there = w.ledger.price_at(p, t);
    return !p.empty() && there && (!now || *there < *now) ? p : current;
  }
  std::string restart(std::size_t i, TimestampMs t, const std::string& lost, const BacktestWorld& w) const override {
    const auto p = cheapest_pool(i, t, w);
    return p.empty() ? lost : p;
  }
};

class LowestBand : public BacktestPolicy {
 public:
  std::string name() const override { return "lowest-band"; }
  std::string what() const override {
    return "each node in the compatible pool of the lowest Spot Advisor interruption band, the cheapest among them "
           "(like capacity-optimized); chosen again when interrupted";
  }
  std::string unavailable(const BacktestWorld& w) const override {
    return w.bands_known() ? std::string() : "no Spot Advisor bands (risk.spot_advisor_file is not set)";
  }
  std::string start(std::size_t i, const BacktestWorld& w) const override { return choose(i, w.start, w, ""); }
  std::string restart(std::size_t i, TimestampMs t, const std::string& lost, const BacktestWorld& w) const override {
    return choose(i, t, w, lost);
  }

 private:
  static std::string choose(std::size_t i, TimestampMs t, const BacktestWorld& w, const std::string& fallback) {
    std::string best;
    int best_band = std::numeric_limits<int>::max();
    double best_price = std::numeric_limits<double>::infinity();
    for (const auto& p : w.compatible(i, t)) {
      const auto price = w.ledger.price_at(p.pool, t);
      if (p.band < 0 || !price) continue;
      if (p.band < best_band || (p.band == best_band && *price < best_price))
        best = p.pool, best_band = p.band, best_price = *price;
    }
    return !best.empty() ? best : !fallback.empty() ? fallback : w.nodes[i].home;
  }
};

}  // namespace

std::string cheapest_pool(std::size_t i, TimestampMs t, const BacktestWorld& w) {
  std::string best;
  double best_price = std::numeric_limits<double>::infinity();
  for (const auto& p : w.compatible(i, t))
    if (const auto price = w.ledger.price_at(p.pool, t); price && *price < best_price) best = p.pool, best_price = *price;
  return best;
}

std::vector<std::unique_ptr<BacktestPolicy>> backtest_policies() {
  std::vector<std::unique_ptr<BacktestPolicy>> out;
  out.push_back(std::make_unique<FollowDecisions>());
  out.push_back(std::make_unique<ReactiveOnly>());
  out.push_back(std::make_unique<Stay>());
  out.push_back(std::make_unique<OnDemand>());
  out.push_back(std::make_unique<HindsightBest>());
  out.push_back(std::make_unique<LowestPrice>());
  out.push_back(std::make_unique<LowestBand>());
  return out;
}

}  // namespace spotstream

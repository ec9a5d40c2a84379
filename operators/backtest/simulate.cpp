#include "operators/backtest/simulate.hpp"

#include <algorithm>
#include <optional>
#include <tuple>
#include <unordered_map>

namespace spotstream {

namespace {

// At equal times: decisions, then notices, then re-placement, then terminations (a move decided at
// a notice's termination time does not save the instance).
enum class Step : int { Decision = 0, Notice = 1, Period = 2, Termination = 3 };

struct Item {
  TimestampMs t;
  Step step;
  std::size_t index;
  bool operator<(const Item& o) const { return std::tie(t, step, index) < std::tie(o.t, o.step, o.index); }
};

std::vector<Item> timeline(const BacktestWorld& w, const BacktestPolicy& policy) {
  std::vector<Item> items;
  if (policy.follows_decisions())
    for (std::size_t k = 0; k < w.decisions.size(); ++k) items.push_back({w.decisions[k].ts, Step::Decision, k});
  for (std::size_t k = 0; k < w.notices.size(); ++k) {
    items.push_back({w.notices[k].ts, Step::Notice, k});
    if (w.notices[k].kind == SignalKind::Interruption) items.push_back({w.notices[k].ends(), Step::Termination, k});
  }
  if (const auto period = policy.period_ms(); period > 0)
    for (TimestampMs t = w.start + period; t < w.end; t += period) items.push_back({t, Step::Period, 0});
  std::erase_if(items, [&](const Item& i) { return i.t < w.start || i.t >= w.end; });
  std::stable_sort(items.begin(), items.end());
  return items;
}

class Run {
 public:
  Run(const BacktestWorld& w, const BacktestPolicy& p)
      : w_(w), p_(p), sim_(w.ledger, w.sim, w.nodes, w.start), hit_(w.notices.size()), losing_until_(w.nodes.size(), 0) {
    by_instance_ = w.node_of_instance();
    for (std::size_t i = 0; i < w.nodes.size(); ++i) sim_.place(i, p.start(i, w), w.start);
  }

  PolicyResult operator()() {
    for (const auto& item : timeline(w_, p_)) {
      switch (item.step) {
        case Step::Decision: decision(w_.decisions[item.index]); break;
        case Step::Notice: notice(item.index); break;
        case Step::Period: replace(item.t); break;
        case Step::Termination: terminate(item.index); break;
      }
    }
    r_.name = p_.name();
    r_.what = p_.what();
    r_.outcome = sim_.finish(w_.end);
    return std::move(r_);
  }

 private:
  void decision(const Decision& d) {
    const auto it = by_instance_.find(d.instance_id);
    // The node's own signals: the notices act. A sibling's: drain or switch it out of the noticed
    // pool (its home: the engine knows the node by its join), if it is still there.
    const bool sibling = d.why == "sibling";
    if (it == by_instance_.end() || (d.signal != "none" && !sibling)) return;
    const std::size_t i = it->second;
    // A relaunched instance's join: the node is where its signal decision sent it already.
    const auto* relaunch = w_.nodes[i].relaunch_at(d.ts);
    if (d.kind == DecisionKind::Stay && relaunch && relaunch->at == d.ts && relaunch->join.instance_id == d.instance_id)
      return;
    const std::string noticed = PoolId::text(d.az, d.instance_type, d.product);
    if (sibling && sim_.location(i) != noticed) return;
    std::string to;
    if (sibling) to = d.kind == DecisionKind::Switch && !d.target.empty() ? d.target : w_.replacement(i, d.ts, noticed);
    else if (d.kind == DecisionKind::Switch) to = d.target;
    else if (d.kind == DecisionKind::Stay) to = w_.nodes[i].home_at(d.ts);
    if (to.empty() || to == sim_.location(i)) return;
    const auto now = sim_.hourly(i, sim_.location(i), d.ts);
    auto there = sim_.hourly(i, to, d.ts);
    if (there && !d.plan.empty() && d.plan_nodes > 0) *there /= d.plan_nodes;  // its share of the plan's instance
    const bool safety = sibling || d.crash_probability > w_.settings.gate;
    if (now && there && *there > *now && !safety) ++r_.costlier_without_safety;
    ++r_.decisions_followed;
    sim_.move(i, to, d.ts, d.plan, d.plan_nodes);
  }

  void notice(std::size_t k) {
    const PoolNotice& n = w_.notices[k];
    const auto hit = notice_target(n, w_.nodes, [&](std::size_t i) {
      return sim_.runs_in(i, n.pool, n.ts) && losing_until_[i] <= n.ts;
    });
    if (!hit) return;
    const std::size_t i = *hit;
    sim_.noticed(n.kind, n.ts, n.ends());
    if (n.kind == SignalKind::Interruption) {
      hit_[k] = i;
      losing_until_[i] = n.ends();
    }
    if (!p_.reacts()) return;
    const auto to = w_.replacement(i, n.ts, n.pool);
    if (n.kind == SignalKind::Interruption) sim_.evacuate(i, to, n.ts, n.ends());
    else sim_.move(i, to, n.ts);
  }

  void terminate(std::size_t k) {
    const PoolNotice& n = w_.notices[k];
    const TimestampMs at = n.ends();
    if (const auto i = hit_[k]; i && sim_.runs_in(*i, n.pool, at)) sim_.interrupt(*i, p_.restart(*i, at, n.pool, w_), at);
  }

  void replace(TimestampMs t) {
    for (std::size_t i = 0; i < sim_.size(); ++i) {
      const auto to = p_.place(i, t, w_, sim_.location(i));
      if (to != sim_.location(i)) sim_.move(i, to, t);
    }
  }

  const BacktestWorld& w_;
  const BacktestPolicy& p_;
  FleetSim sim_;
  std::unordered_map<std::string, std::size_t> by_instance_;
  std::vector<std::optional<std::size_t>> hit_;  //!< per interruption notice: the node it reached
  std::vector<TimestampMs> losing_until_;        //!< per node: the termination of a notice it got
  PolicyResult r_;
};

}  // namespace

PolicyResult simulate(const BacktestWorld& w, const BacktestPolicy& policy) {
  if (auto why = policy.unavailable(w); !why.empty()) {
    PolicyResult r;
    r.name = policy.name();
    r.what = policy.what();
    r.unavailable = std::move(why);
    return r;
  }
  return Run(w, policy)();
}

}  // namespace spotstream

#include "operators/backtest/backtest_world.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <numeric>

#include "src/core/hash.hpp"

namespace spotstream {

std::optional<std::size_t> notice_target(const PoolNotice& n, const std::vector<SimNode>& nodes,
                                         const std::function<bool(std::size_t)>& eligible) {
  std::optional<std::size_t> best;
  std::uint64_t best_rank = 0;
  const auto when = std::to_string(n.ts);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (!eligible(i)) continue;
    const auto rank = fnv1a64_fields({n.instance, when, nodes[i].join.node_id});
    if (!best || rank < best_rank) best = i, best_rank = rank;
  }
  return best;
}

BacktestWorld::BacktestWorld(DecisionSettings s, std::shared_ptr<const ScoringContext> scoring)
    : settings(s), scores_(s.instant_ms), feeder_(scores_.add_feeder()), engine_(s, std::move(scoring), scores_) {}

void BacktestWorld::score(const RiskRecord& r) {
  feeder_.update(r);
  std::lock_guard lock(scoring_);
  if (r.features.advisor_band >= 0) bands_known_ = true;
  const auto [it, fresh] = scored_index_.emplace(r.pool, static_cast<std::uint32_t>(scored_pools_.size()));
  if (fresh) scored_pools_.push_back(r.pool);
  scored_.push_back(Scored{it->second, r.ts, r.score.crash_probability});
}

void BacktestWorld::order_scores() {
  std::vector<std::uint32_t> by_name(scored_pools_.size()), rank(scored_pools_.size());
  std::iota(by_name.begin(), by_name.end(), 0u);
  std::sort(by_name.begin(), by_name.end(), [&](auto a, auto b) { return scored_pools_[a] < scored_pools_[b]; });
  for (std::uint32_t k = 0; k < by_name.size(); ++k) rank[by_name[k]] = k;
  std::sort(scored_.begin(), scored_.end(), [&](const Scored& a, const Scored& b) {
    return a.ts != b.ts ? a.ts < b.ts : rank[a.pool] < rank[b.pool];
  });
  // Pools numbered by their first score, as when the records were scored one by one in that order.
  constexpr auto kUnseen = std::numeric_limits<std::uint32_t>::max();
  std::vector<std::uint32_t> number(scored_pools_.size(), kUnseen);
  std::vector<std::string> pools;
  pools.reserve(scored_pools_.size());
  for (auto& s : scored_) {
    auto& n = number[s.pool];
    if (n == kUnseen) {
      n = static_cast<std::uint32_t>(pools.size());
      pools.push_back(std::move(scored_pools_[s.pool]));
    }
    s.pool = n;
  }
  scored_pools_ = std::move(pools);
  scored_index_.clear();
  for (std::uint32_t k = 0; k < scored_pools_.size(); ++k) scored_index_.emplace(scored_pools_[k], k);
}

void BacktestWorld::settle_signal_decisions() {
  const auto by_instance = node_of_instance();
  for (auto& d : decisions) {
    const auto node = by_instance.find(d.instance_id);
    if (d.signal == "none" || node == by_instance.end()) continue;
    const auto& home = nodes[node->second].home_at(d.ts);
    const auto scores = scores_.region_as_of(d.region, d.ts);
    const auto price = [&](const std::string& pool) {
      if (pool == kOnDemandLocation) return ledger.on_demand(d.region, d.instance_type).value_or(kAbsent);
      for (const auto& p : scores)
        if (p.pool == pool) return p.spot_price;
      return kAbsent;
    };
    d.crash_probability = kAbsent;
    for (const auto& p : scores)
      if (p.pool == home) d.crash_probability = p.crash_probability;
    d.current_price_per_hour = price(home);
    d.yield = kAbsent;
    for (const char* tail : {"; replacement", "; no safe spot pool"})
      if (const auto cut = d.reason.find(tail); cut != std::string::npos) d.reason.resize(cut);
    if (d.kind == DecisionKind::Evacuate || d.kind == DecisionKind::Switch) {  // SWITCH: a sibling's
      d.target = replacement(node->second, d.ts, home);
      d.target_price_per_hour = price(d.target);
      d.reason += "; replacement as of the notice: " + d.target;
    }
  }
}

std::unordered_map<std::string, std::size_t> BacktestWorld::node_of_instance() const {
  std::unordered_map<std::string, std::size_t> out;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    out[nodes[i].join.instance_id] = i;
    for (const auto& r : nodes[i].relaunches) out[r.join.instance_id] = i;
  }
  return out;
}

std::size_t BacktestWorld::relaunch_after_signals() {
  const auto by_instance = node_of_instance();
  std::size_t added = 0;
  for (const auto& d : decisions) {
    const auto it = by_instance.find(d.instance_id);
    if (d.signal == "none" || d.kind == DecisionKind::Stay || it == by_instance.end()) continue;
    SimNode& n = nodes[it->second];
    if (n.instance() != d.instance_id) continue;  // an instance relaunched already
    const std::string to = !d.target.empty() ? d.target : replacement(it->second, d.ts, n.home_at(d.ts));
    const auto pool = PoolId::parse(to);
    if (!pool) continue;  // on-demand: not a pool the engine scores
    // The new instance joins once it serves: a migration after the decision.
    const TimestampMs at = d.ts + sim.migration_ms;
    FleetEvent j = n.join;
    j.ts = at;
    j.instance_id = fmt::format("{}-r{}", n.join.instance_id, n.relaunches.size() + 1);
    j.az = pool->az;
    j.instance_type = pool->instance_type;
    j.product = pool->product;
    // The node's needs stay its own (not what the new type offers).
    if (j.vcpu <= 0 || j.memory_gib <= 0)
      if (const auto hw = engine_.filter().hardware(n.join.instance_type)) {
        if (j.vcpu <= 0) j.vcpu = hw->vcpu;
        if (j.memory_gib <= 0) j.memory_gib = hw->memory_gib;
        if (j.arch.empty()) j.arch = hw->arch;
      }
    n.relaunches.push_back(SimNode::Relaunch{at, to, std::move(j)});
    ++added;
  }
  return added;
}

NodeNeeds BacktestWorld::needs(std::size_t node) const { return engine_.filter().needs_of(nodes[node].join); }

std::string BacktestWorld::replacement(std::size_t node, TimestampMs t, std::string_view pool) const {
  if (!noticed_) {
    noticed_.emplace();
    for (const auto& n : notices) noticed_->record(n.pool, n.kind, n.ts, "");
  }
  return engine_.replacement(needs(node), t, pool, &*noticed_);
}

std::vector<PoolRisk> BacktestWorld::compatible(std::size_t node, TimestampMs t) const {
  const auto n = needs(node);
  // The own pool sets which larger sizes are admitted (rightsizing): nodes share an answer when
  // they share their home pool and needs.
  auto key = std::make_pair(fmt::format("{}|{}|{}|{}|{}|{}", n.az, n.instance_type, n.product, n.vcpu,
                                        n.memory_gib, n.arch), t);
  if (const auto it = compatible_memo_.find(key); it != compatible_memo_.end()) return it->second;
  if (compatible_memo_.size() > 100000) compatible_memo_.clear();
  const auto scores = scores_.region_as_of(n.region, t);
  const auto f = engine_.filter()(n, scores);
  std::vector<PoolRisk> out;
  if (f.own) out.push_back(*f.own->risk);
  for (const auto& c : f.others) out.push_back(*c.risk);
  std::sort(out.begin(), out.end(), [](const PoolRisk& a, const PoolRisk& b) { return a.pool < b.pool; });
  compatible_memo_.emplace(std::move(key), out);
  return out;
}

}  // namespace spotstream

#include "topology/backtest.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include "src/codec/json_encoder.hpp"
#include "src/core/time.hpp"
#include "topology/decision_services.hpp"
#include "topology/live_topology.hpp"

namespace spotstream {

namespace {

struct PoolInfo {
  std::string region, az, type, product;
};

//! Every pool of the price input with its identity.
std::map<std::string, PoolInfo> pools_of(const std::vector<PriceTick>& ticks) {
  std::map<std::string, PoolInfo> pools;
  for (const auto& t : ticks)
    if (auto id = t.pool_id(); !pools.contains(id)) pools.emplace(std::move(id), PoolInfo{t.region, t.az, t.instance_type, t.product});
  return pools;
}

//! The most frequent value of `key` over the pools that pass `keep` (ties: the smallest).
template <typename Key, typename Keep>
std::string most_common(const std::map<std::string, PoolInfo>& pools, Key key, Keep keep) {
  std::map<std::string, int> count;
  for (const auto& [id, p] : pools)
    if (keep(p)) ++count[key(p)];
  std::string best;
  int n = 0;
  for (const auto& [value, c] : count)
    if (c > n) best = value, n = c;
  return best;
}

//! The nodes' type when none is given: the type most of the market's own fleet runs (the signals
//! are about those pools), else the type with the most pools; ties go to the cheapest at `start`.
std::string default_type(const std::map<std::string, PoolInfo>& pools, const std::vector<FleetEvent>& fleet,
                         const PriceLedger& ledger, TimestampMs start) {
  std::map<std::string, int> count;
  for (const auto& f : fleet)
    if (f.action == FleetAction::Join) ++count[f.instance_type];
  if (count.empty())
    for (const auto& [id, p] : pools) ++count[p.type];
  std::map<std::string, double> cheapest;
  for (const auto& [id, p] : pools)
    if (const auto price = ledger.price_at(id, start); price && count.contains(p.type))
      if (auto [it, fresh] = cheapest.emplace(p.type, *price); !fresh) it->second = std::min(it->second, *price);
  std::string best;
  std::tuple<int, double> best_key{0, 0.0};
  for (const auto& [type, n] : count) {
    const auto price = cheapest.find(type);
    if (price == cheapest.end()) continue;
    const std::tuple<int, double> key{-n, price->second};
    if (best.empty() || key < best_key) best = type, best_key = key;
  }
  return best;
}

std::vector<SimNode> sim_fleet(const SimFleetOptions& o, const std::map<std::string, PoolInfo>& pools,
                               const std::vector<FleetEvent>& market_fleet, const PriceLedger& ledger, TimestampMs start) {
  if (o.nodes < 1) throw BacktestError("--nodes must be at least 1");
  std::vector<std::string> homes = o.pools;
  std::string type = o.instance_type, region = o.region, product = o.product;
  if (homes.empty()) {
    // Defaults come from the pools with a price at the start: the others cannot take a node then.
    std::map<std::string, PoolInfo> priced_pools;
    for (const auto& [id, p] : pools)
      if (ledger.price_at(id, start)) priced_pools.emplace(id, p);
    if (type.empty()) type = default_type(priced_pools, market_fleet, ledger, start);
    const auto of_type = [&](const PoolInfo& p) { return p.type == type; };
    if (region.empty()) {  // where the market's own nodes of the type run (its signals are there), else most pools
      std::map<std::string, int> nodes_in;
      for (const auto& f : market_fleet)
        if (f.action == FleetAction::Join && f.instance_type == type) ++nodes_in[f.region];
      int most = 0;
      for (const auto& [r, n] : nodes_in) {
        const bool priced = std::any_of(priced_pools.begin(), priced_pools.end(),
                                        [&, &r = r](const auto& p) { return of_type(p.second) && p.second.region == r; });
        if (priced && n > most) region = r, most = n;
      }
    }
    if (region.empty()) region = most_common(priced_pools, [](const PoolInfo& p) { return p.region; }, of_type);
    if (product.empty())
      product = most_common(priced_pools, [](const PoolInfo& p) { return p.product; },
                            [&](const PoolInfo& p) { return of_type(p) && p.region == region; });
    std::vector<std::pair<double, std::string>> priced;
    for (const auto& [id, p] : pools)
      if (p.type == type && p.region == region && p.product == product)
        if (const auto price = ledger.price_at(id, start)) priced.emplace_back(*price, id);
    std::sort(priced.begin(), priced.end());
    for (auto& [price, id] : priced) homes.push_back(id);
    if (homes.empty())
      throw BacktestError("no pool of " + (type.empty() ? std::string("any type") : type) + " in " +
                          (region.empty() ? std::string("any region") : region) + " has a price at the start (" +
                          format_iso8601(start) + "): nowhere to place the fleet");
  }
  std::vector<SimNode> nodes;
  for (int k = 0; k < o.nodes; ++k) {
    const auto& home = homes[static_cast<std::size_t>(k) % homes.size()];
    const auto p = pools.find(home);
    if (p == pools.end() || !ledger.price_at(home, start))
      throw BacktestError("start pool " + home + " has no price at the start (" + format_iso8601(start) + ")");
    SimNode n;
    auto& j = n.join;
    j.action = FleetAction::Join;
    j.ts = start;
    j.fleet = "backtest";
    j.node_id = fmt::format("sim-node-{:04d}", k + 1);
    j.instance_id = fmt::format("i-sim{:04d}", k + 1);
    j.region = p->second.region;
    j.az = p->second.az;
    j.instance_type = p->second.type;
    j.product = p->second.product;
    j.vcpu = o.vcpu;
    j.memory_gib = o.memory_gib;
    n.home = home;
    nodes.push_back(std::move(n));
  }
  return nodes;
}

}  // namespace

std::vector<PoolNotice> pool_notices(std::vector<Signal> signals, std::vector<FleetEvent> fleet, TimestampMs start,
                                     TimestampMs end, std::uint64_t& unplaced) {
  std::stable_sort(fleet.begin(), fleet.end(), [](const auto& a, const auto& b) { return a.ts < b.ts; });
  std::stable_sort(signals.begin(), signals.end(), [](const auto& a, const auto& b) { return a.ts < b.ts; });
  std::unordered_map<std::string, std::string> pool_of;
  std::size_t next = 0;
  std::set<std::tuple<std::string, int, TimestampMs>> seen;  // the same signal from two sources
  std::vector<PoolNotice> out;
  for (const auto& s : signals) {
    for (; next < fleet.size() && fleet[next].ts <= s.ts; ++next)
      if (fleet[next].action == FleetAction::Join)
        pool_of[fleet[next].instance_id] = PoolId::text(fleet[next].az, fleet[next].instance_type, fleet[next].product);
    const auto it = pool_of.find(s.instance_id);
    if (it == pool_of.end()) {
      ++unplaced;
      continue;
    }
    if (s.ts < start || s.ts >= end) continue;
    const TimestampMs when = s.kind == SignalKind::Interruption ? s.action_time : s.ts;
    if (!seen.emplace(s.instance_id, static_cast<int>(s.kind), when).second) continue;
    out.push_back(PoolNotice{s.ts, s.kind == SignalKind::Interruption ? s.action_time : 0, it->second, s.kind, s.action,
                             s.instance_id});
  }
  return out;
}

namespace {

//! What the engine replays besides the ticks: the simulated fleet's joins, and each notice as a
//! signal for the node it reaches in the engine's view (its nodes never leave their home pool there).
std::vector<Event> engine_events(const BacktestWorld& w, std::uint64_t& signals) {
  std::vector<Event> events;
  events.reserve(3 * w.nodes.size() + w.notices.size());
  for (const auto& n : w.nodes) {
    events.emplace_back(n.join);
    const FleetEvent* previous = &n.join;
    for (const auto& r : n.relaunches) {  // the old instance leaves as the new one joins
      FleetEvent leave = *previous;
      leave.action = FleetAction::Leave;
      leave.ts = r.at;
      events.emplace_back(std::move(leave));
      events.emplace_back(r.join);
      previous = &r.join;
    }
  }
  std::vector<TimestampMs> losing_until(w.nodes.size(), 0);
  for (const auto& notice : w.notices) {
    const auto hit = notice_target(notice, w.nodes, [&](std::size_t i) {
      return w.nodes[i].home_at(notice.ts) == notice.pool && losing_until[i] <= notice.ts;
    });
    if (!hit) continue;
    const FleetEvent& n_join = w.nodes[*hit].join_at(notice.ts);
    if (notice.kind == SignalKind::Interruption) losing_until[*hit] = notice.ends();
    Signal s;
    s.kind = notice.kind;
    s.action = notice.kind == SignalKind::Interruption ? notice.action : InstanceAction::None;
    s.format = SignalFormat::Canonical;
    s.instance_id = n_join.instance_id;
    s.region = n_join.region;
    s.az = n_join.az;
    s.ts = notice.ts;
    s.action_time = notice.termination;
    events.emplace_back(std::move(s));
    ++signals;
  }
  return events;
}

//! How many replays a backtest may take to let the engine see the fleet's relaunches (each pass
//! adds those of the signal decisions the previous one made; a node rarely has more).
constexpr int kMaxPasses = 8;

//! One replay of the period into `w` (decisions, scores); what it counted goes into `r`.
void replay_pass(const Config& cfg, const Config& rcfg, const std::vector<PriceTick>& ticks, BacktestWorld& w,
                 std::shared_ptr<DecisionServices> services, BacktestResult& r, ProcessMetrics& metrics,
                 const std::atomic<bool>& stop, std::atomic<TimestampMs>* reached) {
  r.engine_signals = r.risk_records = r.dead_letters = 0;
  const std::uint64_t events_before = r.replay.events;
  // The scores come straight from the price shards, not through spot.risk's JSON: the records are
  // the same, and encoding and decoding each one again took a third of the replay.
  std::atomic<std::uint64_t> records{0};
  const auto score = [&w, &records, reached](const RiskRecord& rec, bool replayed) {
    if (replayed) return;  // history re-read on an assignment: never published
    w.score(rec);
    records.fetch_add(1, std::memory_order_relaxed);
    if (reached && rec.ts > reached->load(std::memory_order_relaxed)) reached->store(rec.ts);
  };
  r.replay = replay(
      cfg, ReplayEvents(ticks, engine_events(w, r.engine_signals)), metrics, stop,
      [&](std::vector<Output>& outputs) {
        for (const auto& out : outputs) {
          if (out.topic == OutputTopic::Decisions) {
            if (auto d = decode_decision(out.value)) w.decisions.push_back(std::move(*d));
          } else if (out.topic == OutputTopic::Dlq) {
            ++r.dead_letters;
          }
        }
      },
      live_topology(rcfg, std::move(services), score));
  w.order_scores();
  r.risk_records = records.load();
  r.replay.events += events_before;  // every pass's events were processed (metrics count them all)
}

}  // namespace

BacktestResult run_backtest(const Config& cfg, BacktestInputs in, const BacktestOptions& o, ProcessMetrics& metrics,
                            const std::atomic<bool>& stop, std::atomic<TimestampMs>* reached) {
  if (in.ticks.empty()) throw BacktestError("no price ticks in the input: nothing to backtest");
  const Config rcfg = replay_config(cfg);
  auto services = std::make_shared<DecisionServices>(rcfg);
  BacktestResult r;
  r.world = std::make_unique<BacktestWorld>(services->settings, services->scoring);
  auto* w = r.world.get();
  w->sim = o.sim;
  w->start = o.from != std::numeric_limits<TimestampMs>::min() ? o.from : in.ticks.front().ts + o.warmup_ms;
  w->end = o.to != std::numeric_limits<TimestampMs>::max() ? o.to : in.ticks.back().ts;
  if (w->start >= w->end)
    throw BacktestError("empty range: the period from " + format_iso8601(w->start) + " to " + format_iso8601(w->end) +
                        " holds no time (the input's ticks run from " + format_iso8601(in.ticks.front().ts) + " to " +
                        format_iso8601(in.ticks.back().ts) + ")");
  r.ticks_at_end = std::erase_if(in.ticks, [&](const PriceTick& t) { return t.ts >= w->end; });
  w->ledger.use_catalog(services->scoring->snapshot().on_demand);  // catalog.on_demand_file, else the shipped one
  for (const auto& t : in.ticks) w->ledger.add(t);
  w->nodes = sim_fleet(o.fleet, pools_of(in.ticks), in.fleet, w->ledger, w->start);
  r.signals = in.signals.size();
  w->notices = pool_notices(std::move(in.signals), std::move(in.fleet), w->start, w->end, r.unplaced_signals);
  r.ticks = in.ticks.size();

  const auto replay_start = std::chrono::steady_clock::now();
  for (int pass = 1;; ++pass) {
    r.passes = pass;
    replay_pass(cfg, rcfg, in.ticks, *w, services, r, metrics, stop, reached);
    if (r.replay.status != 0 || stop.load()) return r;
    w->settle_signal_decisions();
    const std::size_t relaunched = pass < kMaxPasses ? w->relaunch_after_signals() : 0;
    if (relaunched == 0) break;
    r.relaunches += relaunched;
    spdlog::info("backtest: pass {}: {} node(s) relaunched after signal decisions; replaying so the engine steers them",
                 pass, relaunched);
    // A fresh engine and world for the next pass; the period, prices, fleet and notices carry over.
    services = std::make_shared<DecisionServices>(rcfg);
    auto next = std::make_unique<BacktestWorld>(services->settings, services->scoring);
    next->sim = w->sim;
    next->start = w->start;
    next->end = w->end;
    next->ledger = std::move(w->ledger);
    next->nodes = std::move(w->nodes);
    next->notices = std::move(w->notices);
    r.world = std::move(next);
    w = r.world.get();
  }
  const auto simulate_start = std::chrono::steady_clock::now();
  for (const auto& policy : backtest_policies()) r.policies.push_back(simulate(*w, *policy));
  const auto seconds = [](auto from, auto to) { return std::chrono::duration<double>(to - from).count(); };
  spdlog::info("backtest: replay {:.2f} s ({} decision(s), {} spot.risk record(s)), {} policies simulated in {:.2f} s",
               seconds(replay_start, simulate_start), w->decisions.size(), r.risk_records, r.policies.size(),
               seconds(simulate_start, std::chrono::steady_clock::now()));
  return r;
}

}  // namespace spotstream

#include "src/feed/synth_market.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <queue>
#include <sstream>
#include <stdexcept>

#include "src/core/hash.hpp"
#include "src/core/region_time.hpp"
#include "src/core/time.hpp"
#include "src/model/on_demand_catalog.hpp"
#include "src/feed/synth_rng.hpp"

namespace spotstream {
namespace {

// Demand in [0, 1]: a parabola over 07:00-19:00 local standard time (core/region_time) peaking at
// 13:00 on weekdays, 30% of that at weekends. Arithmetic only (no sin) to stay bit-identical across
// platforms.
double business_factor(TimestampMs t, int utc_offset_minutes) {
  const LocalClock c = local_clock(t, utc_offset_minutes);
  const double x = (static_cast<double>(c.ms_of_day) / kHourMs - 7.0) / 12.0;
  if (x <= 0 || x >= 1) return 0;
  const double b = 4 * x * (1 - x);
  return c.weekend() ? 0.3 * b : b;
}
// Average of business_factor over a week (5 x 1/3 + 2 x 0.1) / 7: divides the episode rate so that
// spike_rate_per_family_day stays the mean rate.
constexpr double kMeanBusiness = (5.0 / 3.0 + 2 * 0.1) / 7.0;

std::int64_t to_micros(double usd) { return std::llround(usd * 1e6); }

struct PoolState {
  SynthRng rng;
  double base = 0;         // price with no demand and no drift, USD/h
  double amp = 0;          // relative rise at the business-hours peak
  double drift = 0;        // slow mean-reverting relative offset
  double drift_sigma = 0;
  double move_prob = 0;    // chance per tick that the price steps toward its target
  std::int64_t micros = 0;  // current price, micro-USD: integer state keeps the output exact
  std::int64_t cap = 0;     // 97% of on-demand: spot never reaches on-demand
  int utc_offset = 0;  // minutes, from the region (core/region_time)
  bool spiking = false;
  std::int64_t hold_until = -1;  // step up to which a spike holds its level, then it decays
};

struct GroupState {  // one (AZ, family): the unit of hardware contagion
  SynthRng rng;
  std::vector<std::size_t> pools;      // ascending size
  std::vector<std::int64_t> due;       // per size: step at which an episode spikes it, -1 none
  int utc_offset = 0;  // minutes, from the region (core/region_time)
};

struct Node {
  std::string node_id;
  std::string instance_id;
  std::size_t pool = 0;
  bool active = false;
  bool interrupted = false;
  bool signal_pending = false;
};

enum class ActionKind : std::uint8_t { Join, Leave, Rebalance, Interruption };
struct Action {
  TimestampMs ts;
  std::uint64_t seq;  // scheduling order breaks ties, so equal timestamps come out in a fixed order
  ActionKind kind;
  std::size_t node;
  bool operator>(const Action& o) const { return ts != o.ts ? ts > o.ts : seq > o.seq; }
};

}  // namespace

SynthMarket::SynthMarket(SynthOptions options) : options_(std::move(options)) {
  const auto& o = options_;
  if (o.days < 1 || o.tick_minutes < 1 || o.tick_minutes > 1440 || o.azs_per_region < 1 ||
      o.azs_per_region > 6 || o.nodes < 0 || o.join_hours < 0 || o.node_group_max < 1)
    throw std::invalid_argument("synth: days, tick_minutes, azs_per_region or nodes out of range");
  if (o.regions.empty() || o.families.empty())
    throw std::invalid_argument("synth: needs at least one region and one family");
  const auto catalog = OnDemandCatalog::builtin();
  for (const auto& region : o.regions) {
    for (int a = 0; a < o.azs_per_region; ++a) {
      azs_.push_back(region + static_cast<char>('a' + a));
      for (const auto& family : o.families) {
        const auto sizes = catalog->family_sizes(family);
        if (sizes.size() < 3) throw std::invalid_argument("synth: unknown family " + family);
        for (std::size_t rank = 0; rank < sizes.size(); ++rank) {
          const auto od = catalog->price(region, sizes[rank].type);
          if (!od) throw std::invalid_argument("synth: no on-demand price for " + region);
          pools_.push_back({region, azs_.back(), family, std::string(sizes[rank].type), o.product,
                            static_cast<int>(rank), *od, sizes[rank].vcpu, sizes[rank].memory_gib,
                            std::string(sizes[rank].arch)});
        }
      }
    }
  }
}

std::int64_t SynthMarket::steps() const {
  return (std::int64_t{options_.days} * kDayMs + tick_ms() - 1) / tick_ms();
}

TimestampMs SynthMarket::end() const { return options_.start + std::int64_t{options_.days} * kDayMs; }

SynthCounts SynthMarket::generate(const std::function<void(const Event&)>& sink) const {
  const auto& o = options_;
  const std::uint64_t seed = o.seed;
  const double tick_days = static_cast<double>(o.tick_minutes) / 1440.0;
  const auto ticks_of = [&](double minutes) {
    return std::max<std::int64_t>(1, std::llround(minutes / o.tick_minutes));
  };
  SynthCounts counts;

  // Pools: each has its own PRNG stream, so adding nodes or families does not move its prices.
  std::vector<PoolState> ps;
  std::vector<Event> tick_events;  // one reusable tick per pool: no string copies per tick
  ps.reserve(pools_.size());
  for (const auto& p : pools_) {
    PoolState s{SynthRng(seed, "pool/" + p.pool_id())};
    const bool flat = s.rng.chance(o.flat_pool_fraction);
    s.base = p.on_demand_price * (1.0 - s.rng.uniform(0.35, 0.65));
    s.amp = flat ? 0.0 : s.rng.uniform(0.02, 0.06);
    s.drift_sigma = flat ? 0.0005 : 0.003;
    // Real pools move every few hours; flat ones a couple of times a week.
    s.move_prob = o.tick_minutes / (flat ? 36.0 * 60 : 120.0);
    s.utc_offset = utc_offset_minutes(p.region);
    s.cap = to_micros(p.on_demand_price * 0.97);
    s.micros = to_micros(s.base * (1 + s.amp * business_factor(o.start, s.utc_offset)));
    ps.push_back(std::move(s));
    tick_events.emplace_back(PriceTick{o.start, p.region, p.az, p.instance_type, p.product, 0,
                                       p.on_demand_price});
  }
  std::vector<GroupState> groups;
  std::vector<std::size_t> group_of(pools_.size());
  for (std::size_t i = 0; i < pools_.size(); ++i) {
    if (i == 0 || pools_[i].size_rank == 0)
      groups.push_back({SynthRng(seed, "group/" + pools_[i].az + "/" + pools_[i].family), {}, {},
                        utc_offset_minutes(pools_[i].region)});
    groups.back().pools.push_back(i);
    groups.back().due.push_back(-1);
    group_of[i] = groups.size() - 1;
  }

  // Fleet: nodes and their pending joins, leaves and signals, in (ts, seq) order.
  SynthRng fleet(seed, "fleet");
  std::vector<Node> nodes;
  std::priority_queue<Action, std::vector<Action>, std::greater<>> pending;
  std::uint64_t seq = 0;
  const auto schedule = [&](TimestampMs ts, ActionKind k, std::size_t n) {
    if (ts < end()) pending.push({ts, seq++, k, n});
  };
  const auto add_node = [&](std::size_t pool, TimestampMs join_ts) {
    std::uint64_t x = seed ^ (0xa0761d6478bd642fULL * (nodes.size() + 1));
    nodes.push_back({"node-" + std::to_string(nodes.size() + 1), "i-0" + to_hex16(splitmix64(x)),
                     pool});
    schedule(join_ts, ActionKind::Join, nodes.size() - 1);
    return nodes.size() - 1;
  };
  const std::size_t per_region = groups.size() / o.regions.size();
  const std::size_t per_az = per_region / static_cast<std::size_t>(o.azs_per_region);
  std::vector<double> family_w, size_w{3, 4, 3, 2, 1, 0.5, 0.3, 0.2, 0.2};
  for (const auto& f : o.families) family_w.push_back(f == "p3" ? 0.3 : 1.0);  // GPUs: few nodes
  for (int placed = 0; placed < o.nodes;) {  // node groups: one type, one AZ or all of the region's
    const int size = std::min(o.nodes - placed, 1 + static_cast<int>(fleet.uniform() * o.node_group_max));
    const std::size_t region = fleet.pick(std::vector<double>(o.regions.size(), 1.0));
    const std::size_t family = fleet.pick(family_w);
    const std::size_t first_az = fleet.pick(std::vector<double>(o.azs_per_region, 1.0));
    const bool one_az = fleet.chance(o.node_group_one_az);
    const std::size_t sizes = groups[region * per_region + family].pools.size();
    const std::size_t rank = fleet.pick(std::vector<double>(size_w.begin(), size_w.begin() + sizes));
    for (int k = 0; k < size; ++k, ++placed) {
      const std::size_t az = one_az ? first_az : (first_az + k) % static_cast<std::size_t>(o.azs_per_region);
      const TimestampMs join = o.start + fleet.seconds_ms(0, static_cast<int>(o.join_hours * 3600));
      const std::size_t id = add_node(groups[region * per_region + az * per_az + family].pools[rank], join);
      if (fleet.chance(o.scale_down_fraction))
        schedule(join + 12 * kHourMs + fleet.seconds_ms(0, o.days * 86400), ActionKind::Leave, id);
    }
  }
  // An interrupted node's replacement runs the same type in another AZ of its region.
  const auto replacement_pool = [&](std::size_t pool) {
    const std::size_t g = group_of[pool], rank = static_cast<std::size_t>(pools_[pool].size_rank);
    const std::size_t az_in_region = (g % per_region) / per_az;
    const std::size_t shift = o.azs_per_region > 1
        ? 1 + fleet.pick(std::vector<double>(o.azs_per_region - 1, 1.0)) : 0;
    const std::size_t new_az = (az_in_region + shift) % static_cast<std::size_t>(o.azs_per_region);
    return groups[g - az_in_region * per_az + new_az * per_az].pools[rank];
  };

  const auto fleet_event = [&](const Node& n, FleetAction a, TimestampMs ts) {
    const auto& p = pools_[n.pool];
    FleetEvent e{a, ts, o.fleet, n.node_id, n.instance_id, p.region, p.az, p.instance_type,
                 p.product, p.vcpu, p.memory_gib, p.arch};
    sink(Event{std::move(e)});
  };
  const auto signal_event = [&](const Node& n, SignalKind k, TimestampMs ts) {
    const auto& p = pools_[n.pool];
    Signal s;
    s.kind = k;
    s.action = k == SignalKind::Interruption ? InstanceAction::Terminate : InstanceAction::None;
    s.format = SignalFormat::Canonical;
    s.instance_id = n.instance_id;
    s.region = p.region;
    s.az = p.az;
    s.event_id = "synth-" + to_hex16(fnv1a64_fields({n.instance_id, to_string(k),
                                                      std::to_string(ts)}));
    s.ts = ts;
    s.action_time = k == SignalKind::Interruption ? ts + 2 * kMinuteMs : 0;
    sink(Event{std::move(s)});
  };
  const auto run_action = [&](const Action& a) {
    Node& n = nodes[a.node];
    switch (a.kind) {
      case ActionKind::Join:
        n.active = true;
        ++counts.joins;
        fleet_event(n, FleetAction::Join, a.ts);
        break;
      case ActionKind::Leave:
        if (!n.active) break;  // a scale-down that an interruption already took care of
        n.active = false;
        ++counts.leaves;
        fleet_event(n, FleetAction::Leave, a.ts);
        break;
      case ActionKind::Rebalance:
        if (!n.active || n.interrupted) break;
        ++counts.rebalances;
        signal_event(n, SignalKind::Rebalance, a.ts);
        break;
      case ActionKind::Interruption: {
        n.signal_pending = false;
        if (!n.active || n.interrupted) break;
        n.interrupted = true;
        ++counts.interruptions;
        signal_event(n, SignalKind::Interruption, a.ts);
        // The instance is gone shortly after its action time; the orchestrator starts a new node.
        schedule(a.ts + 2 * kMinuteMs + fleet.seconds_ms(1, 60), ActionKind::Leave, a.node);
        if (fleet.chance(o.replace_probability)) {
          const std::size_t pool = replacement_pool(n.pool);
          add_node(pool, a.ts + fleet.seconds_ms(60, 240));
        }
        break;
      }
    }
  };
  // EC2 reclaims node i's instance around t0: most notices of a reclaim come within three minutes,
  // a few straggle in later; many get a rebalance recommendation (2+ minutes before) first.
  const auto reclaim_node = [&](std::size_t i, TimestampMs spike, TimestampMs t0) {
    nodes[i].signal_pending = true;
    const TimestampMs notice = fleet.chance(o.straggler_share) ? t0 + fleet.seconds_ms(5 * 60, 60 * 60)
                                                                : t0 + fleet.seconds_ms(0, 180);
    const TimestampMs rebalance_from = spike + 30'000, rebalance_to = notice - 2 * kMinuteMs;
    if (fleet.chance(0.6) && rebalance_to > rebalance_from)
      schedule(rebalance_from + fleet.seconds_ms(0, static_cast<int>((rebalance_to - rebalance_from) / 1000)),
               ActionKind::Rebalance, i);
    schedule(notice, ActionKind::Interruption, i);
  };
  // A pool that just spiked: often a reclaim of its capacity (sometimes of the whole family in the
  // AZ), else rebalance recommendations only.
  const auto on_spike = [&](std::size_t pool, TimestampMs t) {
    const bool reclaim = fleet.chance(o.reclaim_probability);
    const TimestampMs t0 = t + fleet.seconds_ms(60, 20 * 60);
    std::vector<std::size_t> reclaimed{pool};
    if (reclaim && fleet.chance(o.family_wide_probability))
      for (const std::size_t other : groups[group_of[pool]].pools)
        if (other != pool) reclaimed.push_back(other);
    for (const std::size_t p : reclaimed) {
      const TimestampMs at = p == pool ? t0 : t0 + fleet.seconds_ms(0, 60);
      for (std::size_t i = 0; i < nodes.size(); ++i) {
        const Node& n = nodes[i];
        if (n.pool != p || !n.active || n.interrupted || n.signal_pending) continue;
        if (reclaim && fleet.chance(o.reclaim_share))
          reclaim_node(i, t, at);
        else if (p == pool && fleet.chance(0.5))
          schedule(t + fleet.seconds_ms(30, 20 * 60), ActionKind::Rebalance, i);
      }
    }
  };

  const std::int64_t n_steps = steps();
  for (std::int64_t k = 0; k < n_steps; ++k) {
    const TimestampMs t = o.start + k * tick_ms();
    while (!pending.empty() && pending.top().ts < t) {
      const Action a = pending.top();
      pending.pop();
      run_action(a);
    }
    // Contagion episodes: the largest size spikes now, smaller ones follow while the chain holds.
    for (auto& g : groups) {
      const double rate = o.spike_rate_per_family_day * tick_days *
                          (0.5 + business_factor(t, g.utc_offset)) / (0.5 + kMeanBusiness);
      if (!g.rng.chance(rate)) continue;
      std::int64_t at = k;
      for (std::size_t r = g.pools.size(); r-- > 0;) {
        if (r + 1 < g.pools.size()) {
          if (!g.rng.chance(o.spread_probability)) break;
          at += ticks_of(g.rng.uniform(10, 60));
        }
        if (g.due[r] < k || at < g.due[r]) g.due[r] = at;
      }
    }
    for (std::size_t i = 0; i < pools_.size(); ++i) {
      PoolState& s = ps[i];
      auto& due = groups[group_of[i]].due[static_cast<std::size_t>(pools_[i].size_rank)];
      const bool idio = s.rng.chance(o.idiosyncratic_spike_rate_per_pool_day * tick_days);
      const bool episode = due == k;
      if (episode) due = -1;
      s.drift = std::clamp(0.995 * s.drift + s.drift_sigma * s.rng.gauss(), -0.06, 0.06);
      const std::int64_t target =
          to_micros(s.base * (1 + s.amp * business_factor(t, s.utc_offset)) * (1 + s.drift));
      if ((idio || episode) && !s.spiking) {
        // A jump toward on-demand: at least +30% so any reasonable detector sees it.
        const double from = static_cast<double>(std::max(s.micros, target));
        s.micros = std::llround(from * std::max(1.3, s.rng.uniform(1.45, 2.1)));
        s.spiking = true;
        s.hold_until = k + ticks_of(s.rng.uniform(60, 300));
        s.micros = std::min(s.micros, s.cap);
        on_spike(i, t);
      } else if (s.spiking) {
        if (k > s.hold_until) {  // decay in steps of a quarter of the gap, then back to normal
          const std::int64_t gap = s.micros - target;
          if (gap * 100 <= target) s.spiking = false;
          else s.micros -= std::max<std::int64_t>(1, gap / 4);
        }
      } else if (s.rng.chance(s.move_prob)) {
        // Small steps: at most 2% per change, and none below 0.3% (real prices sit still).
        const std::int64_t gap = target - s.micros, max_step = s.micros / 50;
        if (std::abs(gap) * 1000 >= s.micros * 3) s.micros += std::clamp(gap, -max_step, max_step);
      }
      s.micros = std::clamp<std::int64_t>(s.micros, 1, s.cap);
      auto& tick = std::get<PriceTick>(tick_events[i]);
      tick.ts = t;
      tick.spot_price = static_cast<double>(s.micros) / 1e6;
      ++counts.ticks;
      sink(tick_events[i]);
    }
  }
  while (!pending.empty()) {  // only actions before end() were scheduled
    const Action a = pending.top();
    pending.pop();
    run_action(a);
  }
  return counts;
}

std::string synth_summary(const SynthOptions& options) {
  const SynthMarket m(options);
  std::ostringstream out;
  out << "synthetic market: " << m.pools().size() << " pools (" << options.regions.size()
      << " regions x " << options.azs_per_region << " AZs, families";
  for (const auto& f : options.families) out << ' ' << f;
  out << "), " << options.days << " days from " << format_iso8601(options.start) << " at "
      << options.tick_minutes << "-min ticks = " << m.steps() << " steps, "
      << m.steps() * static_cast<std::int64_t>(m.pools().size()) << " ticks; " << options.nodes
      << " nodes joining over " << options.join_hours << " h; seed " << options.seed;
  return out.str();
}

}  // namespace spotstream

#include "operators/backtest/fleet_sim.hpp"

#include "src/core/time.hpp"

#include <algorithm>

namespace spotstream {

namespace {

constexpr double kMsPerHour = static_cast<double>(kHourMs);

}  // namespace

FleetSim::FleetSim(const PriceLedger& ledger, SimSettings settings, const std::vector<SimNode>& nodes, TimestampMs start)
    : ledger_(ledger), s_(settings), nodes_(nodes), runs_(nodes.size()), start_(start) {}

std::optional<double> FleetSim::hourly(std::size_t i, std::string_view location, TimestampMs t) const {
  if (location == kOnDemandLocation) return ledger_.on_demand(nodes_[i].join.region, nodes_[i].join.instance_type);
  return ledger_.price_at(location, t);
}

void FleetSim::place(std::size_t i, const std::string& location, TimestampMs t) {
  runs_[i].push_back(Run{location, t});
}

void FleetSim::move(std::size_t i, const std::string& to, TimestampMs t, const std::string& plan, int plan_nodes) {
  auto& old = runs_[i].back();
  if (old.location == to) return;
  old.to = t + s_.migration_ms;
  if (const auto price = hourly(i, old.location, t))
    out_.overlap_usd += *price * old.share * s_.migration_ms / kMsPerHour;
  ++out_.migrations;
  runs_[i].push_back(Run{to, t, plan, plan.empty() || plan_nodes < 1 ? 1.0 : 1.0 / plan_nodes});
}

void FleetSim::share_plan_instances() {
  std::map<std::pair<std::string, std::string>, Run*> instance;
  for (auto& runs : runs_)
    for (auto& r : runs) {
      if (r.plan.empty()) continue;
      const auto [it, first] = instance.emplace(std::make_pair(r.plan, r.location), &r);
      if (first) continue;
      it->second->from = std::min(it->second->from, r.from);
      it->second->to = std::max(it->second->to, r.to);
      r.billed = false;
    }
}

void FleetSim::evacuate(std::size_t i, const std::string& to, TimestampMs t, TimestampMs termination) {
  auto& old = runs_[i].back();
  const TimestampMs until = std::max(t, std::min(t + s_.migration_ms, termination));
  old.to = until;
  if (const auto price = hourly(i, old.location, t)) out_.overlap_usd += *price * (until - t) / kMsPerHour;
  ++out_.evacuations;
  if (const TimestampMs gap = t + s_.migration_ms - until; gap > 0) {
    ++out_.evacuations_cut_short;
    out_.downtime_hours += gap / kMsPerHour;
  }
  runs_[i].push_back(Run{to, t});
}

void FleetSim::noticed(SignalKind kind, TimestampMs ts, TimestampMs termination) {
  if (kind == SignalKind::Rebalance) {
    ++out_.rebalances;
    return;
  }
  ++out_.notices;
  if (termination > 0) out_.lead_ms.push_back(termination - ts);
}

bool FleetSim::runs_in(std::size_t i, std::string_view pool, TimestampMs t) const {
  const auto& r = runs_[i].back();
  return r.location == pool && r.from <= t && (r.to < 0 || r.to > t);
}

void FleetSim::interrupt(std::size_t i, const std::string& restart, TimestampMs t) {
  runs_[i].back().to = t;
  ++out_.suffered;
  interrupted_at_.push_back(t);
  out_.restart_usd += s_.restart_cost_usd;
  out_.downtime_hours += s_.downtime_ms / kMsPerHour;
  runs_[i].push_back(Run{restart, t});
}

double FleetSim::bill(std::size_t i, const Run& r, TimestampMs to, double& unpriced_hours) const {
  if (r.location != kOnDemandLocation) {
    const auto b = ledger_.run(r.location, r.from, to);
    unpriced_hours += b.unpriced_ms / kMsPerHour;
    return b.usd;
  }
  // On-demand is billed as spot is: whole seconds, 60 s minimum, at one fixed rate.
  const TimestampMs seconds = (to - r.from + 999) / 1000;
  const double hours = std::max(seconds * 1000, PriceLedger::kMinimumBilledMs) / kMsPerHour;
  const auto price = hourly(i, r.location, r.from);
  if (!price) {
    unpriced_hours += hours;
    return 0;
  }
  return *price * hours;
}

// Hourly buckets of each run's exact price integral, summed up: the shape of the bill over time.
void FleetSim::cumulate(SimOutcome& out, TimestampMs start, TimestampMs end) const {
  const auto hours = static_cast<std::size_t>((std::max(end, start) - start + kHourMs - 1) / kHourMs);
  std::vector<double> bucket(hours + 1, 0.0);
  for (std::size_t i = 0; i < runs_.size(); ++i)
    for (const auto& r : runs_[i])
      for (TimestampMs at = r.from; r.billed && at < r.to;) {
        const auto h = static_cast<std::size_t>(std::max<TimestampMs>(0, at - start) / kHourMs);
        const TimestampMs until = std::min(r.to, start + static_cast<TimestampMs>(h + 1) * kHourMs);
        double usd = 0;
        if (r.location != kOnDemandLocation) {
          usd = ledger_.integral(r.location, at, until).usd;
        } else if (const auto price = hourly(i, r.location, at)) {
          usd = *price * (until - at) / kMsPerHour;
        }
        bucket[std::min(h + 1, hours)] += usd;
        at = until;
      }
  for (const TimestampMs t : interrupted_at_)
    bucket[std::min(hours, static_cast<std::size_t>((t - start + kHourMs - 1) / kHourMs))] += s_.restart_cost_usd;
  for (const auto& runs : runs_)
    for (const auto& r : runs)
      for (std::size_t h = 0; r.billed && h <= hours; ++h) {
        const TimestampMs t = std::min(end, start + static_cast<TimestampMs>(h) * kHourMs);
        auto& slots = out.occupancy[r.location];
        slots.resize(hours + 1, 0);
        slots[h] += r.from <= t && t < r.to;
      }
  double sum = 0;
  for (std::size_t h = 0; h <= hours; ++h) {
    sum += bucket[h];
    out.cumulative.emplace_back(std::min(end, start + static_cast<TimestampMs>(h) * kHourMs), sum);
  }
  // The last point is the bill itself (whole seconds and minimums included).
  out.cumulative.back().second = out.total_usd();
}

SimOutcome FleetSim::finish(TimestampMs end) {
  SimOutcome out = out_;
  for (auto& runs : runs_)
    for (auto& r : runs) {
      if (r.to < 0 || r.to > end) r.to = std::max(r.from, end);
      out.node_hours[r.location] += (r.to - r.from) / kMsPerHour;
    }
  share_plan_instances();
  for (std::size_t i = 0; i < runs_.size(); ++i)
    for (const auto& r : runs_[i])
      if (r.billed) out.instance_usd += bill(i, r, r.to, out.unpriced_hours);
  cumulate(out, start_, end);
  return out;
}

}  // namespace spotstream

// Backtests end to end (run_backtest: the replay through the live topology, then every policy):
// a two-pool market whose bills are summed second by second here from the ticks, independently of
// the price ledger; and the same report whatever the shard count and however often it runs.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "src/cli/backtest_report.hpp"
#include "src/feed/synth_market.hpp"
#include "tests/unit/decision_market.hpp"
#include "tests/unit/backtest_inputs.hpp"
#include "topology/backtest.hpp"

using namespace spotstream;
using namespace spotstream::test;

namespace {

const std::string A = "us-east-1a/c5.large/Linux/UNIX";
const std::string B = "us-east-1b/c5.large/Linux/UNIX";

//! What EC2 bills for one instance of `pool` from `from` to `to`, second by second from the ticks.
double reference_bill(const std::vector<Event>& events, const std::string& pool, TimestampMs from, TimestampMs to) {
  std::vector<std::pair<TimestampMs, double>> steps;
  for (const auto& e : events)
    if (const auto* t = std::get_if<PriceTick>(&e); t && t->pool_id() == pool) steps.emplace_back(t->ts, t->spot_price);
  std::sort(steps.begin(), steps.end());
  const TimestampMs seconds = std::max<TimestampMs>((to - from + 999) / 1000, 60);
  double usd = 0;
  for (TimestampMs s = 0; s < seconds; ++s) {
    const TimestampMs at = from + s * 1000;
    double price = 0;
    for (const auto& [ts, p] : steps)
      if (ts <= at) price = p;
    usd += price / 3600;
  }
  return usd;
}

const PolicyResult& policy(const BacktestResult& r, const std::string& name) {
  for (const auto& p : r.policies)
    if (p.name == name) return p;
  throw std::runtime_error("no policy " + name);
}

class Backtest : public BacktestFixture {
 protected:
  //! A backtest of `events` with this fixture's configuration and `settings` on top.
  BacktestResult backtest(const std::vector<Event>& events, const BacktestOptions& o,
                          const std::map<std::string, std::string>& settings) const {
    Config cfg = cfg_;
    for (const auto& [key, value] : settings) cfg.set(key, value);
    ProcessMetrics metrics;
    std::atomic<bool> stop{false};
    return run_backtest(cfg, inputs_of(events), o, metrics, stop);
  }
};

}  // namespace

// One node at home in us-east-1a/c5.large, a calm us-east-1b/c5.large beside it. Two hours in, A's
// price starts swinging (heuristic volatility score 0: p rises by ~25 points over B's), so the
// engine SWITCHes the node to B; two hours later EC2 sends an interruption notice to an instance in
// A. Following the decisions, the node left A before the notice: interruption avoided, A billed
// until the migration ended and B from the decision on. Staying suffers it; reacting to the notice
// only evacuates to B with two minutes to spare.
TEST_F(Backtest, TwoPoolsHandComputed) {
  Market m;
  const TimestampMs t0 = at("2025-01-04T06:00:00Z"), spike = t0 + 2 * kHourMs, notice = t0 + 4 * kHourMs;
  const TimestampMs end = t0 + 6 * kHourMs, termination = notice + 2 * kMinuteMs;
  m.calm(t0 - 2 * kHourMs, spike, "us-east-1a", "c5.large", 0.20);
  m.swinging(spike, end + kHourMs, "us-east-1a", "c5.large", 0.20, 0.05);
  m.calm(t0 - 2 * kHourMs, end + kHourMs, "us-east-1b", "c5.large", 0.20);
  m.join(t0 - kHourMs, "victim", "us-east-1a", "c5.large");  // the market's instance that gets the notice
  m.signal(notice, SignalKind::Interruption, "victim");

  BacktestOptions o;
  o.fleet.nodes = 1;
  o.fleet.pools = {A};
  o.sim.migration_ms = 5 * kMinuteMs;
  o.sim.downtime_ms = 10 * kMinuteMs;
  o.sim.restart_cost_usd = 1.0;
  o.from = t0;
  o.to = end;
  ProcessMetrics metrics;
  std::atomic<bool> stop{false};
  const auto r = run_backtest(cfg_, inputs_of(m.events), o, metrics, stop);
  ASSERT_EQ(r.replay.status, 0);
  ASSERT_EQ(r.world->notices.size(), 1u);
  EXPECT_EQ(r.world->notices[0].pool, A);
  EXPECT_EQ(r.engine_signals, 1u);  // the node's home is the notice's pool

  // The engine's SWITCH: after the spike began, before the notice, to B.
  const Decision* sw = nullptr;
  for (const auto& d : r.world->decisions)
    if (d.kind == DecisionKind::Switch && !sw) sw = &d;
  ASSERT_NE(sw, nullptr);
  EXPECT_EQ(sw->target, B);
  EXPECT_GT(sw->ts, spike);
  EXPECT_LT(sw->ts, notice);
  for (const auto& d : r.world->decisions)
    if (d.signal == "none" && d.ts > sw->ts && d.instance_id == sw->instance_id) {
      EXPECT_NE(d.kind, DecisionKind::Stay) << "no switch back: " << d.reason;
    }

  const auto& ours = policy(r, "spotstream").outcome;
  const double ours_usd = reference_bill(m.events, A, t0, sw->ts + 5 * kMinuteMs) + reference_bill(m.events, B, sw->ts, end);
  EXPECT_NEAR(ours.total_usd(), ours_usd, 0.005);
  EXPECT_NEAR(ours.total_usd(), ours_usd, 1e-9);
  EXPECT_EQ(ours.migrations, 1);
  EXPECT_EQ(ours.suffered, 0);
  EXPECT_EQ(ours.notices, 0);  // it had left A
  // Migration billed twice: A's price at the decision for the five minutes of overlap.
  double a_price = 0;
  for (const auto& e : m.events)
    if (const auto* t = std::get_if<PriceTick>(&e); t && t->pool_id() == A && t->ts <= sw->ts) a_price = t->spot_price;
  EXPECT_NEAR(ours.overlap_usd, a_price * 5 / 60, 1e-12);

  const auto& stay = policy(r, "stay").outcome;
  EXPECT_EQ(stay.suffered, 1);
  EXPECT_NEAR(stay.total_usd(),
              reference_bill(m.events, A, t0, termination) + reference_bill(m.events, A, termination, end) + 1.0, 1e-9);
  EXPECT_NEAR(stay.downtime_hours, 10.0 / 60, 1e-12);

  const auto& reactive = policy(r, "reactive-only").outcome;
  EXPECT_EQ(reactive.suffered, 0);
  EXPECT_EQ(reactive.evacuations, 1);
  EXPECT_EQ(reactive.notices, 1);
  EXPECT_NEAR(reactive.total_usd(),
              reference_bill(m.events, A, t0, termination) + reference_bill(m.events, B, notice, end), 1e-9);

  // The Spot Advisor file gives both pools band 1 (5-10%) at the same price: the first by name, A.
  const auto& band = policy(r, "lowest-band");
  ASSERT_TRUE(band.unavailable.empty()) << band.unavailable;
  EXPECT_EQ(band.outcome.suffered, 1);
  EXPECT_NEAR(band.outcome.total_usd(), stay.total_usd(), 1e-9);

  // In hindsight B, calm and never noticed, bills least.
  const auto& hindsight = policy(r, "hindsight-best").outcome;
  EXPECT_EQ(hindsight.suffered, 0);
  EXPECT_NEAR(hindsight.total_usd(), reference_bill(m.events, B, t0, end), 1e-9);
  // On the hour A's swing is at its low, equal to B's price: never cheaper elsewhere, so the
  // hourly lowest-price node stays in A (first by name) and suffers the notice as staying does.
  const auto& lowest = policy(r, "lowest-price").outcome;
  EXPECT_EQ(lowest.migrations, 0);
  EXPECT_EQ(lowest.suffered, 1);
  EXPECT_NEAR(lowest.total_usd(), stay.total_usd(), 1e-9);

  const auto& on_demand = policy(r, "on-demand").outcome;
  EXPECT_NEAR(on_demand.total_usd(), 0.085 * 6, 1e-9);
  EXPECT_EQ(on_demand.suffered, 0);

  // The report says the same.
  const auto report = cli::backtest_report(r, {});
  EXPECT_EQ(report["policies"][0]["name"], "spotstream");
  EXPECT_NEAR(report["policies"][0]["total_usd"].get<double>(), ours_usd, 1e-4);
  EXPECT_EQ(report["savings"]["stay"]["interruptions_avoided"], 1);
  EXPECT_EQ(report["inputs"]["interruption_notices"], 1);
}

// The synthetic market over three days: the same report (bar generated_at) with 1 and 3 shards,
// and on a second run.
TEST_F(Backtest, SameReportWhateverTheShardCount) {
  SynthOptions s;
  s.days = 3;
  s.regions = {"us-east-1"};
  s.nodes = 24;
  std::vector<Event> events;
  SynthMarket(s).generate([&](const Event& e) { events.push_back(e); });
  BacktestOptions o;
  o.fleet.nodes = 12;
  o.sim.restart_cost_usd = 0.5;
  std::vector<std::string> reports;
  for (const int shards : {1, 3, 3}) {
    Config cfg = cfg_;
    cfg.set("runtime.shards", std::to_string(shards));
    ProcessMetrics metrics;
    std::atomic<bool> stop{false};
    const auto r = run_backtest(cfg, inputs_of(events), o, metrics, stop);
    ASSERT_EQ(r.replay.status, 0);
    auto report = cli::backtest_report(r, {});
    EXPECT_GT(report["decisions"]["total"].get<int>(), 12);
    EXPECT_TRUE(report["interruptions_simulated"].get<bool>());
    report.erase("generated_at");
    reports.push_back(report.dump(1));
  }
  EXPECT_EQ(reports[0], reports[1]);
  EXPECT_EQ(reports[1], reports[2]);
}

// A planted family-wide spike in us-east-1a: c5.24xlarge swings first, c5.large follows half an hour
// later and its price keeps jumping between 40% and 90% of on-demand; three hours on, EC2 sends an
// interruption notices into us-east-1a/c5.large, one per instance of five of the market's (each
// reaches one node). Five nodes live there; us-east-1b/c5.large stays
// calm and cheap. Following spotstream, the fleet is out of the pool before the notice (none reaches
// it, none is suffered) and pays less than reacting to the notice alone, which sits out the spike's
// prices until the notice comes.
TEST_F(Backtest, PlantedFamilySpikeMovesTheFleetOutBeforeItsInterruptions) {
  Market m;
  const TimestampMs t0 = at("2025-01-04T06:00:00Z");  // Saturday
  const TimestampMs spike = t0 + 2 * kHourMs, notice = spike + 3 * kHourMs, end = notice + 2 * kHourMs;
  m.calm(t0 - 6 * kHourMs, spike, "us-east-1a", "c5.large", 0.60);
  m.swinging(spike, end + kHourMs, "us-east-1a", "c5.large", 0.60, 0.10);
  m.calm(t0 - 6 * kHourMs, spike - 30 * kMinuteMs, "us-east-1a", "c5.24xlarge", 0.60);
  m.swinging(spike - 30 * kMinuteMs, end + kHourMs, "us-east-1a", "c5.24xlarge", 0.60, 0.05);
  m.calm(t0 - 6 * kHourMs, end + kHourMs, "us-east-1a", "m5.large", 0.60);
  m.calm(t0 - 6 * kHourMs, end + kHourMs, "us-east-1b", "c5.large", 0.65);
  for (int k = 0; k < 5; ++k) {
    const std::string victim = "victim-" + std::to_string(k);
    m.join(t0 - kHourMs, victim, "us-east-1a", "c5.large");
    m.signal(notice + k * 20'000, SignalKind::Interruption, victim);
  }

  BacktestOptions o;
  o.fleet.nodes = 5;
  o.fleet.pools = {A};
  o.sim.restart_cost_usd = 1.0;
  o.from = t0;
  o.to = end;
  ProcessMetrics metrics;
  std::atomic<bool> stop{false};
  const auto r = run_backtest(cfg_, inputs_of(m.events), o, metrics, stop);
  ASSERT_EQ(r.replay.status, 0);
  int switches = 0;
  for (const auto& d : r.world->decisions)
    if (d.kind == DecisionKind::Switch) {
      ++switches;
      EXPECT_GT(d.ts, spike - 30 * kMinuteMs) << d.reason;
      EXPECT_LT(d.ts, notice) << d.reason;
    }
  EXPECT_GE(switches, 5);
  const auto& ours = policy(r, "spotstream").outcome;
  const auto& reactive = policy(r, "reactive-only").outcome;
  const auto& stay = policy(r, "stay").outcome;
  EXPECT_EQ(ours.notices, 0);
  EXPECT_EQ(ours.suffered, 0);
  EXPECT_LT(ours.node_hours.count(A) ? ours.node_hours.at(A) : 0.0, stay.node_hours.at(A) / 2);
  EXPECT_EQ(reactive.notices, 5);
  EXPECT_EQ(reactive.suffered, 0);
  EXPECT_EQ(stay.suffered, 5);
  EXPECT_LT(ours.total_usd(), reactive.total_usd());
  EXPECT_LT(ours.total_usd(), stay.total_usd());
}

// Four nodes in us-east-1a/c5.large, prices calm everywhere. EC2 reclaims one instance of the pool
// at 08:00 and a straggler 20 minutes later. Each notice reaches one node; with a 5-minute
// migration and a 2-minute notice, an evacuation is cut short by 3 minutes of downtime. Reacting
// alone, two nodes get a notice and evacuate (6 minutes down). With sibling DRAIN, the first notice
// drains the three others out of the pool at once: the straggler finds none of the fleet there.
TEST_F(Backtest, SiblingDrainKeepsTheStragglerNoticeFromTheFleet) {
  const TimestampMs t0 = at("2025-01-08T06:00:00Z"), first = t0 + 2 * kHourMs, straggler = first + 20 * kMinuteMs;
  Market m;
  for (const char* az : {"us-east-1a", "us-east-1b", "us-east-1c"}) m.calm(t0 - 26 * kHourMs, t0 + 4 * kHourMs, az, "c5.large", 0.6);
  for (const char* victim : {"market-1", "market-2"}) m.join(t0 - kHourMs, victim, "us-east-1a", "c5.large");
  m.signal(first, SignalKind::Interruption, "market-1");
  m.signal(straggler, SignalKind::Interruption, "market-2");
  BacktestOptions o;
  o.fleet.nodes = 4;
  o.fleet.pools = {A};
  o.from = t0;
  o.to = t0 + 4 * kHourMs;
  std::map<std::string, SimOutcome> by_reaction;
  for (const char* reaction : {"drain", "none"}) {
    const auto r = backtest(m.events, o, {{"decisions.sibling_reaction", reaction}});
    ASSERT_EQ(r.replay.status, 0);
    // Each notice reaches one node. Drained, the siblings are relaunched outside the pool before
    // the straggler, which then reaches none of them in the engine's view either.
    EXPECT_EQ(r.engine_signals, std::string(reaction) == "drain" ? 1u : 2u) << reaction;
    int siblings = 0, relaunched = 0;
    for (const auto& d : r.world->decisions) {
      siblings += d.why == "sibling";
      // The orchestrator relaunches a node after its signal decision: the engine sees the new
      // instance join once it serves (a migration later) and steers it from then on.
      if (d.instance_id.ends_with("-r1")) {
        ++relaunched;
        EXPECT_EQ(d.kind, DecisionKind::Stay) << d.reason;
        EXPECT_TRUE(d.ts == first + 5 * kMinuteMs || d.ts == straggler + 5 * kMinuteMs) << format_iso8601(d.ts);
        EXPECT_NE(PoolId::text(d.az, d.instance_type, d.product), A) << "relaunched out of the noticed pool";
      }
    }
    EXPECT_EQ(relaunched, std::string(reaction) == "drain" ? 4 : 2) << reaction;
    EXPECT_EQ(siblings, std::string(reaction) == "drain" ? 3 : 0) << reaction;
    const auto& reactive = policy(r, "reactive-only").outcome;
    EXPECT_EQ(reactive.notices, 2);
    EXPECT_EQ(reactive.evacuations, 2);
    EXPECT_EQ(reactive.evacuations_cut_short, 2);
    EXPECT_NEAR(reactive.downtime_hours, 6.0 / 60, 1e-9);
    const auto& stay = policy(r, "stay").outcome;
    EXPECT_EQ(stay.suffered, 2);
    by_reaction[reaction] = policy(r, "spotstream").outcome;
  }
  const auto& drain = by_reaction["drain"];
  EXPECT_EQ(drain.notices, 1);
  EXPECT_EQ(drain.evacuations, 1);
  EXPECT_EQ(drain.migrations, 3);
  EXPECT_NEAR(drain.downtime_hours, 3.0 / 60, 1e-9);
  EXPECT_EQ(drain.suffered, 0);
  const auto& none = by_reaction["none"];
  EXPECT_EQ(none.notices, 2);
  EXPECT_EQ(none.evacuations, 2);
  EXPECT_EQ(none.migrations, 0);
  EXPECT_NEAR(none.downtime_hours, 6.0 / 60, 1e-9);
}

// Three nodes in us-east-1a/c5.large when its price starts swinging. Alone, each would SWITCH to
// us-east-1b/c5.large ($0.034/h); one us-east-1b/c5.2xlarge ($0.085/h, calmer) holds four of them
// and bills less than three c5.large ($0.102/h). With decisions.consolidate the three SWITCH together
// in one plan, and the backtest bills that plan as one c5.2xlarge: summed here from the ticks.
TEST_F(Backtest, ConsolidationPlanIsBilledAsOneInstance) {
  const std::string B2 = "us-east-1b/c5.2xlarge/Linux/UNIX";
  const TimestampMs t0 = at("2025-01-08T06:00:00Z"), spike = t0 + 2 * kHourMs, end = t0 + 6 * kHourMs;
  Market m;
  m.calm(t0 - 26 * kHourMs, spike, "us-east-1a", "c5.large", 0.6);
  m.swinging(spike, end + kHourMs, "us-east-1a", "c5.large", 0.6, 0.1);
  m.calm(t0 - 26 * kHourMs, end + kHourMs, "us-east-1b", "c5.large", 0.6);
  m.calm(t0 - 26 * kHourMs, end + kHourMs, "us-east-1b", "c5.2xlarge", 0.75);
  BacktestOptions o;
  o.fleet.nodes = 3;
  o.fleet.pools = {A};
  o.from = t0;
  o.to = end;
  std::map<std::string, double> bill;
  for (const char* consolidate : {"true", "false"}) {
    const auto r = backtest(m.events, o, {{"decisions.consolidate", consolidate}});
    ASSERT_EQ(r.replay.status, 0);
    std::vector<const Decision*> switches;
    for (const auto& d : r.world->decisions)
      if (d.kind == DecisionKind::Switch) switches.push_back(&d);
    ASSERT_EQ(switches.size(), 3u) << consolidate;
    const TimestampMs sw = switches[0]->ts;
    for (const auto* d : switches) {
      EXPECT_EQ(d->ts, sw) << d->reason;
      EXPECT_GT(d->ts, spike) << d->reason;
    }
    const auto& ours = policy(r, "spotstream").outcome;
    EXPECT_EQ(ours.migrations, 3);
    const double before = 3 * reference_bill(m.events, A, t0, sw + 5 * kMinuteMs);
    if (std::string(consolidate) == "true") {
      const double b2 = reference_bill(m.events, B2, sw, end);
      for (const auto* d : switches) {
        EXPECT_EQ(d->target, B2) << d->reason;
        EXPECT_EQ(d->plan, switches[0]->plan);
        EXPECT_EQ(d->plan_nodes, 3);
        EXPECT_NEAR(d->plan_price_per_hour, 0.085, 1e-9);
        EXPECT_NEAR(d->target_price_per_hour, 0.085 / 3, 1e-9);
        EXPECT_NE(d->reason.find("consolidation plan " + d->plan), std::string::npos) << d->reason;
      }
      EXPECT_FALSE(switches[0]->plan.empty());
      EXPECT_NEAR(ours.instance_usd, before + b2, 1e-6);  // one c5.2xlarge, not three
      EXPECT_NEAR(ours.node_hours.at(B2), 3 * (end - sw) / 3.6e6, 1e-9);
    } else {
      for (const auto* d : switches) {
        EXPECT_EQ(d->target, B) << d->reason;
        EXPECT_TRUE(d->plan.empty());
      }
      EXPECT_NEAR(ours.instance_usd, before + 3 * reference_bill(m.events, B, sw, end), 1e-6);
    }
    bill[consolidate] = ours.instance_usd;
  }
  EXPECT_LT(bill["true"], bill["false"]);
}

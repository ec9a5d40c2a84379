#pragma once
// Markets for the decision tests: ticks built to give known heuristic crash probabilities, fleet
// joins and AWS signals, and the Spot Advisor file that sets their bands and hardware.
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "src/core/event.hpp"
#include "src/core/time.hpp"

namespace spotstream::test {

// Bands: c5.large/xlarge, m5.large, r5.large 5-10% (public-rate score 0.75); m5.24xlarge <5% (1.0);
// c5.2xlarge <5%; c5.24xlarge >20% (0: the static filter rejects it as a candidate). c6g.large is arm64.
inline constexpr const char* kAdvisor = R"({
  "ranges": [{"index":0,"label":"<5%","max":5},{"index":1,"label":"5-10%","max":11},{"index":2,"label":"10-15%","max":16},
             {"index":3,"label":"15-20%","max":22},{"index":4,"label":">20%","max":100}],
  "instance_types": {"c5.large":{"cores":2,"ram_gb":4.0},"c5.xlarge":{"cores":4,"ram_gb":8.0},
                     "c5.2xlarge":{"cores":8,"ram_gb":16.0},"c5.24xlarge":{"cores":96,"ram_gb":192.0},"m5.large":{"cores":2,"ram_gb":8.0},
                     "m5.24xlarge":{"cores":96,"ram_gb":384.0},"r5.large":{"cores":2,"ram_gb":16.0},
                     "c6g.large":{"cores":2,"ram_gb":4.0}},
  "spot_advisor": {"us-east-1": {"Linux": {"c5.large":{"r":1,"s":60},"c5.xlarge":{"r":1,"s":60},"c5.2xlarge":{"r":0,"s":60},
                                           "c5.24xlarge":{"r":4,"s":60},
                                           "m5.large":{"r":1,"s":60},"m5.24xlarge":{"r":0,"s":60},"r5.large":{"r":1,"s":60},
                                           "c6g.large":{"r":0,"s":70}}}}
})";

// On-demand prices used in the ticks (USD/h).
inline const std::map<std::string, double> kOnDemand = {{"c5.large", 0.085},   {"c5.xlarge", 0.17},   {"c5.2xlarge", 0.34},   {"c5.24xlarge", 4.08},
                                                 {"m5.large", 0.096},   {"m5.24xlarge", 4.608}, {"r5.large", 0.126},
                                                 {"c6g.large", 0.068}};

struct Market {
  std::vector<Event> events;

  //! A tick at discount `depth` below on-demand (heuristic gap score = depth).
  void tick(TimestampMs ts, const std::string& az, const std::string& type, double depth) {
    PriceTick t;
    t.ts = ts;
    t.region = "us-east-1";
    t.az = az;
    t.instance_type = type;
    t.product = "Linux/UNIX";
    t.on_demand_price = kOnDemand.at(type);
    t.spot_price = std::round(t.on_demand_price * (1 - depth) * 1e6) / 1e6;
    events.emplace_back(t);
  }
  //! Ticks every 5 minutes over [from, to) at a fixed depth (volatility score 1).
  void calm(TimestampMs from, TimestampMs to, const std::string& az, const std::string& type, double depth) {
    for (TimestampMs ts = from; ts < to; ts += 5 * kMinuteMs) tick(ts, az, type, depth);
  }
  //! Ticks alternating between two depths (a spiking pool: volatility score 0 once the swing
  //! exceeds 10% of the price).
  void swinging(TimestampMs from, TimestampMs to, const std::string& az, const std::string& type, double d1, double d2) {
    bool odd = false;
    for (TimestampMs ts = from; ts < to; ts += 5 * kMinuteMs, odd = !odd) tick(ts, az, type, odd ? d2 : d1);
  }
  void join(TimestampMs ts, const std::string& node, const std::string& az, const std::string& type,
            const std::string& fleet = "default") {
    FleetEvent f;
    f.ts = ts;
    f.fleet = fleet;
    f.node_id = node;
    f.instance_id = "i-" + node;
    f.region = "us-east-1";
    f.az = az;
    f.instance_type = type;
    f.product = "Linux/UNIX";
    events.emplace_back(f);
  }
  void leave(TimestampMs ts, const std::string& node) {
    FleetEvent f;
    f.ts = ts;
    f.action = FleetAction::Leave;
    f.node_id = node;
    f.instance_id = "i-" + node;
    events.emplace_back(f);
  }
  void signal(TimestampMs ts, SignalKind kind, const std::string& node) {
    Signal s;
    s.kind = kind;
    s.action = kind == SignalKind::Interruption ? InstanceAction::Terminate : InstanceAction::None;
    s.format = SignalFormat::Canonical;
    s.instance_id = "i-" + node;
    s.region = "us-east-1";
    s.ts = ts;
    s.action_time = kind == SignalKind::Interruption ? ts + 2 * kMinuteMs : 0;
    events.emplace_back(s);
  }
};

inline TimestampMs at(const char* iso) { return *parse_iso8601(iso); }

}  // namespace spotstream::test

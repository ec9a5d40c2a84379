#pragma once
//! Decoded events and the outputs derived from them: the vocabulary every subsystem shares.
//! Plain values, no behaviour beyond small accessors; codecs build them, operators read them.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "src/core/pool_id.hpp"

namespace spotstream {

//! Event time: milliseconds since the Unix epoch, UTC. Never the wall clock.
using TimestampMs = std::int64_t;

//! One spot price observation for a pool (availability zone, instance type, product).
struct PriceTick {
  TimestampMs ts = 0;
  std::string region;         //!< derived from the AZ when the input does not carry it
  std::string az;             //!< AZ name (us-east-1a) or AZ id (use1-az2), as given
  std::string instance_type;  //!< p3.2xlarge
  std::string product;        //!< Linux/UNIX, Windows, ...
  double spot_price = 0;      //!< USD per hour
  double on_demand_price = std::numeric_limits<double>::quiet_NaN();  //!< NaN when absent
  //! fnv1a64(routing_key()), filled in by the decoder or else by the source when it routes the
  //! tick (0: not computed), so the shard finds the tick's family without hashing its strings again.
  std::uint64_t key_hash = 0;

  bool has_on_demand() const { return !std::isnan(on_demand_price); }
  //! Instance family: the part of the type before the first '.', e.g. "p3".
  std::string family() const { return instance_type.substr(0, instance_type.find('.')); }
  std::string_view family_view() const { return std::string_view(instance_type).substr(0, instance_type.find('.')); }
  //! Routing / Kafka key: "<az>/<family>", so all sizes of a family in an AZ share a shard.
  std::string routing_key() const { return az + "/" + family(); }
  //! fnv1a64(routing_key()) without building the key.
  std::uint64_t routing_hash() const;
  //! Pool identity: "<az>/<instance_type>/<product>".
  std::string pool_id() const { return PoolId::text(az, instance_type, product); }
};

enum class SignalKind : std::uint8_t { Interruption, Rebalance };
enum class InstanceAction : std::uint8_t { None, Terminate, Stop, Hibernate };
//! Which wire format a signal arrived in (kept for the record and for tests).
enum class SignalFormat : std::uint8_t { EventBridge, ImdsInstanceAction, ImdsRebalance, Canonical };

//! An AWS interruption notice or rebalance recommendation for one instance.
struct Signal {
  SignalKind kind = SignalKind::Interruption;
  InstanceAction action = InstanceAction::None;  //!< None for rebalance recommendations
  SignalFormat format = SignalFormat::EventBridge;
  std::string instance_id;
  std::string region;  //!< may be empty (IMDS bodies carry none)
  std::string az;      //!< from the EventBridge resource ARN when it carries one
  std::string event_id;          //!< EventBridge id, empty otherwise
  TimestampMs ts = 0;            //!< when AWS issued the notice (event time)
  TimestampMs action_time = 0;   //!< when the instance will be interrupted; 0 when unknown

  std::string routing_key() const { return instance_id; }
};

enum class FleetAction : std::uint8_t { Join, Leave };

//! A node (Kubernetes node or plain instance) joining or leaving the fleet.
struct FleetEvent {
  FleetAction action = FleetAction::Join;
  TimestampMs ts = 0;
  std::string fleet;        //!< fleet / cluster name; "default" when absent
  std::string node_id;
  std::string instance_id;
  std::string region;
  std::string az;
  std::string instance_type;
  std::string product;      //!< defaults to "Linux/UNIX"
  double vcpu = 0;          //!< requirements; 0 when not given
  double memory_gib = 0;
  std::string arch;         //!< x86_64 / arm64; empty when not given

  std::string routing_key() const { return instance_id; }
};

using Event = std::variant<PriceTick, Signal, FleetEvent>;

//! A topic partition: (topic, partition).
using PartitionKey = std::pair<std::string, std::int32_t>;

//! Where an input record came from: enough to find the original bytes again.
struct SourceRef {
  std::string topic;
  std::int32_t partition = -1;
  std::int64_t offset = -1;
};

enum class DecisionKind : std::uint8_t { Stay, Switch, Drain, Evacuate };

//! What an orchestrator should do with one node. Keyed by node id on spot.decisions.
struct Decision {
  std::string decision_id;  //!< deterministic from the inputs that caused it
  DecisionKind kind = DecisionKind::Stay;
  TimestampMs ts = 0;       //!< event time of the cause
  std::string fleet;
  std::string node_id;
  std::string instance_id;
  std::string region;
  std::string az;
  std::string instance_type;
  std::string product;
  std::string reason;       //!< words a person reads
  std::string signal;       //!< "none", "rebalance-recommendation", "interruption-notice:terminate", ...
  TimestampMs action_time = 0;  //!< when AWS will interrupt (signals), 0 otherwise
  std::string target;       //!< target pool for SWITCH/EVACUATE, or "on-demand"; empty otherwise
  std::string model;        //!< which model/version produced the decision
  //! Crash probability of the node's own pool, and the yield score of where the decision sends it
  //! (the own pool for STAY, the target for SWITCH/EVACUATE); NaN when unknown (no risk yet).
  double crash_probability = std::numeric_limits<double>::quiet_NaN();
  double yield = std::numeric_limits<double>::quiet_NaN();
  //! For SWITCH, EVACUATE and DRAIN: why, for machines ("gate": the own pool is above the safety
  //! gate; "gain": safer at no higher price; "gain_and_saving": safer and cheaper; "signal": an AWS
  //! signal); empty for STAY.
  std::string why;
  //! What one node pays per hour where it runs (its pool's whole instance) and where the decision
  //! sends it, and the difference (negative when a safety move costs more); NaN when unknown.
  double current_price_per_hour = std::numeric_limits<double>::quiet_NaN();
  double target_price_per_hour = std::numeric_limits<double>::quiet_NaN();
  double estimated_saving_per_hour() const { return current_price_per_hour - target_price_per_hour; }
  //! A consolidation plan's SWITCH: the plan's id (shared by its decisions, emitted together), how
  //! many nodes it puts on its one instance, and that instance's whole hourly price. The node's
  //! target_price_per_hour is then its share, plan_price_per_hour / plan_nodes (a derived view:
  //! the plan is judged on the whole instance). Empty / 0 / NaN for any other decision.
  std::string plan;
  int plan_nodes = 0;
  double plan_price_per_hour = std::numeric_limits<double>::quiet_NaN();
};

//! A bad input record, bound for spot.dlq with its reason and original bytes.
struct DeadLetter {
  std::string reason;   //!< short machine-readable code, see codec/dlq_reason.hpp
  std::string detail;   //!< human-readable explanation
  SourceRef source;
  std::string key;      //!< original Kafka key bytes
  std::string payload;  //!< original value bytes
  TimestampMs ts = 0;   //!< the source message's timestamp (CreateTime), 0 if none
};

const char* to_string(DecisionKind k);
const char* to_string(SignalKind k);
const char* to_string(InstanceAction a);
const char* to_string(SignalFormat f);
const char* to_string(FleetAction a);

}  // namespace spotstream

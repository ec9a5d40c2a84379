#pragma once
//! JSON for everything spotstream writes: outputs (decisions, DLQ records) and, for the feeds,
//! inputs in their canonical or AWS shapes. Not on the per-tick hot path.
#include <optional>
#include <string>
#include <string_view>

#include "src/core/event.hpp"
#include "src/core/risk.hpp"

namespace spotstream {

//! Canonical tick: {"ts","region","az","instance_type","product","spot_price","on_demand_price"?}.
std::string encode_price_tick(const PriceTick& t);
//! AWS describe-spot-price-history item (string price, ISO time), as the CLI prints it.
std::string encode_aws_price_item(const PriceTick& t);
//! EventBridge event, verbatim AWS shape ("EC2 Spot Instance Interruption Warning" or
//! "EC2 Instance Rebalance Recommendation"); the resource ARN carries the AZ when known.
std::string encode_eventbridge_signal(const Signal& s);
//! Canonical signal: {"ts","kind","instance_id","action"?,"action_time"?,"region"?,"az"?,"event_id"?}.
std::string encode_signal(const Signal& s);
//! Canonical fleet event.
std::string encode_fleet_event(const FleetEvent& f);
//! A decision as published on spot.decisions.
std::string encode_decision(const Decision& d);
//! A DLQ record: reason, detail, source topic/partition/offset, key, original bytes (base64, and
//! as text when valid UTF-8), truncated to `payload_max_bytes` with the original length kept.
std::string encode_dead_letter(const DeadLetter& d, std::size_t payload_max_bytes);

//! A spot.risk record (schemas/spot.risk.schema.json): pool identity, "ts"/"ts_ms", every feature
//! under "features" by its docs/design.md name, "band" ({index, label, savings_pct} or null when the Spot
//! Advisor does not know the pool), stability, crash_probability, label, model and the model's
//! assumptions. A NaN feature (discount_depth, on_demand_price without an on-demand price) is
//! written as null; features.on_demand_source says why.
std::string encode_risk_record(const RiskRecord& r);
//! Reads back what encode_risk_record wrote (null features come back as NaN); nullopt when a field
//! is missing or has the wrong type.
std::optional<RiskRecord> decode_risk_record(std::string_view json);
//! The part of a spot.risk record that ranks pools (identity, ts, warming, features.price and
//! on_demand_price, the band's index, crash_probability, model and its version), read fast; the
//! other features keep their defaults. For readers of every record; nullopt as decode_risk_record.
std::optional<RiskRecord> decode_risk_score(std::string_view json);

//! A progress mark on spot.risk (docs/scaling-and-delivery.md "Scaling out and warm start", schemas/spot.risk.mark.schema.json):
//! every spot.risk record derived from price partition `partition` of `topic` and stamped at or
//! before `complete_through` was acknowledged by the broker before this mark was produced. Keyed
//! risk_mark_key(topic, partition), so compaction keeps the latest mark per price partition.
struct RiskProgressMark {
  std::string topic;
  std::int32_t partition = 0;
  TimestampMs complete_through = 0;
};
//! Keys of marks start with this; a pool key ("<az>/<type>/<product>") never does.
inline constexpr std::string_view kRiskMarkKeyPrefix = "!progress/";
std::string risk_mark_key(std::string_view prices_topic, std::int32_t partition);
inline bool is_risk_mark_key(std::string_view key) { return key.starts_with(kRiskMarkKeyPrefix); }
std::string encode_risk_mark(const RiskProgressMark& m);
//! nullopt when a field is missing or has the wrong type.
std::optional<RiskProgressMark> decode_risk_mark(std::string_view json);

//! Standard base64 (RFC 4648, with padding).
std::string base64_encode(std::string_view bytes);
//! Inverse of base64_encode; nullopt on characters outside the alphabet or bad padding.
std::optional<std::string> base64_decode(std::string_view text);

//! Reads back what encode_decision wrote (for consumers of spot.decisions, golden tests and
//! replays); nullopt when a field is missing or has the wrong type.
std::optional<Decision> decode_decision(std::string_view json);

//! A DLQ record read back: the letter (payload as stored, so possibly truncated), the original
//! payload length and whether it was truncated.
struct DeadLetterRecord {
  DeadLetter letter;
  std::size_t payload_bytes = 0;
  bool truncated = false;
};
//! Reads back what encode_dead_letter wrote; nullopt when it is not such a record.
std::optional<DeadLetterRecord> decode_dead_letter(std::string_view json);

}  // namespace spotstream

#pragma once
//! The decision shard: every node lives here (the diversity cap and the ranking of a fleet's nodes
//! need them together; fleet events and signals are a trickle next to the prices), with a price
//! shard for its own share of the ticks.
//!   FleetEvent -> FleetMembership -> decisions
//!   Signal     -> SignalReaction  -> decisions, with a replacement
//!   progress   -> ModelDecisions  -> risk-driven decisions, as far as the risk table is complete
//! The risk table is fed by every price shard (decisions.risk_source=local) or read from spot.risk
//! by this shard's RiskTopicFeed (=topic). With decisions off it still keeps that feed for REST reads.
//! Owned by its shard thread (on_revoked: the source thread, while the shard is idle; on_idle may
//! decide meanwhile, hence idle_mu_).
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <unordered_set>

#include "operators/decision/fleet_membership.hpp"
#include "operators/decision/input_grace.hpp"
#include "operators/decision/signal_reaction.hpp"
#include "topology/decision_services.hpp"
#include "topology/pending_signal_decisions.hpp"
#include "topology/price_shard.hpp"
#include "topology/risk_topic_feed.hpp"

namespace spotstream {

class DecisionShard : public ShardLogic {
 public:
  DecisionShard(const Config& cfg, SignalReactionSettings s, std::unique_ptr<PriceShard> prices,
                std::shared_ptr<DecisionServices> services, ProcessMetrics& metrics);

  void on_event(const Event& event, const EventContext& ctx, OutputCollector& out) override;
  void look_ahead(const Event& next, const EventContext& ctx) override { prices_->look_ahead(next, ctx); }
  void on_revoked(const std::vector<PartitionKey>& parts) override;
  void on_progress(const EventContext& ctx, OutputCollector& out) override;
  TimestampMs outputs_complete_before(const EventContext& ctx) const override;
  void on_idle(OutputCollector& out) override;
  void on_finish(OutputCollector& out, bool input_consumed, bool may_owe) override;
  std::map<PartitionKey, std::int64_t> owed_from() const override;

 private:
  std::optional<TimestampMs> end_of_prices() const;
  void check_catalogued(const FleetEvent& join);
  //! A join of a node past limits.max_fleet_nodes: dead-lettered (read live) and not taken.
  bool refused(const FleetEvent& join, const EventContext& ctx, OutputCollector& out);
  void emit(const Decision& d, bool replay, OutputCollector& out);
  //! A decision caused by an AWS signal (the node's own or a sibling's): with its prices and
  //! replacement, and on the REST signal board; deferred while the risk table lacks the scores
  //! of its time (PendingSignalDecisions).
  //! `hold`: the input batch that read the signal, held for this decision (siblings' decisions).
  void emit_signal_decision(const Decision& d, bool replay, OutputCollector& out, InputBatch* hold = nullptr);
  void send_signal_decision(PendingSignalDecisions::Entry& e, bool late, OutputCollector& out);
  //! The deferred signal decisions that may go now (`all`: every one).
  void release_signal_decisions(OutputCollector& out, bool all = false);
  void release_siblings(TimestampMs through, OutputCollector& out, bool consumed);
  //! A trigger made while reading the current event (its notice, or its node's join) holds the
  //! event's batch until its siblings' decisions are delivered: the offsets are not committed past
  //! a notice whose siblings are still owed, so a crash leaves it to be read again.
  void hold_siblings(OutputCollector& out);
  //! Tells triggers through `tell` (SiblingReaction::release or settle), each sibling decision tied
  //! to its trigger's hold, and lets each hold go once its decisions hold the batch themselves.
  void tell_siblings(OutputCollector& out,
                     const std::function<void(const DecisionSink&, const SiblingReaction::Telling&)>& tell);
  void drop_sibling_holds();
  void restore(OutputCollector& out);
  void decide(TimestampMs through, OutputCollector& out, bool consumed = false);
  void clear_departed(OutputCollector& out);

  static constexpr int kFinishSyncMs = 30000;
  static constexpr TimestampMs kEndSlackMs = 86'400'000;  //!< partitions may end a day apart

  Config cfg_;
  ProcessMetrics& metrics_;
  std::string prices_topic_, fleet_topic_, signals_topic_;
  std::unique_ptr<PriceShard> prices_;
  std::shared_ptr<DecisionServices> services_;
  bool from_topic_;
  bool decides_;
  std::unique_ptr<RiskTopicFeed> feed_;  //!< =topic: the table from spot.risk
  std::mutex idle_mu_;                   //!< on_idle against on_revoked (the source thread)
  bool restore_due_ = false;
  //! Node ids whose latest record on spot.decisions, as read back, is a decision (not a tombstone).
  std::unordered_set<std::string> entries_in_force_;
  std::set<std::pair<int, std::int32_t>> replayed_parts_;  //!< (signals 0 / fleet 1, partition) read back
  TimestampMs decided_upto_ = Watermarks::kMin;    //!< the latest `through` decisions were advanced to
  TimestampMs inputs_through_ = Watermarks::kMin;  //!< fleet and signals progress
  TimestampMs inputs_read_ = Watermarks::kMin;     //!< fleet and signals watermarks: read past, idle or not
  std::int64_t ends_checked_at_ = 0;               //!< Watermarks::ends_checked_at, latest seen
  std::int64_t grace_ms_;
  InputGrace grace_;
  InputGrace sibling_grace_;  //!< sibling reactions wait for the fleet and signals inputs only
  bool control_at_end_ = false;       //!< Watermarks::control_at_end, latest seen
  std::int64_t catch_up_since_ = -1;  //!< when nodes to catch up were first seen waiting
  TimestampMs prices_seen_ = Watermarks::kMin;  //!< the prices' watermark as far as this shard saw it
  TimestampMs lateness_;
  std::size_t max_nodes_;
  std::size_t dlq_payload_max_;
  FleetState fleet_state_;
  PendingSignalDecisions pending_signals_;
  std::int64_t signal_polled_ns_ = 0;  //!< the signal being processed: when it was read (0: not timed)
  bool holds_siblings_;                //!< not with exactly_once: a transaction waits for every hold
  //! Per trigger (its signal's place: partition, offset), the batch it holds (null: none).
  std::map<std::pair<std::int32_t, std::int64_t>, InputBatch*> sibling_holds_;
  SignalReaction signals_;
  FleetMembership fleet_;
};

}  // namespace spotstream

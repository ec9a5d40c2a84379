#include "topology/decision_shard.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "src/codec/dlq_reason.hpp"
#include "src/codec/json_encoder.hpp"
#include "src/core/steady_time.hpp"
#include "src/core/time.hpp"
#include "src/kafka/topic_reader.hpp"

namespace spotstream {

DecisionShard::DecisionShard(const Config& cfg, SignalReactionSettings s, std::unique_ptr<PriceShard> prices,
                             std::shared_ptr<DecisionServices> services, ProcessMetrics& metrics)
    : cfg_(cfg),
      metrics_(metrics),
      prices_topic_(cfg.get_string("topics.prices")),
      fleet_topic_(cfg.get_string("topics.fleet")),
      signals_topic_(cfg.get_string("topics.signals")),
      prices_(std::move(prices)),
      services_(std::move(services)),
      from_topic_(cfg.get_string("decisions.risk_source") == "topic"),
      decides_(services_->settings.enabled),
      grace_ms_(cfg.get_int("decisions.input_grace_ms")),
      grace_(grace_ms_),
      sibling_grace_(grace_ms_),
      lateness_(cfg.get_int("window.allowed_lateness_ms")),
      max_nodes_(static_cast<std::size_t>(cfg.get_int("limits.max_fleet_nodes"))),
      dlq_payload_max_(static_cast<std::size_t>(cfg.get_int("decode.dlq_payload_max_bytes"))),
      // exactly_once: a transaction waits for every output its batches owe, and the source reads
      // nothing meanwhile: a signal's decision could wait only for prices that are not read.
      pending_signals_(decides_ && cfg.get_string("delivery.guarantee") != "exactly_once"
                           ? cfg.get_int("decisions.signal_scores_wait_ms") : 0, lateness_,
                       cfg.get_int("decisions.instant_ms")),
      holds_siblings_(cfg.get_string("delivery.guarantee") != "exactly_once"),
      signals_(s, metrics),
      fleet_(signals_, metrics) {
  // One feed per process; with decisions off it still serves REST reads.
  if (from_topic_ && (decides_ || cfg.get_int("rest.port") >= 0))
    feed_ = std::make_unique<RiskTopicFeed>(cfg, services_->table, metrics, !decides_);
  if (decides_) fleet_state_.decided_through = std::numeric_limits<TimestampMs>::min();
}

void DecisionShard::on_event(const Event& event, const EventContext& ctx, OutputCollector& out) {
  // A replayed event means this group is resuming (it has committed offsets) a partition: the
  // risk-driven decisions published before (by this process before a restart, or by the member
  // that had the partition) are in force. Read back once per partition assignment, before the
  // next decisions. A new group starts over.
  if (ctx.replay && decides_ && !std::holds_alternative<PriceTick>(event) &&
      replayed_parts_.emplace(std::holds_alternative<Signal>(event) ? 0 : 1, ctx.partition).second)
    restore_due_ = true;
  prices_->on_event(event, ctx, out);  // ticks, and the signals' places for its pools' pressure
  if (std::holds_alternative<PriceTick>(event)) return;
  // As the event's snapshot says, not a running maximum: a newly assigned partition, not read yet,
  // takes the watermark back (its joins and signals are still to come), so signals parked for
  // its nodes wait for them instead of expiring at once.
  fleet_state_.fleet_watermark = ctx.wm.fleet;
  fleet_state_.signals_watermark = ctx.wm.signals;
  fleet_state_.event_place = SignalPlace{ctx.partition, ctx.offset, ctx.owed};
  pending_signals_.prices_caught_up(ctx.wm.prices_caught_up);
  const DecisionSink emit = [&](const Decision& d, bool replay) {
    if (d.signal != "none") emit_signal_decision(d, replay, out);
    else this->emit(d, replay, out);
  };
  if (const auto* s = std::get_if<Signal>(&event)) {
    signal_polled_ns_ = ctx.replay ? 0 : ctx.polled_ns;
    signals_(*s, ctx.replay, fleet_state_, emit);
    signal_polled_ns_ = 0;
    hold_siblings(out);
  } else if (const auto* f = std::get_if<FleetEvent>(&event)) {
    if (f->action == FleetAction::Join && refused(*f, ctx, out)) return;
    if (!ctx.replay && f->action == FleetAction::Join) check_catalogued(*f);
    fleet_(*f, ctx.replay, fleet_state_, emit);
    hold_siblings(out);
    if (auto it = fleet_state_.nodes.find(f->instance_id); it != fleet_state_.nodes.end())
      it->second.partition = ctx.partition;
    metrics_.fleet_nodes.set(static_cast<std::int64_t>(fleet_state_.nodes.size()));
  }
}

void DecisionShard::on_revoked(const std::vector<PartitionKey>& parts) {
  // on_idle may be deciding on the shard thread meanwhile (it is the only call that can).
  std::lock_guard lock(idle_mu_);
  replayed_parts_.clear();  // a partition assigned again is read back again
  // The nodes of a revoked fleet partition are decided on by its new owner from now on; it
  // rebuilds them by replay (and catches their decisions up: ModelDecisions::catch_up).
  std::set<std::int32_t> fleet_parts, signal_parts;
  for (const auto& [topic, partition] : parts) {
    if (topic == fleet_topic_) fleet_parts.insert(partition);
    if (topic == signals_topic_) signal_parts.insert(partition);
  }
  // Signals parked for instances whose join this process has not read: the new owner reads them
  // again, and here they would expire as unmatched, or apply twice if the partition came back.
  if (!signal_parts.empty()) signals_.drop_parked(fleet_state_, signal_parts);
  // Siblings still due for notices of those partitions are told from here: the next owner takes
  // the notices as told, and a stop cannot leave them owed on partitions it no longer commits.
  // Their holds go: the partitions' offsets are no longer this process's to commit.
  for (auto& t : fleet_state_.sibling_due)
    if (signal_parts.contains(t.place.partition)) {
      if (const auto it = sibling_holds_.find({t.place.partition, t.place.offset}); it != sibling_holds_.end()) {
        it->second->drop_deferred();
        sibling_holds_.erase(it);
      }
      t.place.offset = -1;
    }
  if (!fleet_parts.empty()) {
    // Their deferred signal decisions too, when they hold their signal's batch (or only rebuild
    // state): the signal, not committed, is read again and decided by the new owner. One made with
    // no batch (a sibling's, on progress) is not read again: it still goes, from here.
    const auto moved = [&](const PendingSignalDecisions::Entry& e) {
      if (!e.held && !e.replay) return false;
      const auto it = fleet_state_.nodes.find(e.decision.instance_id);
      return fleet_parts.contains(it != fleet_state_.nodes.end() ? it->second.partition
                                  : e.node                      ? e.node->partition
                                                                : -1);
    };
    if (const auto n = pending_signals_.drop_if(moved); n > 0)
      spdlog::info("decisions: {} signal decision(s) waiting for their scores dropped with their partitions; "
                   "the partitions' next owner decides them", n);
    std::erase_if(fleet_state_.nodes, [&](const auto& n) { return fleet_parts.contains(n.second.partition); });
  }
  metrics_.fleet_nodes.set(static_cast<std::int64_t>(fleet_state_.nodes.size()));
  prices_->on_revoked(parts);
}

void DecisionShard::on_progress(const EventContext& ctx, OutputCollector& out) {
  prices_->on_progress(ctx, out);
  prices_seen_ = std::max(prices_seen_, ctx.wm.prices);
  pending_signals_.prices_caught_up(ctx.wm.prices_caught_up);
  // Not the progresses that never go back: after a takeover, the signals on the partitions just
  // assigned (a notice whose siblings this process holds, a pool's cool-down) come before the
  // next decisions, as they would in one process that had read them all along.
  inputs_through_ = ctx.wm.control_progress;
  inputs_read_ = std::min(ctx.wm.fleet, ctx.wm.signals);
  if (ctx.wm.ends_checked_at >= ends_checked_at_) control_at_end_ = ctx.wm.control_at_end;
  ends_checked_at_ = std::max(ends_checked_at_, ctx.wm.ends_checked_at);
  decide(inputs_through_, out);
  clear_departed(out);
  release_signal_decisions(out);
}

// Decisions come for instants after those decided, for parked signals when their node joins, for
// signals waiting for their scores, and for instants already decided when a node is caught up.
TimestampMs DecisionShard::outputs_complete_before(const EventContext& ctx) const {
  TimestampMs before = ctx.wm.routed_before();
  if (!fleet_state_.sibling_due.empty()) before = std::min(before, fleet_state_.sibling_due.front().signal.ts);
  before = std::min(before, pending_signals_.earliest());
  if (!decides_) return before;
  // Nothing at or before decided_upto_ is decided again (its extremes stand for themselves).
  const bool extreme = decided_upto_ == Watermarks::kMin || decided_upto_ == Watermarks::kMax;
  before = std::min(before, extreme ? decided_upto_ : decided_upto_ + 1);
  if (!fleet_state_.parked_order.empty()) before = std::min(before, fleet_state_.parked_order.front().first);
  if (!fleet_state_.clear_due.empty()) before = std::min(before, fleet_state_.clear_due.front().left);
  if (fleet_state_.restore_pending)
    before = std::min(before, fleet_state_.recent_instants.empty() ? Watermarks::kMin : fleet_state_.recent_instants.front());
  return before;
}

// The table read from spot.risk completes on its own thread: decide as it does.
// So do the signals' scores, and deferred signal decisions have a deadline.
void DecisionShard::on_idle(OutputCollector& out) {
  if (!feed_ && pending_signals_.empty()) return;
  std::lock_guard lock(idle_mu_);
  release_signal_decisions(out);
  if (!feed_) return;
  decide(inputs_through_, out);
  clear_departed(out);
}

// The pipeline stops. When every input has been read to its end: decide up to where the risk
// table is complete (read from the topic: once the feed has read everything published so far,
// this process's last marks included). When stopped on a signal, the fleet and signals inputs
// may still be receiving events older than the last prices read: only instants whose grace has
// passed are decided; the next run (or the partitions' next owner) decides the rest.
// Other members may still be publishing what the end of the input owes (a member that stops
// first, or one that re-reads partitions after a rebalance): wait until the table is complete
// through the last tick of every price partition (less the allowed lateness), as one process
// would be, before the last decisions.
void DecisionShard::on_finish(OutputCollector& out, bool input_consumed, bool may_owe) {
  if (feed_ && decides_) {
    if (!feed_->sync(kFinishSyncMs))
      spdlog::warn("decisions: the risk table has not caught up with {} within {} ms; deciding on what it has",
                   cfg_.get_string("topics.risk"), kFinishSyncMs);
    else if (const auto target = end_of_prices(); target && !feed_->await_complete(*target, kFinishSyncMs))
      spdlog::warn("decisions: the risk table is complete through {} ms, not through the end of {} ({} ms), after "
                   "{} ms; deciding on what it has", feed_->complete_through(), prices_topic_, *target, kFinishSyncMs);
  }
  // The signals read so far are committed with this stop. Siblings of the notices the inputs have
  // passed are told; the others depend on fleet and signals events that may not have been read
  // yet: owed to the next run where the commit can say so, else told now from what has been read.
  if (!input_consumed) {
    if (may_owe) release_siblings(inputs_through_, out, false);
    tell_siblings(out, [&](const DecisionSink& emit, const SiblingReaction::Telling& telling) {
      signals_.siblings().settle(fleet_state_, may_owe, emit, telling);
    });
    // Those left owed are committed with the record that says so (owed_from), not held.
    drop_sibling_holds();
  }
  decide(input_consumed ? Watermarks::kMax : inputs_through_, out, input_consumed);
  // After the siblings' reactions, which may wait too, and after the instants before them.
  release_signal_decisions(out, true);
  clear_departed(out);
}

std::map<PartitionKey, std::int64_t> DecisionShard::owed_from() const {
  std::map<PartitionKey, std::int64_t> out;
  for (const auto& [partition, offset] : SiblingReaction::owed_from(fleet_state_)) out[{signals_topic_, partition}] = offset;
  return out;
}

// How far the table can become complete with what the price topic holds now: its last message's
// time (the feeds stamp messages with their event time) less the allowed lateness, over the
// least advanced non-empty partition. nullopt when the topic cannot be read or is empty.
std::optional<TimestampMs> DecisionShard::end_of_prices() const {
  try {
    const auto last = last_message_timestamps(cfg_, prices_topic_);
    if (last.empty()) return std::nullopt;
    TimestampMs end = std::numeric_limits<TimestampMs>::max();
    for (const auto& [p, ts] : last) end = std::min(end, ts - lateness_ - 1);
    // Messages not stamped with their event time (a producer leaving CreateTime to the clock)
    // say nothing about it: then there is no end to wait for.
    if (prices_seen_ == Watermarks::kMin || end > prices_seen_ + kEndSlackMs) return std::nullopt;
    return end;
  } catch (const std::exception& e) {
    spdlog::warn("decisions: cannot read the end of {} ({})", prices_topic_, e.what());
    return std::nullopt;
  }
}

// A well-formed type that neither the Spot Advisor file nor the on-demand table knows: the node is
// taken (new types appear before the files know them), but nothing is known of its hardware or
// on-demand price, so say so.
void DecisionShard::check_catalogued(const FleetEvent& join) {
  if (services_->engine.filter().hardware(join.instance_type)) return;
  metrics_.unknown_instance_types.inc();
  const auto n = metrics_.unknown_instance_types.get();
  if (n <= 10 || n % 1000 == 0)
    spdlog::warn("fleet: node {} ({}) joined as {}, an instance type no catalogue knows (#{}): its hardware is "
                 "only what the join says (vcpu, memory_gib, arch)",
                 join.node_id, join.instance_id, join.instance_type, n);
}

bool DecisionShard::refused(const FleetEvent& join, const EventContext& ctx, OutputCollector& out) {
  if (fleet_state_.nodes.size() < max_nodes_ || fleet_state_.nodes.contains(join.instance_id)) return false;
  if (ctx.replay) return true;  // refused, and dead-lettered, when first read
  metrics_.dlq.inc(dlq::kFleetLimit);
  const auto n = metrics_.dlq.get(dlq::kFleetLimit);
  if (n <= 10 || n % 1000 == 0)
    spdlog::warn("fleet limit: the process holds {} nodes (limits.max_fleet_nodes): join of node {} ({}) "
                 "dead-lettered; its signals are parked until they expire (#{})",
                 fleet_state_.nodes.size(), join.node_id, join.instance_id, n);
  DeadLetter dl{dlq::kFleetLimit,
                "the process holds limits.max_fleet_nodes (" + std::to_string(max_nodes_) +
                    ") nodes: a further node's join is refused (raise the limit, or split the fleet over more "
                    "processes); payload re-encoded as a fleet event",
                SourceRef{fleet_topic_, ctx.partition, ctx.offset}, join.instance_id, encode_fleet_event(join), join.ts};
  out.emit(OutputTopic::Dlq, dl.key, encode_dead_letter(dl, metrics_.dlq.payload_allowance(dlq_payload_max_, steady_ms())),
           join.ts);
  return true;
}

// The risk-driven decisions already on spot.decisions (a restart, or another process before us)
// are in force: read them back so that decisions continue instead of starting over.
// Every decision read back also goes to the history (idempotent there, by decision id): one
// delivered by a run killed before its batch was committed is on Kafka but not yet stored.
void DecisionShard::restore(OutputCollector& out) {
  restore_due_ = false;
  const auto& topic = cfg_.get_string("topics.decisions");
  std::vector<Decision> published;
  try {
    entries_in_force_.clear();
    for (auto& r : read_topic(cfg_, topic, 15000)) {
      if (r.value.empty()) entries_in_force_.erase(r.key);  // a tombstone: cleared before
      else entries_in_force_.insert(r.key);
      if (auto d = decode_decision(r.value)) {
        published.push_back(std::move(*d));
        out.keep(OutputTopic::Decisions, std::move(r.key), std::move(r.value), r.timestamp);
      }
    }
  } catch (const std::exception& e) {
    spdlog::warn("decisions: cannot read {} back ({}): risk-driven decisions start from STAY", topic, e.what());
    return;
  }
  ModelDecisions::restore(fleet_state_, published, !from_topic_);
  if (!fleet_state_.restored.empty())
    spdlog::info("decisions: {} risk-driven decision(s) in force restored from {}", fleet_state_.restored.size(), topic);
}

// `through`: how far the fleet and signals inputs have progressed. `consumed`: every input has
// been read to its end (the pipeline's end): nothing more can come, no grace to wait for.
void DecisionShard::decide(TimestampMs through, OutputCollector& out, bool consumed) {
  release_siblings(through, out, consumed);
  if (!decides_) return;
  if (restore_due_) restore(out);
  if (!consumed) {
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now().time_since_epoch()).count();
    // Nodes taken over (or joined behind decided instants) are evaluated again at instants
    // already decided: their signals, on partitions just assigned, must all be in first. Wait
    // until every fleet and signals partition has been confirmed at its end a grace after.
    // So must their siblings' reactions to those signals: a node told to drain at a notice gets
    // no risk-driven decision after it, and what is still due now waits for its own grace.
    if (fleet_state_.restore_pending) {
      if (catch_up_since_ < 0) catch_up_since_ = now;
      if (!control_at_end_ || ends_checked_at_ < catch_up_since_ + grace_ms_) return;
      const auto& due = fleet_state_.sibling_due;
      if (!due.empty() && due.front().signal.ts <= fleet_state_.decided_through) return;
    }
    catch_up_since_ = -1;
    const TimestampMs decidable = std::min(through, services_->table.complete_through());
    through = grace_.release(decidable, inputs_read_, now, ends_checked_at_);
  }
  decided_upto_ = std::max(decided_upto_, through);
  services_->engine.advance(fleet_state_, through, [&](const Decision& d, bool replay) { emit(d, replay, out); });
}

// A node that left has its entry on the compacted spot.decisions cleared by a tombstone, keyed as
// its decisions were, so the topic (and the retained MQTT topics that mirror it) holds the fleet
// in service, not everyone who ever was: once decisions have passed its leave (every decision
// before it made, the inputs' grace included) and no reaction for it is owed. Stamped with the
// leave's time (outputs_complete_before waits for it). A leave replayed after a restart or a
// takeover is cleared only if the topic, as read back, still holds a decision for the node.
void DecisionShard::clear_departed(OutputCollector& out) {
  auto& due = fleet_state_.clear_due;
  // Every instant up to decided_upto_ has been evaluated (it never passes the risk table's completeness).
  const TimestampMs through = decides_ ? decided_upto_ : inputs_through_;
  while (!due.empty() && due.front().left < through) {
    const auto& d = due.front();
    if (!fleet_state_.sibling_due.empty() && fleet_state_.sibling_due.front().signal.ts <= d.left) return;
    if (pending_signals_.earliest() <= d.left) return;  // a signal's decision waiting for its scores goes first
    // A node taken over is owed its risk-driven evaluations up to its leave (there are none when
    // decisions are off: only signals decide).
    if (auto it = fleet_state_.nodes.find(d.instance_id);
        decides_ && it != fleet_state_.nodes.end() && it->second.restore_pending)
      return;
    if (d.replay && restore_due_) return;  // what the topic holds is not known yet
    if (!d.replay || entries_in_force_.erase(d.node_id) > 0) out.emit(OutputTopic::Decisions, d.node_id, std::string(), d.left);
    due.pop_front();
  }
}

}  // namespace spotstream

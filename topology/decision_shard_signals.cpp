// DecisionShard: the decisions AWS signals cause (a node's own, its siblings'), how they wait for
// their scores, and the input batches held until they are delivered.
#include "topology/decision_shard.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "src/codec/json_encoder.hpp"
#include "src/core/steady_time.hpp"
#include "src/core/time.hpp"

namespace spotstream {

void DecisionShard::emit(const Decision& d, bool replay, OutputCollector& out) {
  if (replay) return;  // delivered before the restart
  metrics_.count_decision(d.kind, d.why);
  out.emit(OutputTopic::Decisions, d.node_id, encode_decision(d), d.ts);
}

void DecisionShard::emit_signal_decision(const Decision& d, bool replay, OutputCollector& out, InputBatch* hold) {
  PendingSignalDecisions::Entry e{d, replay, signal_polled_ns_, nullptr, 0, std::nullopt};
  if (const auto it = fleet_state_.nodes.find(d.instance_id); it != fleet_state_.nodes.end()) e.node = it->second;
  const auto& table = services_->table;
  if (replay) hold = nullptr;
  if (pending_signals_.empty() && (table.feeders() == 0 || pending_signals_.ready(d.ts, table.complete_through()))) {
    if (hold) {
      hold->defer();  // the decision's own hold, handed to it (emit_held)
      e.held = hold;
    }
    send_signal_decision(e, false, out);
    return;
  }
  if (!replay) {
    e.held = hold ? hold : out.batch();
    metrics_.signal_decisions_waited.inc();
  }
  pending_signals_.defer(std::move(e), steady_ms());
}

void DecisionShard::release_signal_decisions(OutputCollector& out, bool all) {
  if (pending_signals_.empty()) return;
  pending_signals_.release(services_->table.complete_through(), steady_ms(), all,
                           [&](PendingSignalDecisions::Entry& e, bool late) { send_signal_decision(e, late, out); });
}

void DecisionShard::send_signal_decision(PendingSignalDecisions::Entry& e, bool late, OutputCollector& out) {
  Decision& d = e.decision;
  if (late && !e.replay) {
    metrics_.signal_decisions_unscored.inc();
    const auto n = metrics_.signal_decisions_unscored.get();
    const TimestampMs complete = services_->table.complete_through();
    if (n <= 10 || n % 1000 == 0)
      spdlog::warn("decisions: {} for {} at {}: after {} ms (decisions.signal_scores_wait_ms) the risk table is complete "
                   "{}, short of the signal's time; its replacement is chosen from the scores the table has (#{})",
                   to_string(d.kind), d.instance_id, format_iso8601(d.ts), pending_signals_.wait_ms(),
                   complete == Watermarks::kMin ? std::string("nowhere yet") : "through " + format_iso8601(complete), n);
  }
  std::string reason = d.reason;  // the board's, without the replacement's
  services_->engine.enrich_signal_decision(fleet_state_, e.node ? &*e.node : nullptr, d);
  services_->signals.set(d.instance_id, SignalBoard::Entry{d.kind, d.signal, std::move(reason), d.ts, d.why, d.target});
  if (!e.replay) {
    metrics_.count_decision(d.kind, d.why);
    if (e.held) out.emit_held(e.held, OutputTopic::Decisions, d.node_id, encode_decision(d), d.ts);
    else out.emit(OutputTopic::Decisions, d.node_id, encode_decision(d), d.ts);
    if (e.polled_ns != 0)
      metrics_.signal_decision_seconds.observe(static_cast<double>(steady_ns() - e.polled_ns) / 1e9);
  }
}

// Sibling reactions wait for the fleet and signals inputs only (not for the prices): a sibling is
// told within the input grace of its pool's notice.
// Its grace sees every progress, reactions due or not, as the instants' grace does: a grace that
// only started when a reaction fell due would hold it behind instants decided after its notice.
void DecisionShard::release_siblings(TimestampMs through, OutputCollector& out, bool consumed) {
  if (!consumed) {
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now().time_since_epoch()).count();
    through = sibling_grace_.release(through, inputs_read_, now, ends_checked_at_);
  }
  if (fleet_state_.sibling_due.empty()) return;
  tell_siblings(out, [&](const DecisionSink& emit, const SiblingReaction::Telling& telling) {
    signals_.siblings().release(fleet_state_, through, emit, telling);
  });
}

void DecisionShard::hold_siblings(OutputCollector& out) {
  if (!holds_siblings_ || out.batch() == nullptr) return;
  for (const auto& t : fleet_state_.sibling_due) {
    if (t.replay || t.place.offset < 0) continue;
    if (const auto [it, inserted] = sibling_holds_.try_emplace({t.place.partition, t.place.offset}, out.batch()); inserted)
      it->second->defer();
  }
}

void DecisionShard::tell_siblings(
    OutputCollector& out, const std::function<void(const DecisionSink&, const SiblingReaction::Telling&)>& tell) {
  InputBatch* hold = nullptr;
  const auto let_go = [&] {
    if (hold) hold->drop_deferred();
    hold = nullptr;
  };
  tell([&](const Decision& d, bool replay) { emit_signal_decision(d, replay, out, hold); },
       [&](const FleetState::SiblingTrigger& t) {
         let_go();
         if (const auto it = sibling_holds_.find({t.place.partition, t.place.offset}); it != sibling_holds_.end()) {
           hold = it->second;
           sibling_holds_.erase(it);
         }
       });
  let_go();
}

void DecisionShard::drop_sibling_holds() {
  for (auto& [place, batch] : sibling_holds_) batch->drop_deferred();
  sibling_holds_.clear();
}

}  // namespace spotstream

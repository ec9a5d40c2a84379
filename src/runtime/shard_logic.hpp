#pragma once
//! What a shard does with each event: the topology supplies one ShardLogic per shard, holding that
//! shard's state objects and operator functors. Called only from its shard's thread.
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "src/core/event.hpp"
#include "src/runtime/output.hpp"
#include "src/runtime/watermarks.hpp"

namespace spotstream {

//! Collects the outputs of one event and ties them to the event's input batch. Shard-thread owned.
class OutputCollector {
 public:
  void emit(OutputTopic topic, std::string key, std::string value, TimestampMs ts) {
    outputs_.push_back(Output{topic, std::move(key), std::move(value), ts, batch_});
  }
  //! A record already on its Kafka topic (read back on resume) that the history must hold too: a
  //! run killed after Kafka acknowledged it but before the history committed it left it out.
  void keep(OutputTopic topic, std::string key, std::string value, TimestampMs ts) {
    outputs_.push_back(Output{topic, std::move(key), std::move(value), ts, batch_, true});
  }
  void set_batch(InputBatch* b) { batch_ = b; }
  //! The input batch of what is being processed (null: none, e.g. on_idle).
  InputBatch* batch() const { return batch_; }
  //! An output owed to an earlier input batch that the logic held (InputBatch::defer) when it
  //! deferred the output: the hold becomes the output's, so the batch's offsets are committed only
  //! once it is delivered. Not counted against the batch being processed.
  void emit_held(InputBatch* held, OutputTopic topic, std::string key, std::string value, TimestampMs ts) {
    held->deferred.fetch_sub(1, std::memory_order_acq_rel);
    outputs_.push_back(Output{topic, std::move(key), std::move(value), ts, held});
    ++held_outputs_;
  }
  //! Outputs emitted with emit_held since the last call.
  std::size_t take_held_outputs() { return std::exchange(held_outputs_, 0); }
  std::vector<Output>& outputs() { return outputs_; }

 private:
  InputBatch* batch_ = nullptr;
  std::size_t held_outputs_ = 0;
  std::vector<Output> outputs_;
};

//! What the runtime knows about an event besides the event itself.
struct EventContext {
  Watermarks wm;        //!< the inputs' watermarks when the event was routed
  bool replay = false;  //!< already processed before a restart: rebuild state, emit nothing
  std::int32_t partition = -1;  //!< where the event was read (for dead letters found in a shard)
  std::int64_t offset = -1;
  //! Kafka time of the first message this process read from the event's partition since it was
  //! assigned: the partition's history held in state starts there. A window ending before
  //! covered_from + its length is not yet full (spot.risk records say `warming`).
  TimestampMs covered_from = 0;
  std::int64_t polled_ns = 0;  //!< steady clock when the event's message was read (latency metrics); 0: unknown
  //! Replayed, and the run before stopped owing some of the outputs of events from here on
  //! (ShardLogic::owed_from): this run delivers them.
  bool owed = false;
};

class ShardLogic {
 public:
  virtual ~ShardLogic() = default;
  //! Processes one event in arrival order (signal/fleet lane before prices); emits outputs.
  //! `ctx.wm` is never ahead of the events queued in front of this one.
  virtual void on_event(const Event& event, const EventContext& ctx, OutputCollector& out) = 0;
  //! The event that on_event() will get next, told before the current one is processed, so the
  //! logic can start fetching its state from memory (software pipelining over a bulk). May keep
  //! what it found for that call, recognised by the event's address. Optional.
  virtual void look_ahead(const Event& next, const EventContext& ctx) { (void)next, (void)ctx; }
  //! The partitions were taken from this process: drop the state built from them (it is rebuilt by
  //! replay wherever they go). Called from the source thread while the shard is idle: every event
  //! routed so far has been processed (Pipeline::on_revoking waits for that first). Outputs held
  //! for those partitions' batches (emit_held) are dropped here (InputBatch::drop_deferred): the
  //! revocation does not wait for them, and their messages go uncommitted to the next owner.
  virtual void on_revoked(const std::vector<PartitionKey>& parts) { (void)parts; }
  //! Progress: every event routed to this shard before it (on either lane) has been processed, and
  //! `ctx.wm` holds the inputs' watermarks as of then. Sent to every shard whenever an input's
  //! progress (Watermarks::prices_progress, ...) advances (so shards learn how far event time has got
  //! even when no event is theirs).
  virtual void on_progress(const EventContext& /*ctx*/, OutputCollector& /*out*/) {}
  //! After on_progress(ctx): every output this logic will make stamped before the returned time has
  //! been emitted (a sink that orders outputs by event time releases them up to there). By default
  //! what every input has routed: logic that emits outputs for earlier times later (decisions that
  //! wait for other inputs) says how far it has got.
  virtual TimestampMs outputs_complete_before(const EventContext& ctx) const { return ctx.wm.routed_before(); }
  //! Once, when the pipeline stops, after every shard has processed everything; called from the
  //! stopping thread (the shard threads have ended). `input_consumed`: the pipeline stopped because
  //! every input was read to its end and stayed idle (runtime.idle_exit_ms), not on a signal: what
  //! waits for more input may be finished now; after a signal it is left to the next run.
  //! `may_owe`: the source keeps owed_from() with the last commit, so outputs that should wait for
  //! more input may be left owed to the next run instead of delivered now.
  virtual void on_finish(OutputCollector& /*out*/, bool /*input_consumed*/, bool /*may_owe*/) {}
  //! After on_finish(may_owe): per input partition, the offset of the first event with outputs
  //! left owed. The next run reads the events from there with EventContext::owed and delivers them.
  virtual std::map<PartitionKey, std::int64_t> owed_from() const { return {}; }
  //! The shard has had nothing to do for a while (about 20 ms; again every 20 ms while idle): work
  //! driven by something other than the inputs (the risk table read from spot.risk). Its outputs
  //! are tied to no input batch. Shard thread.
  virtual void on_idle(OutputCollector& /*out*/) {}
};

}  // namespace spotstream

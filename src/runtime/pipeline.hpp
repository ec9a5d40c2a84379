#pragma once
//! The runtime: a source thread (the caller of run()) polls the source the caller wires in (a Kafka
//! consumer group, or events in memory for a replay), decodes each message, routes events by key to
//! shard threads and bad input to the DLQ; shards run the topology's ShardLogic; the sink (Kafka,
//! or memory) stores outputs. Offsets are committed only for input batches whose outputs have all
//! been stored (at-least-once), in order, and once more on shutdown. With
//! delivery.guarantee=exactly_once they are sent to the sink's open transaction instead, which
//! commits them together with every output derived from them (commit_transaction()).
#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <set>
#include <vector>

#include "src/codec/event_decoder.hpp"
#include "src/config/config.hpp"
#include "src/core/ring.hpp"
#include "src/runtime/event_source.hpp"
#include "src/runtime/offset_tracker.hpp"
#include "src/runtime/output_sink.hpp"
#include "src/runtime/delivery_marks.hpp"
#include "src/runtime/runtime_metrics.hpp"
#include "src/runtime/shard.hpp"
#include "src/runtime/shard_plan.hpp"
#include "src/runtime/watermarks.hpp"

namespace spotstream {

class Pipeline : public EventSource::Listener {
 public:
  //! run()'s status when input messages were lost (RuntimeMetrics::messages_lost) but nothing failed.
  static constexpr int kExitDataLost = 3;
  using LogicFactory = ShardPlan::LogicFactory;

  //! `plan`: what the shards do and which shard each event goes to (topology/live_topology); `io`:
  //! where the input comes from and the outputs go (topology/kafka_io, topology/replay).
  Pipeline(const Config& cfg, ShardPlan plan, RuntimeMetrics& metrics, PipelineIo io);
  ~Pipeline() override;

  //! Runs on the calling thread until `stop` is set (SIGINT/SIGTERM), an idle exit
  //! (runtime.idle_exit_ms, and `may_exit_idle()` if given), or a fatal delivery error.
  //! Drains, delivers and commits before returning. Returns 0 on a clean stop, 1 on a fatal error,
  //! kExitDataLost when the broker removed input messages before they were read.
  int run(const std::atomic<bool>& stop, const std::function<bool()>& may_exit_idle = {});
  //! exactly_once only: told of every transactional call (tests). Call before run().
  void set_transaction_observer(TransactionObserver* observer) { sink_->set_transaction_observer(observer); }

 private:
  void on_assigned(const std::vector<PartitionKey>& parts) override;
  void on_revoking(const std::vector<PartitionKey>& parts) override;
  void on_lost(const PartitionKey& tp, std::int64_t from, std::int64_t to) override;

  void route(const EventSource::Record& r);
  //! Price ticks wait while the fleet and signals inputs have not been read up to their time, so
  //! that a shard joining them (interruption pressure) sees every signal stamped before a tick
  //! first, as a replay in event-time order does. A tick that is past those inputs only because
  //! their partitions are read to their end waits runtime.control_grace_ms more (a producer's
  //! signal may be on its way), until the source has confirmed the ends after that. `all`: every
  //! held tick goes now (the source is about to wait for what it has routed: a revocation, a
  //! commit, the stop).
  //! Oldest: the hold is full; the oldest eighth goes, ready or not (counted when not): the rest
  //! keep waiting as long as the bound allows, and what one release stages for the shards stays small.
  enum class Release { Ready, SkippingGrace, Oldest, All };
  void release_held(Release how);
  bool hold(TimestampMs ts, bool replay) const;
  void hold_tick(PriceTick&& t, const EventContext& ctx, std::size_t target);
  //! Stages a routed event in its shard, or a copy in each (ShardPlan::kEveryShard).
  void stage(Event&& e, const EventContext& ctx, std::size_t target, Shard::Lane lane);
  //! Whether a tick held now waits runtime.control_grace_ms for idle partitions.
  bool needs_grace(bool replay) const;
  //! The watermarks as the shards may see them: the prices' capped at the earliest held tick.
  Watermarks snapshot();
  void dead_letter(const EventSource::Record& r, const DecodeError& err);
  //! Recomputes the watermarks (each poll round), having the source confirm which partitions are
  //! read to their end first when kEndsCheckIntervalMs has passed since it last did, or `now`.
  void confirm_ends(bool now = false);
  //! The watermark tracker over the source's inputs (at the start of run()).
  void init_watermarks();
  //! Logs price partitions newly stalled or resumed and publishes the set (RuntimeMetrics::stalled_feeds).
  void report_stalls();
  void seal_batch();
  //! Progress marks carrying only a newer Watermarks::ends_checked_at, tied to no input batch.
  void send_ends_checked(const Watermarks& wm);
  //! Until every input batch is committable; `deferred_done`: or waits only for outputs the shards
  //! deferred (OffsetTracker::delivered), which the stop's on_finish makes.
  void wait_in_flight(bool deferred_done = false);
  //! Every batch pushed has its outputs delivered (deferred ones aside), as of now: the tracker
  //! is advanced first, since otherwise only a commit round advances it.
  bool all_delivered();
  //! The gauges of what the source thread owns (assignment, warm start, lag, queue depths).
  void refresh_gauges();
  //! `owed_from`: recorded with the commit (ShardLogic::owed_from; the last commit only).
  void commit(bool sync, const std::map<PartitionKey, std::int64_t>& owed_from = {});
  //! At the stop, after the shards have stopped: ShardLogic::on_finish on each; returns what they
  //! leave owed (ShardLogic::owed_from), for the last commit.
  std::map<PartitionKey, std::int64_t> finish_shards(bool input_consumed);
  //! exactly_once: waits for every sealed batch's outputs, then has the sink commit the open
  //! transaction with their offsets, so that no output of later input is in it.
  //! `periodic`: may be put off to a later round while ticks wait for partitions still being read
  //! (releasing them early would make the outputs depend on the commit's timing).
  void commit_transaction(bool periodic = false);
  //! Committable offsets not committed yet.
  std::map<PartitionKey, std::int64_t> uncommitted();
  //! Produces the marks due (ShardPlan::marks), tied to a batch of their own.
  void publish_marks();

  static constexpr std::int64_t kEndsCheckResolutionMs = 100;
  //! Asking the client where each of hundreds of partitions ends costs about as much as reading a
  //! few hundred messages: a busy source, whose poll rounds come every millisecond or so, asks at
  //! this interval (a tenth of the resolution above; an idle one's rounds are further apart).
  static constexpr std::int64_t kEndsCheckIntervalMs = 10;

  Config cfg_;
  RuntimeMetrics& metrics_;
  const bool exactly_once_;  //!< delivery.guarantee=exactly_once
  std::atomic<bool> fatal_{false};
  const std::atomic<bool>* stop_ = nullptr;  //!< set by run(): ends backpressure waits
  SourceFactory make_source_;
  std::unique_ptr<HistorySink> history_;  //!< null: no history
  std::unique_ptr<OutputSink> sink_;
  std::vector<std::unique_ptr<Shard>> shards_;
  ShardPlan::Router route_;
  std::unique_ptr<EventSource> source_;
  EventDecoder decoder_;
  OffsetTracker tracker_;
  WatermarkTracker watermarks_{{}};  //!< over the source's inputs, from run()
  std::map<PartitionKey, std::int64_t> committed_;
  //! What the source thread keeps per assigned partition, by the source's slot (EventSource::Record::slot).
  struct PartitionState {
    //! Kafka time of the first message read from it since its assignment: the start of the history
    //! this process holds for it (EventContext::covered_from).
    TimestampMs covered_from = 0;
    bool covered = false;
    std::int64_t next_offset = -1;  //!< offset to commit for the batch being filled; -1 if none
    TimestampMs* watermark = nullptr;  //!< its entry in watermarks_, once it has one
  };
  PartitionState& partition_state(std::uint32_t slot);
  //! Stamped too far ahead of the clock, or (a price tick) of its partition's latest accepted tick.
  bool too_far_ahead(const Event& e, TimestampMs ts, const PartitionState& part) const;
  std::vector<PartitionState> partitions_;
  std::vector<std::uint32_t> touched_;  //!< slots with a next_offset in the batch being filled
  std::vector<InputKind> kinds_;  //!< by the source's topic index
  std::unique_ptr<InputBatch> current_;
  std::size_t current_messages_ = 0;  //!< messages routed into current_
  std::int64_t staged_ = 0;  //!< events staged for current_ but not yet counted in it (one atomic add per batch)
  std::vector<Event> decoded_;
  //! A price tick held for the fleet and signals inputs: the tick alone and where it came from,
  //! without the watermarks (they are taken again when it is released).
  struct HeldTick {
    PriceTick tick;
    InputBatch* batch;  //!< counts the tick until a shard has processed it
    std::int64_t offset;
    TimestampMs covered_from;
    std::int64_t polled_ns;
    std::int64_t held_at;  //!< steady clock, ms
    std::int32_t partition;
    std::uint32_t shard;
    bool replay, owed;
    bool grace;  //!< waits runtime.control_grace_ms for idle fleet and signals partitions
    EventContext context(const Watermarks& wm) const { return {wm, replay, partition, offset, covered_from, polled_ns, owed}; }
  };
  std::int64_t control_grace_ms_ = 0;  //!< runtime.control_grace_ms
  std::size_t held_max_ = 0;           //!< runtime.queue_capacity per shard
  bool hold_prices_ = false;   //!< the source is not in event-time order and has fleet or signals inputs
  bool fleet_routed_ = false;  //!< some fleet event was routed (signals can be placed)
  Ring<HeldTick> held_;  //!< a held tick is ~220 bytes: a deque would allocate for each
  std::deque<TimestampMs> held_min_;  //!< increasing: its front is the earliest held tick's time
  TimestampMs shown_progress_ = Watermarks::kMin;  //!< prices_progress as last shown to the shards
  std::vector<Output> dlq_outputs_;
  std::vector<HistoryItem> history_inputs_;  //!< inputs of the current batch bound for the history
  std::unique_ptr<OutputSink::Lane> dlq_lane_;  //!< the source thread's way to the sink
  std::size_t dlq_payload_max_;
  TimestampMs allowed_lateness_;
  TimestampMs max_ahead_, max_ahead_of_clock_;  //!< window.max_ahead_ms, window.max_ahead_of_clock_ms (0: none)
  TimestampMs clock_ms_ = 0;                    //!< the wall clock, read once per poll round
  std::int64_t ends_checked_ms_ = 0;            //!< steady clock: the source's last confirm_ends()
  std::chrono::steady_clock::time_point last_commit_;
  std::int64_t lags_refreshed_ms_ = 0;  //!< steady clock
  std::set<PartitionKey> reported_stalls_;
  Watermarks progress_sent_;  //!< the watermarks the last progress marks carried
  std::unique_ptr<DeliveryMarks> marks_;  //!< null: none
};

}  // namespace spotstream

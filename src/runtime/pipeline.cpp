#include "src/runtime/pipeline.hpp"

#include <spdlog/spdlog.h>

#include <thread>

#include "src/codec/dlq_reason.hpp"
#include "src/codec/json_encoder.hpp"
#include "src/core/hash.hpp"
#include "src/core/steady_time.hpp"
#include "src/runtime/delivery_guarantee.hpp"

namespace spotstream {

using Clock = std::chrono::steady_clock;

Pipeline::Pipeline(const Config& cfg, ShardPlan plan, RuntimeMetrics& metrics, PipelineIo io)
    : cfg_(cfg),
      metrics_(metrics),
      exactly_once_(delivery_guarantee(cfg) == DeliveryGuarantee::ExactlyOnce),
      make_source_(std::move(io.source)),
      history_(io.history ? io.history(metrics, fatal_) : nullptr),
      sink_(io.sink(metrics, fatal_)),
      decoder_(DecodeLimits{static_cast<std::size_t>(cfg.get_int("decode.max_message_bytes")),
                            cfg.get_double("decode.max_price")}),
      dlq_lane_(sink_->lane()),
      dlq_payload_max_(static_cast<std::size_t>(cfg.get_int("decode.dlq_payload_max_bytes"))),
      allowed_lateness_(cfg.get_int("window.allowed_lateness_ms")),
      max_ahead_(cfg.get_int("window.max_ahead_ms")),
      max_ahead_of_clock_(cfg.get_int("window.max_ahead_of_clock_ms")),
      marks_(plan.marks ? plan.marks() : nullptr) {
  metrics_.dlq.set_payload_rate(static_cast<std::uint64_t>(cfg.get_int("limits.dlq_per_second")));
  if (!sink_->set_history(history_.get()))
    throw ConfigError("postgres.enabled: the history is kept only for outputs that go to Kafka");
  const auto n = cfg.get_int("runtime.shards");
  const auto capacity = static_cast<std::size_t>(cfg.get_int("runtime.queue_capacity"));
  const bool batch_scheduling = cfg.get_bool("runtime.shard_batch_scheduling");
  for (int i = 0; i < n; ++i)
    shards_.push_back(std::make_unique<Shard>(plan.logic(i, metrics_), *sink_, capacity, metrics_.events_processed,
                                              &metrics_.shard_wait_seconds, batch_scheduling));
  route_ = std::move(plan.route);
}

Pipeline::~Pipeline() = default;

Pipeline::PartitionState& Pipeline::partition_state(std::uint32_t slot) {
  if (slot >= partitions_.size()) partitions_.resize(std::max<std::size_t>(slot + 1, source_->slot_bound()));
  return partitions_[slot];
}

void Pipeline::route(const EventSource::Record& r) {
  if (current_messages_++ == 0) {
    current_->polled_ns = steady_ns();
    current_->completed = &metrics_.batch_seconds;
  }
  // A replayed message was fully processed before: it rebuilds state, emits nothing, and its
  // offset (below the committed one) is never committed again.
  if (r.position == EventSource::Position::Skip) {
    metrics_.messages_skipped.inc();
    return;
  }
  const bool owed = r.position == EventSource::Position::ReplayOwing;
  const bool replay = owed || r.position == EventSource::Position::Replay;
  auto& part = partition_state(r.slot);
  // What this process holds of the partition's history starts at the first message it read.
  if (!part.covered) {
    part.covered = true;
    part.covered_from = r.timestamp;
  }
  const TimestampMs covered_from = part.covered_from;
  if (replay) {
    metrics_.messages_replayed.inc();
  } else {
    metrics_.messages_in.inc();
    if (part.next_offset < 0) touched_.push_back(r.slot);
    part.next_offset = r.offset + 1;
  }
  const InputKind kind = kinds_[r.topic];
  const std::string_view key = r.key, value = r.value;
  decoded_.clear();
  DecodeError err;
  if (r.decoded) {
    decoded_.swap(*r.decoded);  // decoded by the source already
  } else if (!decoder_.decode(kind, key, value, decoded_, err)) {
    // A replayed message was dead-lettered when it was first read: counted, not sent again.
    if (replay) metrics_.bad_input_replayed.inc();
    else dead_letter(r, err);
    return;
  }
  std::size_t late = 0, ahead = 0;
  for (auto& e : decoded_) {
    const TimestampMs ts = std::visit([](const auto& v) { return v.ts; }, e);
    if (too_far_ahead(e, ts, part)) {
      ++ahead;  // a bad producer clock: moving the watermark would make every later tick late
      continue;
    }
    const TimestampMs partition_wm = watermarks_.observe(part.watermark, source_->key(r.slot), ts);
    if (std::holds_alternative<PriceTick>(e) && partition_wm != Watermarks::kMin && ts < partition_wm - allowed_lateness_) {
      ++late;  // its pane may already be sealed: placing it would rewrite history
      continue;
    }
    if (history_ && !replay && !std::holds_alternative<FleetEvent>(e)) {
      // Price ticks and signals are history too: held against this batch until stored.
      current_->add(1);
      if (const auto* t = std::get_if<PriceTick>(&e)) history_inputs_.push_back(HistoryItem{*t, current_.get()});
      else history_inputs_.push_back(HistoryItem{std::get<Signal>(e), current_.get()});
    }
    Shard::Lane lane = Shard::Lane::Control;
    if (std::holds_alternative<PriceTick>(e)) {
      if (!replay) metrics_.prices_in.inc();
      lane = Shard::Lane::Prices;
    } else if (std::holds_alternative<Signal>(e)) {
      if (!replay) metrics_.signals_in.inc();
    } else {
      fleet_routed_ = true;
      if (!replay) metrics_.fleet_in.inc();
    }
    EventContext ctx{snapshot(), replay, r.partition, r.offset, covered_from, current_->polled_ns, owed};
    const std::size_t target = route_(e, shards_.size());
    if (lane == Shard::Lane::Prices && hold(ts, replay)) {
      hold_tick(std::move(std::get<PriceTick>(e)), ctx, target);
      continue;
    }
    stage(std::move(e), ctx, target, lane);
  }
  if (late > 0 && !replay) {
    dead_letter(r, DecodeError{dlq::kLate, std::to_string(late) + " of " + std::to_string(decoded_.size()) +
                                               " price tick(s) older than the partition's watermark minus the allowed lateness (" +
                                               std::to_string(allowed_lateness_ / 1000) + " s)"});
    if (late > 1) metrics_.dlq.inc(dlq::kLate, late - 1);  // one record per message, counted per tick
  }
  if (ahead > 0 && !replay) {
    dead_letter(r, DecodeError{dlq::kAhead, std::to_string(ahead) + " of " + std::to_string(decoded_.size()) +
                                                " event(s) stamped more than window.max_ahead_ms (" +
                                                std::to_string(max_ahead_ / 1000) +
                                                " s) ahead of the partition's latest tick or window.max_ahead_of_clock_ms (" +
                                                std::to_string(max_ahead_of_clock_ / 1000) + " s) ahead of the clock"});
    if (ahead > 1) metrics_.dlq.inc(dlq::kAhead, ahead - 1);
  }
}

void Pipeline::dead_letter(const EventSource::Record& r, const DecodeError& err) {
  DeadLetter dl;
  dl.reason = err.reason;
  dl.detail = err.detail;
  dl.source = SourceRef{source_->key(r.slot).first, r.partition, r.offset};
  dl.key.assign(r.key);
  dl.payload.assign(r.value);
  dl.ts = r.timestamp;
  metrics_.dlq.inc(dl.reason);
  const auto count = metrics_.dlq.total();
  if (count <= 10 || count % 1000 == 0)
    spdlog::warn("bad input #{} from {}[{}]@{} -> dead letters: {} ({})", count, dl.source.topic, dl.source.partition,
                 dl.source.offset, dl.reason, dl.detail);
  current_->add(1);
  dlq_outputs_.push_back(Output{OutputTopic::Dlq, dl.key, encode_dead_letter(dl, metrics_.dlq.payload_allowance(dlq_payload_max_, steady_ms())), dl.ts, current_.get()});
}

void Pipeline::seal_batch() {
  release_held(Release::Ready);
  // Emptiness is "no message routed", not "no offset to commit": a batch of replayed messages
  // commits nothing, yet its events are staged in the shards and point at it.
  const Watermarks wm = snapshot();
  const bool progressed = wm.prices_progress != progress_sent_.prices_progress ||
                          wm.fleet_progress != progress_sent_.fleet_progress ||
                          wm.signals_progress != progress_sent_.signals_progress ||
                          wm.control_progress != progress_sent_.control_progress ||
                          wm.prices_caught_up != progress_sent_.prices_caught_up;
  // A newer confirmation of the partitions' ends is news for decisions waiting for an idle input's
  // grace (decisions.input_grace_ms), at a resolution that does not flood the shards.
  // So is a change in the stalled price partitions, for the price shards marking their pools.
  const bool ends_checked = wm.ends_checked_at >= progress_sent_.ends_checked_at + kEndsCheckResolutionMs ||
                            wm.stalled_generation != progress_sent_.stalled_generation;
  if (!current_) return;
  if (current_messages_ == 0 && !progressed) {
    if (ends_checked) send_ends_checked(wm);
    return;
  }
  current_messages_ = 0;
  current_->add(staged_);
  staged_ = 0;
  for (const auto slot : touched_) {
    auto& part = partitions_[slot];
    current_->next_offsets[source_->key(slot)] = part.next_offset;
    part.next_offset = -1;
  }
  touched_.clear();
  if (progressed || ends_checked) {  // every shard learns how far the inputs have got, after what was routed to it
    progress_sent_ = wm;
    for (auto& s : shards_) {
      current_->add(1);
      QueuedEvent mark{PriceTick{}, current_.get(), EventContext{wm, false, -1, -1}};
      mark.progress = true;
      s->stage(std::move(mark), Shard::Lane::Prices);
    }
  }
  InputBatch* batch = tracker_.push(std::move(current_));
  if (marks_) marks_->sealed(tracker_.pushed(), watermarks_, source_->assignment());
  current_ = std::make_unique<InputBatch>();
  for (auto& s : shards_) s->flush(*stop_);
  dlq_lane_->push(dlq_outputs_);
  dlq_lane_->progress(wm.routed_before());
  if (history_) history_->push(history_inputs_, *stop_);
  batch->done();  // the source's hold
}

void Pipeline::wait_in_flight(bool deferred_done) {
  release_held(Release::All);
  bool failed = false;
  for (;;) {
    tracker_.advance(failed);
    if (tracker_.in_flight() == 0 || failed || fatal_.load()) return;
    if (deferred_done && tracker_.delivered() == tracker_.pushed()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

bool Pipeline::all_delivered() {
  bool failed = false;
  tracker_.advance(failed);
  return tracker_.delivered() == tracker_.pushed();
}

void Pipeline::publish_marks() {
  if (!marks_) return;
  bool failed = false;
  tracker_.advance(failed);
  auto marks = marks_->due(tracker_.delivered(), *sink_);
  if (marks.empty()) return;
  // A batch of their own: shutdown waits for them like for any output (wait_in_flight).
  InputBatch* batch = tracker_.push(std::make_unique<InputBatch>());
  batch->add(static_cast<std::int64_t>(marks.size()));
  for (auto& m : marks) m.batch = batch;
  metrics_.marks_published.inc(marks.size());
  dlq_lane_->push(marks);
  batch->done();
}

void Pipeline::on_assigned(const std::vector<PartitionKey>& parts) {
  metrics_.partitions_assigned.inc(parts.size());
  // A partition starts over on every assignment: what it covers, its watermark entry.
  for (const auto& tp : parts)
    if (const auto slot = source_->slot_of(tp); slot >= 0) partition_state(static_cast<std::uint32_t>(slot)) = {};
}

void Pipeline::on_revoking(const std::vector<PartitionKey>& parts) {
  metrics_.partitions_revoked.inc(parts.size());
  // Finish everything read so far (including the batch being filled), deliver, commit, forget; not
  // outputs deferred by shard logic, which may wait for input not read now (ShardLogic::on_revoked).
  seal_batch();
  wait_in_flight(true);
  if (exactly_once_) commit_transaction();
  else commit(true);
  for (const auto& tp : parts) {
    tracker_.forget(tp);
    committed_.erase(tp);
    watermarks_.forget(tp);
    if (const auto slot = source_->slot_of(tp); slot >= 0) partition_state(static_cast<std::uint32_t>(slot)) = {};
  }
  // Every event read so far is processed (wait_in_flight): the shards are idle, so they can drop
  // the revoked partitions' state; another member (or this one, if they come back) rebuilds it.
  for (auto& s : shards_) s->revoked(parts);
  // Outputs tied to no input batch (decisions made while idle) included: whoever is assigned these
  // partitions next reads the decisions back, and must find every one made for their nodes here.
  sink_->wait_delivered();
  // ...in a committed transaction: it reads them read_committed.
  if (exactly_once_) commit_transaction();
}

int Pipeline::run(const std::atomic<bool>& stop, const std::function<bool()>& may_exit_idle) {
  stop_ = &stop;
  if (exactly_once_) {
    std::string error;
    if (!sink_->init_transactions(error)) {
      spdlog::error("{}", error);
      return 1;
    }
    spdlog::info("exactly_once: outputs and input offsets commit together in Kafka transactions every {} ms; read the "
                 "output topics with isolation.level=read_committed", cfg_.get_int("runtime.commit_interval_ms"));
  }
  if (history_) {
    try {
      history_->start(stop);
    } catch (const std::exception& e) {
      spdlog::error("{}", e.what());
      return 1;
    }
  }
  sink_->start();
  for (auto& s : shards_) s->start();
  source_ = make_source_(*this);
  init_watermarks();
  control_grace_ms_ = cfg_.get_int("runtime.control_grace_ms");
  held_max_ = static_cast<std::size_t>(cfg_.get_int("runtime.queue_capacity")) * shards_.size();
  held_.keep_capacity();
  hold_prices_ = !source_->event_time_ordered() &&
                 std::any_of(kinds_.begin(), kinds_.end(), [](InputKind k) { return k != InputKind::Prices; });
  current_ = std::make_unique<InputBatch>();
  const auto batch_size = static_cast<std::size_t>(cfg_.get_int("runtime.batch_size"));
  const auto commit_every = std::chrono::milliseconds(cfg_.get_int("runtime.commit_interval_ms"));
  const auto idle_exit = std::chrono::milliseconds(cfg_.get_int("runtime.idle_exit_ms"));
  auto last_input = Clock::now();
  last_commit_ = Clock::now();
  bool input_consumed = false;

  while (!stop.load() && !fatal_.load()) {
    confirm_ends();
    const auto n = source_->poll(batch_size, 100, [this](const EventSource::Record& r) { route(r); });
    seal_batch();
    refresh_gauges();
    const auto now = Clock::now();
    if (n > 0) last_input = now;
    if (now - last_commit_ >= commit_every) {
      if (exactly_once_) commit_transaction(true);
      else commit(false);
    }
    // An idle input still owes the marks of its last batches (the interval skipped them).
    if (n == 0 && marks_ && marks_->dirty()) marks_->sealed(tracker_.pushed(), watermarks_, source_->assignment(), true);
    publish_marks();
    // Batches that wait only for outputs the shards deferred (to a grace, or to scores still on
    // their way) do not keep an idle run going: the stop's on_finish makes those outputs from
    // everything read, as the wait would once nothing more comes.
    if (idle_exit.count() > 0 && n == 0 && now - last_input >= idle_exit && source_->all_at_eof() && all_delivered() &&
        (!may_exit_idle || may_exit_idle())) {
      spdlog::info("all input consumed and idle for {} ms: stopping", idle_exit.count());
      input_consumed = true;
      break;
    }
  }

  spdlog::info("stopping: draining shards, delivering outputs, committing offsets");
  confirm_ends(true);
  release_held(Release::All);
  seal_batch();
  for (auto& s : shards_) s->stop_and_join();
  if (marks_ && !fatal_.load()) {
    // The last marks, once everything read is delivered: the decision shard's on_finish waits for
    // the risk table to have read them (decisions up to where this process's input got). Outputs
    // deferred by the shards (signal decisions waiting for that table) come with on_finish.
    wait_in_flight(true);
    marks_->sealed(tracker_.pushed(), watermarks_, source_->assignment(), true);
    publish_marks();
    wait_in_flight(true);
  }
  // exactly_once: the last marks must be committed before on_finish waits to read them back.
  if (exactly_once_) commit_transaction();
  const auto owed_from = finish_shards(input_consumed);
  if (exactly_once_) {  // and what on_finish emitted
    sink_->wait_delivered();
    commit_transaction();
  }
  sink_->stop_and_join();
  if (history_) history_->stop_and_join();  // after the Kafka sink: it hands outputs over
  if (!exactly_once_) commit(true, owed_from);
  source_->close();
  bool failed = false;
  tracker_.advance(failed);
  if (fatal_.load() || failed) {
    if (exactly_once_)
      spdlog::error("stopped after a delivery or transaction failure; the open transaction is aborted and a restart "
                    "resumes from the offsets of the last committed one");
    else
      spdlog::error("stopped after a delivery failure; {} input batch(es) left uncommitted", tracker_.in_flight());
    return 1;
  }
  if (const auto lost = metrics_.messages_lost.get(); lost > 0) {
    spdlog::error("{} input message(s) were lost before they could be read (see the LOST lines above): the results "
                  "are incomplete", lost);
    return kExitDataLost;
  }
  return 0;
}

}  // namespace spotstream

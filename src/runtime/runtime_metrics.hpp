#pragma once
//! Counters for the whole processor, readable live from any thread (relaxed atomics) and printed
//! in the run summary. Each counter names the thread that writes it.
#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "src/core/event.hpp"

namespace spotstream {

struct Counter {
  std::atomic<std::uint64_t> value{0};
  void inc(std::uint64_t n = 1) { value.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t get() const { return value.load(std::memory_order_relaxed); }
};

//! DLQ records per reason code (codec/dlq_reason.hpp); unknown codes count under "other".
class DlqCounters {
 public:
  static constexpr std::array<std::string_view, 13> kReasons = {
      "malformed_json", "missing_field", "wrong_type",   "bad_price",         "bad_timestamp", "unknown_az",
      "bad_value",      "unknown_format", "missing_instance_id", "oversize", "late",          "ahead",
      "other"};
  void inc(std::string_view reason, std::uint64_t n = 1);
  std::uint64_t get(std::string_view reason) const;
  std::uint64_t total() const;

 private:
  std::array<Counter, kReasons.size()> counts_;
};

struct RuntimeMetrics {
  // source thread
  Counter messages_in;
  Counter messages_replayed;  //!< read again to rebuild state after a restart (not in messages_in)
  Counter messages_skipped;   //!< read only to reach a warm start's first message (older than it needs)
  //! Messages removed from the broker (retention) before this process read them: an offset reset
  //! skipped them (logged as an error with the partition and offset range; commands exit non-zero).
  Counter messages_lost;
  Counter bad_input_replayed;  //!< bad messages read again in a replay (dead-lettered when first read)
  Counter prices_in;
  Counter signals_in;
  Counter fleet_in;
  Counter commits;
  Counter partitions_assigned;  //!< input partitions received from the group, since the start
  Counter partitions_revoked;   //!< ... and given back (at close too)
  DlqCounters dlq;
  // shard threads
  std::array<Counter, 4> decisions;  //!< indexed by DecisionKind
  Counter unknown_instance_signals;  //!< signals for instances not (yet) in the fleet
  Counter parked_signals_applied;    //!< of those, applied when the instance joined later
  Counter joins_caught_up;           //!< live joins older than instants already decided, evaluated at those
  Counter unknown_instance_types;    //!< joins of a well-formed instance type no catalogue knows (logged)
  Counter parked_signals_expired;    //!< of those, expired unmatched (logged)
  Counter parked_signals_overflow;   //!< of those, not kept: the parked table was full (logged)
  Counter duplicate_ticks;           //!< same pool, time and price as a tick already held
  Counter risk_records;              //!< spot.risk records emitted
  Counter events_processed;          //!< events (replayed or new) a shard has finished with
  Counter risk_marks;                //!< spot.risk progress marks produced (one per risk partition)
  Counter risk_table_records;        //!< spot.risk records read into the risk table (decisions.risk_source=topic)
  Counter risk_table_unreadable;     //!< spot.risk messages that are neither a record nor a mark (logged)
  // model reload thread (src/model/model_watcher.hpp)
  Counter model_reloads;    //!< model files (or models-topic messages) validated and swapped in
  Counter model_rejects;    //!< refused: the previous model stays
  Counter advisor_reloads;  //!< Spot Advisor files reloaded
  Counter advisor_rejects;  //!< refused: the previous data stays
  // sink thread
  Counter outputs_delivered;
  Counter delivery_failures;
  Counter transactions_committed;  //!< delivery.guarantee=exactly_once: Kafka transactions committed
  Counter transactions_aborted;    //!< ... and aborted (each stops the process)
  // history (PostgreSQL) sink thread
  Counter history_rows_written;    //!< rows inserted
  Counter history_rows_duplicate;  //!< rows already stored (a replay after a crash): skipped
  Counter history_transactions;    //!< batches committed
  Counter history_retries;         //!< failed attempts retried (database unreachable)
  Counter history_unreadable;      //!< outputs that could not be read back into columns (logged)

  void count_decision(DecisionKind k) { decisions[static_cast<std::size_t>(k)].inc(); }
  std::uint64_t decisions_total() const;
  //! One-line JSON of every counter, for logs and the run summary.
  std::string to_json() const;
};

}  // namespace spotstream

#pragma once
//! The runtime's counters: what the source, the sinks and the history do. Each counter names the
//! thread that writes it. A process's metrics (topology/process_metrics) add those of the price
//! path, the decisions and the model reloads.
#include <nlohmann/json_fwd.hpp>

#include <string>

#include "src/codec/dlq_counters.hpp"
#include "src/core/counter.hpp"
#include "src/core/gauge_table.hpp"
#include "src/core/histogram.hpp"
#include "src/runtime/stalled_feeds.hpp"

namespace spotstream {

struct RuntimeMetrics {
  virtual ~RuntimeMetrics() = default;
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
  //! Price ticks held for the fleet and signals inputs (Pipeline::release_held), and those let go
  //! before those inputs got to their time because the hold was full (their pressure may miss a
  //! signal read later).
  Counter ticks_held;
  Counter ticks_released_early;
  Counter commits;
  Counter partitions_assigned;  //!< input partitions received from the group, since the start
  Counter partitions_revoked;   //!< ... and given back (at close too)
  Counter marks_published;      //!< delivery marks produced (DeliveryMarks: spot.risk progress marks)
  DlqCounters dlq;              //!< also written by the shards (bad input found there)
  Gauge partitions_now;         //!< input partitions assigned at present
  Gauge partitions_warming;     //!< ... of which some history is still being re-read (warm start)
  Gauge started;                //!< 1 once the source has been created (the run has begun)
  //! Messages on the broker not read yet, per assigned partition (refreshed about once a second).
  GaugeTable consumer_lag{{"topic", "partition"}};
  GaugeTable shard_queue_depth{{"shard"}};  //!< events queued per shard (refreshed each poll round)
  //! Price partitions whose producer stopped while the others go on (feeds.stale_after_ms): what
  //! the price shards mark stale, /ready reports and /metrics shows.
  StalledFeeds stalled_feeds;
  //! Seconds from a message's poll to the moment every output derived from its batch is stored
  //! (Kafka and the history): what offset commits wait for. Written by whichever thread finishes it.
  Histogram batch_seconds{Histogram::exponential(0.0005, 2, 16)};
  // shard threads
  Counter events_processed;  //!< events (replayed or new) a shard has finished with
  Histogram shard_wait_seconds{Histogram::exponential(0.0001, 2, 16)};  //!< poll -> a shard takes it up
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
  Gauge history_writers_failing;   //!< writers retrying after losing the database (an outage)
  Histogram history_batch_rows{Histogram::exponential(1, 4, 10)};  //!< rows per transaction

  //! Adds every counter to `j` (an object).
  void to_json(nlohmann::json& j) const;
  //! One-line JSON of every counter (of the whole process, for a ProcessMetrics), for logs and the
  //! run summary.
  virtual std::string to_json() const;
};

}  // namespace spotstream

#pragma once
//! The PostgreSQL history sink: writer threads (postgres.writers, one connection each) take
//! history items (price ticks and signals from the source, outputs from the Kafka sink) off a
//! lock-free queue and write them in batches, one transaction per batch — a binary COPY straight
//! into each table, or, when keys are already stored, a COPY into a session-local staging table
//! then INSERT ... SELECT ... ON CONFLICT DO NOTHING — and release the items' input batches only
//! after COMMIT, so offsets behind stored rows commit after the rows do. Deterministic keys make a
//! replay after a crash insert nothing twice (src/storage/README.md).
//! When the database goes away the batch is retried on a new connection with exponential backoff;
//! the queue is bounded (postgres.queue_capacity), so the source stops polling instead of growing
//! memory, and everything held is written once the database is back.
//! Owns: its writer threads and their connections. push() is called from the source and Kafka
//! sink threads.
#include <concurrentqueue/concurrentqueue.h>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "src/config/config.hpp"
#include "src/runtime/history_sink.hpp"
#include "src/runtime/runtime_metrics.hpp"

namespace spotstream {

class PgConnection;
class HistoryEncoder;

class PgSink : public HistorySink {
 public:
  PgSink(const Config& cfg, RuntimeMetrics& metrics, std::atomic<bool>& fatal);
  ~PgSink() override;

  //! Connects (waiting up to postgres.startup_timeout_ms for the database, or until `stop`),
  //! applies the migrations, prepares the staging tables, starts the thread. Throws
  //! std::runtime_error with a clear message when the database cannot be used.
  void start(const std::atomic<bool>& stop) override;
  void push(std::vector<HistoryItem>& items, const std::atomic<bool>& abort) override;
  void stop_and_join() override;

  //! Rows inserted per table so far (index: HistoryTable), for logs and tests.
  std::vector<std::uint64_t> rows_per_table() const;

 private:
  using Clock = std::chrono::steady_clock;
  //! One writer thread with its own session: the server works on one transaction per
  //! connection, so two writers use both cores of a small host while the other one commits.
  struct Writer {
    std::unique_ptr<PgConnection> conn;
    std::unique_ptr<HistoryEncoder> encoder;
    //! Per table: write through the staging table with ON CONFLICT (after meeting stored rows)
    //! instead of COPY straight into the table.
    std::array<bool, 5> careful{};  // 5: kHistoryTables (checked in pg_sink.cpp)
    std::thread thread;
    Writer();
    ~Writer();
  };
  void loop(Writer& w);
  void connect(Writer& w);
  //! Encodes and writes `pending` in one transaction, retrying while the database is unreachable.
  void write(Writer& w, std::vector<HistoryItem>& pending);
  //! One attempt; `table` says which table was being written when it threw (-1: none).
  void transaction(Writer& w, std::uint64_t& inserted, std::vector<std::uint64_t>& per_table, int& table);
  void release(std::vector<HistoryItem>& pending, bool failed);

  RuntimeMetrics& metrics_;
  std::atomic<bool>& fatal_;
  std::string conninfo_;
  bool migrate_;
  std::size_t batch_rows_;
  std::chrono::milliseconds flush_interval_, backoff_, backoff_max_, startup_timeout_, shutdown_timeout_;
  std::size_t capacity_;
  moodycamel::ConcurrentQueue<HistoryItem> queue_;
  std::vector<std::unique_ptr<Writer>> writers_;
  std::atomic<bool> stop_{false};
  const std::atomic<bool>* run_stop_ = nullptr;      //!< the run's stop flag (SIGINT/SIGTERM)
  std::atomic<std::int64_t> stop_requested_ns_{0};  //!< steady-clock ns when stopping began; 0: running
  std::vector<std::atomic<std::uint64_t>> per_table_;
};

}  // namespace spotstream

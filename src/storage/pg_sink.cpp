#include "src/storage/pg_sink.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "src/core/steady_time.hpp"
#include "src/storage/history_tables.hpp"
#include "src/storage/migrations.hpp"
#include "src/storage/pg_connection.hpp"

namespace spotstream {



namespace {

std::string stage_of(const HistoryTableSpec& t) { return std::string("stage_") + t.name; }

}  // namespace

PgSink::PgSink(const Config& cfg, RuntimeMetrics& metrics, std::atomic<bool>& fatal)
    : metrics_(metrics),
      fatal_(fatal),
      conninfo_(cfg.get_string("postgres.conninfo")),
      migrate_(cfg.get_bool("postgres.migrate")),
      batch_rows_(static_cast<std::size_t>(cfg.get_int("postgres.batch_rows"))),
      flush_interval_(cfg.get_int("postgres.flush_interval_ms")),
      backoff_(cfg.get_int("postgres.retry_backoff_ms")),
      backoff_max_(cfg.get_int("postgres.retry_backoff_max_ms")),
      startup_timeout_(cfg.get_int("postgres.startup_timeout_ms")),
      shutdown_timeout_(cfg.get_int("postgres.shutdown_timeout_ms")),
      capacity_(static_cast<std::size_t>(cfg.get_int("postgres.queue_capacity"))),
      per_table_(kHistoryTables) {
  for (std::int64_t i = 0; i < cfg.get_int("postgres.writers"); ++i) writers_.push_back(std::make_unique<Writer>());
}

PgSink::Writer::Writer() : encoder(std::make_unique<HistoryEncoder>()) {
  static_assert(std::tuple_size_v<decltype(careful)> == kHistoryTables);
}
PgSink::Writer::~Writer() = default;

PgSink::~PgSink() {
  for (auto& w : writers_)
    if (w->thread.joinable()) {
      stop_and_join();
      break;
    }
}

void PgSink::connect(Writer& w) {
  w.conn.reset();
  auto c = std::make_unique<PgConnection>(conninfo_, "spotstream");
  // Session-local staging tables, emptied at each commit: COPY lands there, and the insert into
  // the history table skips what is already stored (a replay), whatever the batch boundaries.
  for (std::size_t i = 0; i < kHistoryTables; ++i) {
    const auto& t = history_table(static_cast<HistoryTable>(i));
    c->exec("CREATE TEMP TABLE IF NOT EXISTS " + stage_of(t) + " (LIKE " + t.name + " INCLUDING DEFAULTS) ON COMMIT DELETE ROWS");
  }
  w.conn = std::move(c);
}

void PgSink::start(const std::atomic<bool>& stop) {
  run_stop_ = &stop;
  const auto deadline = Clock::now() + startup_timeout_;
  auto wait = backoff_;
  for (int attempt = 1;; ++attempt) {
    try {
      auto c = std::make_unique<PgConnection>(conninfo_, "spotstream");
      spdlog::info("postgres: connected to {}", c->describe());
      if (migrate_) {
        const int n = apply_migrations(*c, embedded_migrations());
        spdlog::info("postgres: schema at version {} ({} migration(s) applied now)", embedded_migrations().back().version, n);
      }
      c.reset();
      for (auto& w : writers_) connect(*w);
      break;
    } catch (const PgError& e) {
      const bool expired = startup_timeout_.count() > 0 && Clock::now() >= deadline;
      if (!e.connection_lost || expired || stop.load())
        throw std::runtime_error(std::string("PostgreSQL history unavailable: ") + e.what() +
                                 (e.connection_lost ? " (gave up after postgres.startup_timeout_ms)" : ""));
      if (attempt == 1 || attempt % 10 == 0)
        spdlog::warn("postgres: {} (attempt {}; retrying for up to {} ms)", e.what(), attempt, startup_timeout_.count());
      std::this_thread::sleep_for(wait);
      wait = std::min(wait * 2, backoff_max_);
    }
  }
  for (auto& w : writers_) w->thread = std::thread([this, &w = *w] { loop(w); });
}

void PgSink::push(std::vector<HistoryItem>& items, const std::atomic<bool>& abort) {
  if (items.empty()) return;
  while (queue_.size_approx() > capacity_ && !abort.load(std::memory_order_relaxed) &&
         !fatal_.load(std::memory_order_relaxed))
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  queue_.enqueue_bulk(std::make_move_iterator(items.begin()), items.size());
  items.clear();
}

void PgSink::release(std::vector<HistoryItem>& pending, bool failed) {
  // Consecutive items mostly share a batch: one atomic update per run of them.
  InputBatch* current = nullptr;
  std::int64_t n = 0;
  for (auto& item : pending) {
    if (item.batch != current) {
      if (current) current->done(n);
      current = item.batch;
      n = 0;
    }
    if (failed && item.batch) item.batch->failed.store(true, std::memory_order_release);
    ++n;
  }
  if (current) current->done(n);
  pending.clear();
}

void PgSink::transaction(Writer& w, std::uint64_t& inserted, std::vector<std::uint64_t>& per_table, int& table) {
  if (!w.conn) connect(w);
  auto& enc = *w.encoder;
  auto& conn = *w.conn;
  conn.exec("BEGIN");
  for (std::size_t i = 0; i < kHistoryTables; ++i) {
    auto& stream = enc.stream(static_cast<HistoryTable>(i));
    if (stream.rows() == 0) continue;
    table = static_cast<int>(i);
    const auto& t = history_table(static_cast<HistoryTable>(i));
    // finish() appends the trailer once; a retry re-sends the same finished bytes.
    const auto data = stream.finish();
    if (!w.careful[i]) {
      // Optimistic: straight into the table (COPY's multi-row insert). A key already stored
      // fails the whole transaction on the unique index, and write() redoes it carefully.
      per_table[i] = static_cast<std::uint64_t>(
          conn.copy_in(std::string("COPY ") + t.name + " (" + t.columns + ") FROM STDIN (FORMAT binary)", data));
    } else {
      conn.copy_in("COPY " + stage_of(t) + " (" + t.columns + ") FROM STDIN (FORMAT binary)", data);
      const auto r = conn.exec(std::string("INSERT INTO ") + t.name + " (" + t.columns + ") SELECT " + t.columns +
                               " FROM " + stage_of(t) + " ON CONFLICT (" + t.conflict + ") DO NOTHING");
      per_table[i] = static_cast<std::uint64_t>(r.affected());
      // Back to the fast path once a batch meets nothing already stored (the replay is over).
      if (per_table[i] == stream.rows()) w.careful[i] = false;
    }
    inserted += per_table[i];
  }
  table = -1;
  conn.exec("COMMIT");
}

void PgSink::write(Writer& w, std::vector<HistoryItem>& pending) {
  auto& enc = *w.encoder;
  enc.clear();
  std::string error;
  for (const auto& item : pending) {
    if (!enc.add(item, error)) {
      metrics_.history_unreadable.inc();
      const auto n = metrics_.history_unreadable.get();
      if (n <= 10 || n % 1000 == 0) spdlog::error("postgres: {} (#{}), not stored", error, n);
    }
  }
  const std::uint64_t rows = enc.rows();
  auto wait = backoff_;
  for (int attempt = 1;; ++attempt) {
    std::uint64_t inserted = 0;
    std::vector<std::uint64_t> per_table(kHistoryTables, 0);
    int table = -1;
    try {
      if (rows > 0) transaction(w, inserted, per_table, table);
      if (attempt > 1) {
        spdlog::info("postgres: batch of {} rows stored after {} attempt(s)", rows, attempt);
        metrics_.history_writers_failing.add(-1);
      }
      if (rows > 0) metrics_.history_batch_rows.observe(static_cast<double>(rows));
      for (std::size_t i = 0; i < kHistoryTables; ++i) per_table_[i].fetch_add(per_table[i], std::memory_order_relaxed);
      metrics_.history_rows_written.inc(inserted);
      metrics_.history_rows_duplicate.inc(rows - inserted);
      metrics_.history_transactions.inc();
      release(pending, false);
      return;
    } catch (const PgError& e) {
      if (e.sqlstate == "23505" && table >= 0 && !w.careful[static_cast<std::size_t>(table)]) {
        // unique_violation on the fast path: rows already stored (a replay), or repeated within
        // the batch. Redo the batch through the staging table with ON CONFLICT DO NOTHING.
        w.careful[static_cast<std::size_t>(table)] = true;
        spdlog::debug("postgres: {} already holds rows of this batch: writing it through the staging table",
                      history_table(static_cast<HistoryTable>(table)).name);
        try {
          w.conn->exec("ROLLBACK");
        } catch (const PgError&) {
          w.conn.reset();
        }
        continue;
      }
      w.conn.reset();  // a failed transaction's session is of no further use
      if (!e.connection_lost) {
        // The server refused the data itself: retrying cannot help, and skipping would lose rows.
        spdlog::error("postgres: batch of {} rows rejected: {} (SQLSTATE {}); stopping with its offsets uncommitted",
                      rows, e.what(), e.sqlstate);
        fatal_.store(true);
        release(pending, true);
        return;
      }
      metrics_.history_retries.inc();
      if (attempt == 1) metrics_.history_writers_failing.add(1);
      // The shutdown clock starts at SIGINT/SIGTERM (the run's stop flag), not only when this sink
      // is stopped: the Kafka sink, stopped first, may be waiting on this one meanwhile.
      std::int64_t unset = 0;
      if (run_stop_ && run_stop_->load()) stop_requested_ns_.compare_exchange_strong(unset, steady_ns());
      const auto stopping_since = stop_requested_ns_.load();
      const bool give_up = fatal_.load() ||
                           (stopping_since != 0 && shutdown_timeout_.count() > 0 &&
                            steady_ns() - stopping_since > std::chrono::nanoseconds(shutdown_timeout_).count());
      if (give_up) {
        spdlog::error("postgres: giving up on {} rows ({}); their offsets stay uncommitted", rows + queue_.size_approx(),
                      e.what());
        fatal_.store(true);
        release(pending, true);
        return;
      }
      if (attempt == 1 || attempt % 10 == 0)
        spdlog::warn("postgres: {} — holding {} rows, retrying (attempt {}, next in {} ms)", e.what(),
                     rows + queue_.size_approx(), attempt, wait.count());
      std::this_thread::sleep_for(wait);
      wait = std::min(wait * 2, backoff_max_);
    }
  }
}

void PgSink::loop(Writer& w) {
  std::vector<HistoryItem> pending;
  pending.reserve(batch_rows_);
  std::vector<HistoryItem> chunk(4096);
  auto first_at = Clock::now();
  for (;;) {
    const auto room = std::min(chunk.size(), batch_rows_ - pending.size());
    const auto n = queue_.try_dequeue_bulk(chunk.begin(), room);
    if (n > 0) {
      if (pending.empty()) first_at = Clock::now();
      for (std::size_t i = 0; i < n; ++i) pending.push_back(std::move(chunk[i]));
    }
    const bool stopping = stop_.load(std::memory_order_acquire);
    const bool full = pending.size() >= batch_rows_;
    const bool due = !pending.empty() && (Clock::now() - first_at >= flush_interval_ || (stopping && n == 0));
    if (full || due) {
      write(w, pending);
      continue;
    }
    if (n > 0) continue;
    if (stopping && pending.empty() && queue_.size_approx() == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void PgSink::stop_and_join() {
  std::int64_t unset = 0;
  stop_requested_ns_.compare_exchange_strong(unset, steady_ns());
  stop_.store(true, std::memory_order_release);
  for (auto& w : writers_) {
    if (w->thread.joinable()) w->thread.join();
    w->conn.reset();
  }
  const auto rows = rows_per_table();
  spdlog::info("postgres: {} rows stored (price_ticks {}, risk_scores {}, decisions {}, signals {}, dead_letters {}), "
               "{} already present, {} transactions, {} retries",
               metrics_.history_rows_written.get(), rows[0], rows[1], rows[2], rows[3], rows[4],
               metrics_.history_rows_duplicate.get(), metrics_.history_transactions.get(), metrics_.history_retries.get());
}

std::vector<std::uint64_t> PgSink::rows_per_table() const {
  std::vector<std::uint64_t> v;
  for (const auto& c : per_table_) v.push_back(c.load(std::memory_order_relaxed));
  return v;
}

}  // namespace spotstream

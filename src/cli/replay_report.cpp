#include "src/cli/replay_report.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string_view>

#include "src/codec/json_encoder.hpp"
#include "src/core/time.hpp"
#include "src/runtime/pipeline.hpp"

namespace spotstream::cli {

namespace {

constexpr std::size_t kShownBadLines = 10;

}  // namespace

void report_bad_lines(const std::vector<BadLine>& bad, const std::string& dlq_file) {
  if (bad.empty()) return;
  for (std::size_t i = 0; i < bad.size() && i < kShownBadLines; ++i)
    spdlog::warn("{}:{}: {}: {}", bad[i].file, bad[i].line, bad[i].error.reason, bad[i].error.detail);
  spdlog::warn("{} line(s) of the input did not decode and were left out{}", bad.size(),
               dlq_file.empty() ? " (--dlq FILE keeps them with their reasons)" : "; all of them are in " + dlq_file);
  if (dlq_file.empty()) return;
  LineWriter out(dlq_file);
  for (const auto& b : bad) {
    DeadLetter dl{b.error.reason, b.error.detail, SourceRef{b.file, -1, static_cast<std::int64_t>(b.line)}, "", b.text, 0};
    out.line(encode_dead_letter(dl, b.text.size()));
  }
  out.close();
}

ReplayWriter::ReplayWriter(OutputTopic topic, const std::string& file, std::int64_t from, const std::string& dlq_file,
                           bool dlq_append)
    : topic_(topic), from_(from), out_(file) {
  if (!dlq_file.empty()) dlq_ = std::make_unique<LineWriter>(dlq_file, dlq_append);
}

ReplayWriter::~ReplayWriter() = default;

void ReplayWriter::write(std::vector<Output>& outputs) {
  for (const auto& o : outputs) {
    if (o.topic == OutputTopic::Dlq) {
      ++counts_.dead_letters;
      if (dlq_) dlq_->line(o.value);
    }
    if (o.topic != topic_) continue;
    ++counts_.records;
    if (o.ts < from_) continue;
    out_.line(o.value);
    ++counts_.written;
  }
}

RecordCounts ReplayWriter::close() {
  out_.close();
  if (dlq_) dlq_->close();
  return counts_;
}

int check_replay_counts(const ReplayResult& result, const ProcessMetrics& metrics, std::uint64_t ticks,
                        const RecordCounts& counts, bool every_tick) {
  bool lost = false;
  if (metrics.messages_in.get() != ticks) {
    spdlog::error("{} tick(s) given, {} routed: {} never reached the shards", ticks, metrics.messages_in.get(),
                  ticks - std::min(ticks, metrics.messages_in.get()));
    lost = true;
  }
  if (counts.records != metrics.risk_records.get()) {
    spdlog::error("{} record(s) made, {} kept", metrics.risk_records.get(), counts.records);
    lost = true;
  }
  const auto accounted = counts.records + metrics.duplicate_ticks.get() + metrics.dlq.total();
  if (every_tick && accounted != ticks) {
    spdlog::error("{} tick(s) in, {} accounted for ({} record(s), {} duplicate(s), {} dead letter(s))", ticks, accounted,
                  counts.records, metrics.duplicate_ticks.get(), metrics.dlq.total());
    lost = true;
  }
  if (lost && result.status == 0) return Pipeline::kExitDataLost;
  return result.status;
}

ReplayProgress::ReplayProgress(const Counter& processed, std::uint64_t total, const std::atomic<std::int64_t>* reached)
    : processed_(processed), total_(total), reached_(reached), thread_([this] { loop(); }) {}

ReplayProgress::~ReplayProgress() {
  done_ = true;
  thread_.join();
  if (printed_ && isatty(STDERR_FILENO)) std::fprintf(stderr, "\n");
}

void ReplayProgress::loop() {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const bool tty = isatty(STDERR_FILENO);
  auto next = start + std::chrono::seconds(2);
  while (!done_.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (Clock::now() < next) continue;
    next += std::chrono::seconds(2);
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    const auto done = processed_.get();
    const double rate = done / std::max(secs, 1e-9);
    const double left = rate > 0 && total_ > done ? (total_ - done) / rate : 0;
    const auto at = reached_ ? reached_->load() : 0;
    const std::string time = at > 0 ? ", event time " + format_iso8601(at) : std::string();
    if (done <= total_)
      std::fprintf(stderr, "%sreplay: %llu of %llu events (%.0f%%)%s, %.0f events/s, %.0f s left%s", tty ? "\r" : "",
                   static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_),
                   total_ ? 100.0 * done / total_ : 100.0, time.c_str(), rate, left, tty ? "   " : "\n");
    else  // a backtest replays again once the fleet's relaunches are known: no total to count down
      std::fprintf(stderr, "%sreplay (again, with the fleet's relaunches): %llu events in all%s, %.0f events/s%s",
                   tty ? "\r" : "", static_cast<unsigned long long>(done), time.c_str(), rate, tty ? "   " : "\n");
    std::fflush(stderr);
    printed_ = true;
  }
}

}  // namespace spotstream::cli

#include "src/cli/replay_report.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

#include "src/codec/json_encoder.hpp"
#include "src/runtime/pipeline.hpp"

namespace spotstream::cli {

namespace {

constexpr std::size_t kShownBadLines = 10;

//! Large buffered writes to a file or stdout; throws naming the file when it cannot write.
class LineWriter {
 public:
  explicit LineWriter(const std::string& file, bool append = false)
      : name_(file.empty() ? "stdout" : file),
        f_(file.empty() ? stdout : std::fopen(file.c_str(), append ? "ab" : "wb")),
        owned_(!file.empty()) {
    if (!f_) throw std::runtime_error(name_ + ": cannot open for writing");
    buf_.reserve(kFlushBytes + 4096);
  }
  ~LineWriter() {
    if (owned_ && f_) std::fclose(f_);
  }
  void line(std::string_view s) {
    buf_.append(s);
    buf_.push_back('\n');
    if (buf_.size() >= kFlushBytes) flush();
  }
  void close() {
    flush();
    if (std::fflush(f_) != 0 || (owned_ && std::fclose(f_) != 0)) throw std::runtime_error(name_ + ": write error");
    if (owned_) f_ = nullptr;
  }

 private:
  static constexpr std::size_t kFlushBytes = 1 << 20;
  void flush() {
    if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), f_) != buf_.size())
      throw std::runtime_error(name_ + ": write error");
    buf_.clear();
  }
  std::string name_;
  std::FILE* f_;
  bool owned_;
  std::string buf_;
};

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

RecordCounts write_records(const StoredOutputs& stored, OutputTopic topic, const std::string& file, std::int64_t from) {
  const auto& outputs = stored.records;
  // Grouped by key first (a key's records all come from one shard, in the order it made them),
  // then the keys sorted: far fewer string comparisons than sorting every record by key.
  std::unordered_map<std::string_view, std::vector<std::uint32_t>> by_key;
  RecordCounts counts;
  for (std::uint32_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i].topic == OutputTopic::Dlq) ++counts.dead_letters;
    if (outputs[i].topic != topic) continue;
    ++counts.records;
    if (outputs[i].ts < from) continue;
    by_key[outputs[i].key].push_back(i);
    ++counts.written;
  }
  std::vector<std::string_view> keys;
  keys.reserve(by_key.size());
  for (const auto& [k, _] : by_key) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  LineWriter out(file);
  const auto by_time = [&](std::uint32_t a, std::uint32_t b) { return outputs[a].ts < outputs[b].ts; };
  for (const auto k : keys) {
    auto& idx = by_key[k];
    if (!std::is_sorted(idx.begin(), idx.end(), by_time)) std::stable_sort(idx.begin(), idx.end(), by_time);
    for (const auto i : idx) out.line(outputs[i].value);
  }
  out.close();
  return counts;
}

void write_dead_letters(const StoredOutputs& stored, const std::string& dlq_file, bool append) {
  if (dlq_file.empty()) return;
  LineWriter out(dlq_file, append);
  for (const auto& o : stored.records)
    if (o.topic == OutputTopic::Dlq) out.line(o.value);
  out.close();
}

int check_replay_counts(const ReplayResult& result, const RuntimeMetrics& metrics, std::uint64_t ticks,
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

ReplayProgress::ReplayProgress(const Counter& processed, std::uint64_t total)
    : processed_(processed), total_(total), thread_([this] { loop(); }) {}

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
    std::fprintf(stderr, "%sreplay: %llu of %llu events (%.0f%%), %.0f events/s, %.0f s left%s", tty ? "\r" : "",
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_),
                 total_ ? 100.0 * done / total_ : 100.0, rate, left, tty ? "   " : "\n");
    std::fflush(stderr);
    printed_ = true;
  }
}

}  // namespace spotstream::cli

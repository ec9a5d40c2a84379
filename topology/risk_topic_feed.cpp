#include "topology/risk_topic_feed.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <map>
#include <memory>
#include <optional>

#include "src/codec/json_encoder.hpp"
#include "src/kafka/topic_follower.hpp"
#include "src/kafka/topic_reader.hpp"

namespace spotstream {

namespace {
constexpr TimestampMs kMin = std::numeric_limits<TimestampMs>::min();
}

RiskTopicFeed::RiskTopicFeed(const Config& cfg, RiskTable& table, DecisionMetrics& metrics, bool release_history)
    : cfg_(cfg),
      prices_topic_(cfg.get_string("topics.prices")),
      risk_topic_(cfg.get_string("topics.risk")),
      table_(table),
      feeder_(table.add_feeder()),
      metrics_(metrics),
      release_history_(release_history),
      complete_(kMin) {
  thread_ = std::thread([this] { loop(); });
}

RiskTopicFeed::~RiskTopicFeed() {
  stop_.store(true);
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool RiskTopicFeed::sync(int timeout_ms) {
  std::unique_lock lock(mu_);
  const auto ticket = ++requested_;
  return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return served_ >= ticket || stop_.load(); }) &&
         served_ >= ticket;
}

bool RiskTopicFeed::await_complete(TimestampMs target, int timeout_ms) const {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (complete_through() < target && std::chrono::steady_clock::now() < deadline && !stop_.load())
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return complete_through() >= target;
}

TimestampMs RiskTopicFeed::completeness() const {
  TimestampMs m = std::numeric_limits<TimestampMs>::max();
  bool any = false;
  for (std::size_t p = 0; p < marks_.size(); ++p) {
    if (p < empty_.size() && empty_[p]) continue;
    any = true;
    for (const TimestampMs t : marks_[p]) m = std::min(m, t);
  }
  return any ? m : kMin;
}

bool RiskTopicFeed::check_empty(TopicFollower& follower) {
  const auto unmarked = [&](std::size_t p) {
    return std::all_of(marks_[p].begin(), marks_[p].end(), [](TimestampMs t) { return t == kMin; });
  };
  empty_.resize(marks_.size(), false);
  bool any_unmarked = false;
  for (std::size_t p = 0; p < marks_.size(); ++p) any_unmarked |= unmarked(p);
  if (!any_unmarked) return false;  // the steady state: nothing to ask
  const auto empty_now = follower.empty_partitions(prices_topic_, static_cast<std::int32_t>(marks_.size()));
  bool changed = false;
  for (std::size_t p = 0; p < marks_.size(); ++p) {
    const bool empty = unmarked(p) && p < empty_now.size() && empty_now[p];
    changed |= empty != empty_[p];
    empty_[p] = empty;
  }
  return changed;
}

void RiskTopicFeed::on_message(std::int32_t partition, std::string_view key, std::string_view value) {
  if (is_risk_mark_key(key)) {
    const auto mark = decode_risk_mark(value);
    if (mark && mark->topic == prices_topic_) {
      if (static_cast<std::size_t>(mark->partition) >= marks_.size()) {
        // The price topic grew: its new partitions hold completeness back until they are marked.
        marks_.resize(static_cast<std::size_t>(mark->partition) + 1,
                      std::vector<TimestampMs>(static_cast<std::size_t>(risk_partitions_), kMin));
      }
      if (static_cast<std::size_t>(mark->partition) < empty_.size()) empty_[static_cast<std::size_t>(mark->partition)] = false;
      auto& slot = marks_[static_cast<std::size_t>(mark->partition)][static_cast<std::size_t>(partition)];
      if (mark->complete_through > slot) {
        slot = mark->complete_through;
        marks_changed_ = true;
      }
      return;
    }
    if (mark) return;  // another price topic's marks (a topic shared by deployments): not ours
  } else if (auto record = decode_risk_score(value)) {  // the fields the table keeps, read fast
    feeder_.update(*record);
    metrics_.risk_table_records.inc();
    return;
  }
  metrics_.risk_table_unreadable.inc();
  if (const auto n = metrics_.risk_table_unreadable.get(); n <= 10 || n % 1000 == 0)
    spdlog::warn("risk table: message #{} on {}[{}] is neither a risk record nor a progress mark: skipped", n,
                 risk_topic_, partition);
}

void RiskTopicFeed::loop() {
  std::unique_ptr<TopicFollower> follower;
  for (int attempt = 0; !stop_.load(); ++attempt) {
    try {
      follower = std::make_unique<TopicFollower>(cfg_, risk_topic_);
      risk_partitions_ = follower->partitions();
      marks_.assign(static_cast<std::size_t>(partition_count(cfg_, prices_topic_)),
                    std::vector<TimestampMs>(static_cast<std::size_t>(risk_partitions_), kMin));
      break;
    } catch (const std::exception& e) {
      follower.reset();
      if (attempt % 20 == 0) spdlog::warn("risk table: cannot follow {} yet ({}); retrying", risk_topic_, e.what());
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  }
  if (!follower) return;
  spdlog::info("risk table: following {} ({} partitions) from the beginning; completeness from the marks of {} partitions of {}",
               risk_topic_, risk_partitions_, marks_.size(), prices_topic_);
  std::optional<std::map<std::int32_t, std::int64_t>> sync_ends;
  std::uint64_t serving = 0;
  const auto on_message = [this](std::int32_t p, std::string_view k, std::string_view v) { this->on_message(p, k, v); };
  auto last_empty_check = std::chrono::steady_clock::time_point{};
  while (!stop_.load()) {
    // A marked partition never counts as empty again: only the unmarked ones are asked about.
    if (const auto now = std::chrono::steady_clock::now(); now - last_empty_check >= std::chrono::seconds(1)) {
      last_empty_check = now;
      if (check_empty(*follower)) marks_changed_ = true;
    }
    if (serving == 0) {
      std::lock_guard lock(mu_);
      if (requested_ > served_) serving = requested_;
    }
    // Log ends asked after the request: whatever was acknowledged before sync() is below them.
    if (serving != 0 && !sync_ends) {
      const auto asked = std::chrono::steady_clock::now();
      sync_ends = follower->log_ends();
      spdlog::info("risk table: log ends of {} partitions in {} ms", sync_ends->size(),
                    std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - asked).count());
    }
    follower->poll(4096, 20, on_message);
    if (marks_changed_) {
      marks_changed_ = false;
      const TimestampMs c = completeness();
      if (c > complete_.load(std::memory_order_relaxed)) {
        feeder_.advance(c);
        complete_.store(c, std::memory_order_release);
        if (release_history_) {
          table_.take_changed_instants(c);
          table_.release_before(c);
        }
      }
    }
    if (serving != 0 && follower->reached(*sync_ends)) {
      {
        std::lock_guard lock(mu_);
        served_ = serving;
      }
      serving = 0;
      sync_ends.reset();
      cv_.notify_all();
    }
  }
}

}  // namespace spotstream

#include "src/mqtt/signal_topics.hpp"

#include <optional>

#include "src/codec/dlq_reason.hpp"

namespace spotstream {

namespace {

std::vector<std::string_view> split_levels(std::string_view topic) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    const auto slash = topic.find('/', start);
    out.push_back(topic.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) return out;
    start = slash + 1;
  }
}

// The AWS IMDS paths the node agents read: the topic's last level says which one it was.
std::optional<SignalKind> kind_named_by(std::string_view level) {
  if (level == "instance-action") return SignalKind::Interruption;
  if (level == "rebalance") return SignalKind::Rebalance;
  return std::nullopt;
}

}  // namespace

SignalTopics::SignalTopics(std::vector<std::string> filters, DecodeLimits limits) : decoder_(limits) {
  for (const auto& f : filters) {
    Filter parsed;
    for (const auto level : split_levels(f)) {
      if (level == "+") parsed.id_level = parsed.levels.size();
      parsed.levels.emplace_back(level);
    }
    filters_.push_back(std::move(parsed));
  }
}

bool SignalTopics::match(const Filter& f, const std::vector<std::string_view>& levels, std::string& id,
                         std::optional<SignalKind>& kind) const {
  if (levels.size() != f.levels.size()) return false;
  for (std::size_t i = 0; i < levels.size(); ++i)
    if (i != f.id_level && levels[i] != f.levels[i]) return false;
  id.assign(levels[f.id_level]);
  kind = kind_named_by(f.levels.back());
  return true;
}

SignalTopics::Verdict SignalTopics::check(std::string_view topic, std::string_view payload) {
  Verdict v;
  const auto levels = split_levels(topic);
  std::optional<SignalKind> kind;
  bool matched = false;
  for (const auto& f : filters_)
    if ((matched = match(f, levels, v.instance_id, kind))) break;
  if (!matched || v.instance_id.empty()) {
    v.instance_id.clear();
    v.error = {dlq::kMissingInstanceId, "topic " + std::string(topic) + " names no instance id (mqtt.signal_topics)"};
    return v;
  }
  scratch_.clear();
  if (!decoder_.decode(InputKind::Signals, v.instance_id, payload, scratch_, v.error)) return v;
  if (scratch_.size() != 1 || !std::holds_alternative<Signal>(scratch_.front())) {
    v.error = {dlq::kUnknownFormat, "expected one signal"};
    return v;
  }
  const auto& s = std::get<Signal>(scratch_.front());
  if (s.instance_id != v.instance_id) {
    v.error = {dlq::kBadValue, "the payload is for instance " + s.instance_id + " but the topic names " + v.instance_id};
    return v;
  }
  if (kind && *kind != s.kind) {
    v.error = {dlq::kBadValue, std::string("the topic says ") + to_string(*kind) + " but the payload is a " +
                                   to_string(s.kind)};
    return v;
  }
  v.ts = s.ts;
  v.ok = true;
  return v;
}

}  // namespace spotstream

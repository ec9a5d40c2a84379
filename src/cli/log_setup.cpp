#include "src/cli/log_setup.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>

#include "src/core/time.hpp"

namespace spotstream::cli {

namespace {

constexpr auto kRepeatWindow = std::chrono::seconds(10);
constexpr int kRepeatsShown = 5;

class JsonFormatter : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count();
    const auto level = spdlog::level::to_string_view(msg.level);
    const auto line = json_log_line(ms, std::string(level.data(), level.size()),
                                    std::string(msg.payload.data(), msg.payload.size())) + "\n";
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

// Holds back repeats of a warning or error (same text once digits are set aside) beyond a few per
// window, and says how many it held back when the window ends.
class RepeatLimitSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit RepeatLimitSink(spdlog::sink_ptr inner) : inner_(std::move(inner)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    roll(msg);
    if (msg.level >= spdlog::level::warn) {
      std::string shape;
      for (char c : std::string_view(msg.payload.data(), msg.payload.size())) {
        const bool digit = c >= '0' && c <= '9';
        if (!digit) shape += c;
        else if (shape.empty() || shape.back() != '#') shape += '#';
      }
      auto& seen = seen_[shape];
      if (++seen.count > kRepeatsShown) {
        seen.level = msg.level;
        return;
      }
    }
    inner_->log(msg);
  }
  void flush_() override { inner_->flush(); }
  void set_pattern_(const std::string& pattern) override { inner_->set_pattern(pattern); }
  void set_formatter_(std::unique_ptr<spdlog::formatter> f) override { inner_->set_formatter(std::move(f)); }

 private:
  struct Seen {
    int count = 0;
    spdlog::level::level_enum level = spdlog::level::warn;
  };
  void roll(const spdlog::details::log_msg& msg) {
    if (msg.time - window_start_ < kRepeatWindow) return;
    window_start_ = msg.time;
    for (const auto& [shape, seen] : seen_) {
      if (seen.count <= kRepeatsShown) continue;
      const std::string text = std::to_string(seen.count - kRepeatsShown) + " more like this held back in the last " +
                               std::to_string(kRepeatWindow.count()) + " s: " + shape;
      inner_->log(spdlog::details::log_msg(msg.time, msg.source, msg.logger_name, seen.level, text));
    }
    seen_.clear();
  }
  spdlog::sink_ptr inner_;
  spdlog::log_clock::time_point window_start_{};
  std::map<std::string, Seen> seen_;
};

void add_context(nlohmann::ordered_json& j, const std::string& message) {
  static const std::regex component(R"(^([a-z][a-z0-9 _.-]{0,30}): )");
  static const std::regex partition(R"(([A-Za-z0-9._-]+)\[(\d+)\](?:@(\d+))?)");
  static const std::regex pool(R"(\b([a-z]{2}-[a-z]+-\d[a-z]|[a-z]{3}\d-az\d)/([a-z0-9-]+\.[a-z0-9-]+)(/[A-Za-z][A-Za-z/]*(?: [A-Z][A-Za-z/]*)*(?: \(Amazon VPC\))?)?)");
  static const std::regex node(R"(\bnode ([A-Za-z0-9._:-]+))");
  std::smatch m;
  j["component"] = std::regex_search(message, m, component) ? m[1].str() : "spotstream";
  if (std::regex_search(message, m, partition)) {
    j["topic"] = m[1].str();
    j["partition"] = std::stoi(m[2].str());
    if (m[3].matched) j["offset"] = std::stoll(m[3].str());
  }
  if (std::regex_search(message, m, pool)) j["pool"] = m[0].str();
  if (std::regex_search(message, m, node)) j["node"] = m[1].str();
}

}  // namespace

std::string json_log_line(long long time_ms, const std::string& level, const std::string& message) {
  nlohmann::ordered_json j;
  j["time"] = format_iso8601(time_ms);
  j["level"] = level;
  add_context(j, message);
  j["message"] = message;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

spdlog::sink_ptr repeat_limited(spdlog::sink_ptr inner) { return std::make_shared<RepeatLimitSink>(std::move(inner)); }

void install_logger() {
  auto sink = repeat_limited(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  auto logger = std::make_shared<spdlog::logger>("spotstream", std::move(sink));
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
}

void configure_logger(const Config& cfg) {
  const auto& name = cfg.get_string("log.level");
  const auto level = spdlog::level::from_str(name);
  if (level == spdlog::level::off && name != "off")
    throw ConfigError("log.level must be one of trace, debug, info, warn, error, off");
  spdlog::set_level(level);
  const auto& format = cfg.get_string("log.format");
  if (format == "json") spdlog::set_formatter(std::make_unique<JsonFormatter>());
  else if (format != "text") throw ConfigError("log.format must be text or json, not '" + format + "'");
}

}  // namespace spotstream::cli

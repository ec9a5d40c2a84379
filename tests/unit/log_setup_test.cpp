// JSON log lines: every field where a log pipeline expects it, context read from the message.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <spdlog/details/log_msg.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

#include "src/cli/log_setup.hpp"

namespace spotstream::cli {
namespace {

TEST(JsonLog, CarriesTimeLevelComponentMessageAndTheContextTheMessageNames) {
  const std::string message =
      "bad input #3 from spot.prices[7]@1234 -> dead letters: unknown_az (us-east-1a/c5.large/Linux/UNIX)";
  const auto j = nlohmann::json::parse(json_log_line(1796364907123, "warning", message));
  EXPECT_EQ(j.at("time"), "2026-12-04T06:15:07.123Z");
  EXPECT_EQ(j.at("level"), "warning");
  EXPECT_EQ(j.at("component"), "spotstream");
  EXPECT_EQ(j.at("message"), message);
  EXPECT_EQ(j.at("topic"), "spot.prices");
  EXPECT_EQ(j.at("partition"), 7);
  EXPECT_EQ(j.at("offset"), 1234);
  EXPECT_EQ(j.at("pool"), "us-east-1a/c5.large/Linux/UNIX");

  const auto k = nlohmann::json::parse(json_log_line(0, "info", "fleet: node node-7 (i-0abc) joined as c5.large"));
  EXPECT_EQ(k.at("component"), "fleet");
  EXPECT_EQ(k.at("node"), "node-7");
  EXPECT_FALSE(k.contains("topic"));
}

TEST(JsonLog, AnyBytesMakeValidJson) {
  const std::string message = std::string("postgres: \"quoted\" \\ tab\t newline\n bad utf-8 \xff\xfe end");
  const auto j = nlohmann::json::parse(json_log_line(0, "error", message));
  EXPECT_EQ(j.at("component"), "postgres");
  EXPECT_NE(j.at("message").get<std::string>().find("\"quoted\""), std::string::npos);
}

}  // namespace
}  // namespace spotstream::cli

namespace spotstream::cli {
namespace {

TEST(RepeatLimit, HoldsBackRepeatedWarningsAndSaysHowMany) {
  std::ostringstream out;
  auto inner = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  auto sink = repeat_limited(inner);
  sink->set_pattern("%l %v");
  const auto t0 = spdlog::log_clock::now();
  auto log = [&](spdlog::log_clock::time_point t, spdlog::level::level_enum level, const std::string& text) {
    sink->log(spdlog::details::log_msg(t, spdlog::source_loc{}, "test", level, text));
  };
  for (int i = 0; i < 20; ++i) log(t0, spdlog::level::warn, "bad input #" + std::to_string(i) + " from spot.prices");
  for (int i = 0; i < 20; ++i) log(t0, spdlog::level::info, "routine " + std::to_string(i));  // never held back
  log(t0 + std::chrono::seconds(11), spdlog::level::warn, "bad input #99 from spot.prices");
  std::vector<std::string> lines;
  std::istringstream in(out.str());
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 5u + 20u + 1u + 1u) << out.str();
  EXPECT_EQ(lines[4], "warning bad input #4 from spot.prices");
  EXPECT_EQ(lines[25], "warning 15 more like this held back in the last 10 s: bad input # from spot.prices");
  EXPECT_EQ(lines[26], "warning bad input #99 from spot.prices");  // a new window shows it again
}

}  // namespace
}  // namespace spotstream::cli

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <iterator>
#include <set>
#include <thread>

#include <sys/stat.h>
#include <unistd.h>

#include "src/codec/json_encoder.hpp"
#include "src/codec/price_file.hpp"
#include "src/core/time.hpp"
#include "tests/unit/test_data.hpp"

using namespace spotstream;
namespace td = spotstream::testing;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> history_files() {
  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(td::shared_data_dir() / "price-history"))
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

// A scratch directory per test, removed afterwards.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("spotstream-price-file-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string write(const std::string& name, const std::string& content) const {
    std::ofstream(path / name, std::ios::binary) << content;
    return (path / name).string();
  }
};

bool sorted(const std::vector<PriceTick>& v) {
  for (std::size_t i = 1; i < v.size(); ++i) {
    const auto& a = v[i - 1];
    const auto& b = v[i];
    if (std::tie(a.ts, a.az, a.instance_type, a.product) > std::tie(b.ts, b.az, b.instance_type, b.product)) return false;
  }
  return true;
}

}  // namespace

TEST(PriceFile, AllRealHistoryFiles) {
  const auto files = history_files();
  const auto ticks = read_price_files(files);
  EXPECT_EQ(ticks.size(), 10822u);
  std::set<std::string> pools;
  for (const auto& t : ticks) pools.insert(t.pool_id());
  EXPECT_EQ(pools.size(), 98u);
  EXPECT_TRUE(sorted(ticks));
  // The README's date range: 2019-12-20 .. 2020-02-21.
  EXPECT_GE(ticks.front().ts, *parse_iso8601("2019-12-20T00:00:00Z"));
  EXPECT_LT(ticks.back().ts, *parse_iso8601("2020-02-22T00:00:00Z"));
}

TEST(PriceFile, OrderDoesNotDependOnFileOrder) {
  auto files = history_files();
  const auto a = read_price_files(files);
  std::mt19937 rng(3);
  std::shuffle(files.begin(), files.end(), rng);
  const auto b = read_price_files(files);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) ASSERT_EQ(encode_price_tick(a[i]), encode_price_tick(b[i])) << i;
}

TEST(PriceFile, JsonLinesOfCanonicalTicksAndAwsItems) {
  TempDir dir;
  const auto path = dir.write("ticks.jsonl",
                              R"({"ts":"2020-01-01T00:00:02Z","az":"us-east-1b","instance_type":"m5.large","product":"Linux/UNIX","spot_price":0.04})"
                              "\n\n"
                              R"({"ts":1577836800000,"az":"use1-az1","instance_type":"m5.large","product":"Linux/UNIX","spot_price":"0.05","on_demand_price":0.096})"
                              "\r\n"
                              R"({"AvailabilityZone":"us-east-1a","InstanceType":"m5.large","ProductDescription":"Linux/UNIX","SpotPrice":"0.030000","Timestamp":"2020-01-01T00:00:02.000Z"})"
                              "\n");
  const auto ticks = read_price_files({path});
  ASSERT_EQ(ticks.size(), 3u);
  EXPECT_EQ(ticks[0].az, "use1-az1");  // earliest
  EXPECT_EQ(ticks[0].on_demand_price, 0.096);
  EXPECT_EQ(ticks[1].az, "us-east-1a");  // tie on ts: pool order
  EXPECT_EQ(ticks[2].az, "us-east-1b");
}

TEST(PriceFile, ErrorsNameTheFileAndLine) {
  TempDir dir;
  auto expect_error = [](const std::vector<std::string>& paths, const std::vector<std::string>& words) {
    try {
      read_price_files(paths);
      ADD_FAILURE() << "no exception";
    } catch (const std::runtime_error& e) {
      for (const auto& w : words) EXPECT_NE(std::string(e.what()).find(w), std::string::npos) << e.what() << " / " << w;
    }
  };
  expect_error({(dir.path / "nope.json").string()}, {"nope.json", "cannot open"});
  expect_error({dir.write("empty.json", "  \n")}, {"empty.json", "empty"});
  const std::string good = R"({"ts":1,"az":"us-east-1a","instance_type":"m5.large","product":"x","spot_price":1})";
  expect_error({dir.write("bad.jsonl", good + "\n" + good + "\n" + R"({"ts":1,"az":"mars-1a","instance_type":"m5.large","product":"x","spot_price":1})" + "\n")},
               {"bad.jsonl:3", "unknown_az", "mars-1a"});
  expect_error({dir.write("broken.jsonl", good + "\n{\"ts\":\n")}, {"broken.jsonl:2", "malformed_json"});
  expect_error({dir.write("cli.json", "{\n \"SpotPriceHistory\": [\n  {\"AvailabilityZone\":\"us-east-1a\",\"InstanceType\":\"m5.large\","
                                       "\"ProductDescription\":\"Linux/UNIX\",\"SpotPrice\":\"-1\",\"Timestamp\":\"2020-01-01T00:00:00Z\"}\n ]\n}\n")},
               {"cli.json", "bad_price", "SpotPriceHistory[0]"});
  // A good file before a bad one still fails the whole call.
  expect_error({history_files().front(), (dir.path / "missing.json").string()}, {"missing.json"});
}

// A price file need not be a regular file: a pipe (process substitution, /dev/stdin) is read
// rather than mapped, and gives the same ticks as the file it carries.
TEST(PriceFile, APipeGivesTheSameTicksAsTheFile) {
  TempDir dir;
  const auto files = history_files();
  const auto file = *std::max_element(files.begin(), files.end(), [](const auto& a, const auto& b) {
    return fs::file_size(a) < fs::file_size(b);
  });
  ASSERT_GT(fs::file_size(file), 1u << 16);  // more than one read of the pipe
  std::ifstream in(file, std::ios::binary);
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto fifo = (dir.path / "prices.fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::vector<PriceTick> piped;
  {
    std::jthread writer([&] { std::ofstream(fifo, std::ios::binary) << content; });
    piped = read_price_files({fifo});
  }
  const auto direct = read_price_files({file});
  ASSERT_EQ(piped.size(), direct.size());
  ASSERT_FALSE(direct.empty());
  for (std::size_t i = 0; i < direct.size(); ++i) {
    const auto &a = piped[i], &b = direct[i];
    ASSERT_EQ(std::tie(a.ts, a.az, a.instance_type, a.product, a.spot_price),
              std::tie(b.ts, b.az, b.instance_type, b.product, b.spot_price)) << "tick " << i;
  }
}

// A large JSON-lines file is decoded in chunks on several threads: every tick is kept, in time
// order, and bad lines keep their true line numbers wherever the chunks split the file.
TEST(PriceFile, LargeFilesKeepEveryTickAndTrueLineNumbers) {
  TempDir dir;
  constexpr std::size_t kLines = 170000;  // about 19 MB: more than one chunk
  const std::set<std::size_t> bad_at{3, kLines / 2 + 1, kLines - 1};
  std::string text;
  for (std::size_t i = 1; i <= kLines; ++i) {
    if (bad_at.contains(i)) {
      text += "{\"ts\": \"not a time\", \"line\": " + std::to_string(i) + "}\n";
      continue;
    }
    // Newest first, as AWS lists them: the reader sorts.
    const TimestampMs ts = 1735689600000 + static_cast<TimestampMs>(kLines - i) * 60000;
    text += R"({"ts":)" + std::to_string(ts) + R"(,"az":"us-east-1a","instance_type":"c5.large","product":"Linux/UNIX","spot_price":0.)" +
            std::to_string(10000 + i) + "}\n";
  }
  ASSERT_GT(text.size(), 16u << 20);
  const auto file = dir.write("big.jsonl", text);
  std::vector<BadLine> bad;
  const auto ticks = read_price_files({file}, &bad);
  ASSERT_EQ(ticks.size(), kLines - bad_at.size());
  EXPECT_TRUE(std::is_sorted(ticks.begin(), ticks.end(), [](const PriceTick& a, const PriceTick& b) { return a.ts < b.ts; }));
  EXPECT_EQ(ticks.front().ts, 1735689600000);
  std::set<std::size_t> lines;
  for (const auto& b : bad) {
    lines.insert(b.line);
    EXPECT_NE(b.text.find("\"line\": " + std::to_string(b.line) + "}"), std::string::npos) << b.text;
  }
  EXPECT_EQ(lines, bad_at);
  // Without a list to keep them in, the first bad line stops the read, named by its number.
  try {
    read_price_files({file});
    FAIL() << "a bad line was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("big.jsonl:3:"), std::string::npos) << e.what();
  }
}

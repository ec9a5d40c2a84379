#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "src/config/config.hpp"

using namespace spotstream;

TEST(Config, DefaultsAreValidAgainstTheirOwnBounds) {
  Config c;
  for (const auto& s : Config::specs()) EXPECT_NO_THROW(c.set(s.name, s.default_value)) << s.name;
  EXPECT_EQ(c.get_int("runtime.shards"), 2);
  EXPECT_EQ(c.get_string("topics.decisions"), "spot.decisions");
  EXPECT_FALSE(c.has_brokers());
}

TEST(Config, RejectsUnknownKeysWrongTypesAndOutOfBounds) {
  Config c;
  EXPECT_THROW(c.set("runtime.shardz", "2"), ConfigError);
  EXPECT_THROW(c.set("runtime.shards", "two"), ConfigError);
  EXPECT_THROW(c.set("runtime.shards", "0"), ConfigError);
  EXPECT_THROW(c.set("decode.max_price", "-1"), ConfigError);
  EXPECT_THROW(c.set_assignment("no-equals-sign"), ConfigError);
  try {
    c.set("runtime.shards", "0");
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("between 1 and 256"), std::string::npos) << e.what();
  }
}

TEST(Config, KafkaKeysPassThroughAndSecretsAreMasked) {
  Config c;
  c.set_assignment("kafka.security.protocol=SASL_SSL");
  c.set_assignment("kafka.sasl.password=hunter2");
  c.set("kafka.bootstrap.servers", "k1:9092");
  const auto props = c.kafka_properties();
  EXPECT_EQ(props.at("security.protocol"), "SASL_SSL");
  EXPECT_EQ(props.at("sasl.password"), "hunter2");
  EXPECT_TRUE(c.has_brokers());
  const auto text = c.describe();
  EXPECT_EQ(text.find("hunter2"), std::string::npos);
  EXPECT_NE(text.find("kafka.sasl.password = ***"), std::string::npos);
}

TEST(Config, YamlFlattensToDottedKeys) {
  const std::string path = ::testing::TempDir() + "/spotstream_config_test.yaml";
  std::ofstream(path) << "runtime:\n  shards: 4\nkafka:\n  bootstrap.servers: host:9092\n  linger.ms: 7\n";
  Config c;
  c.load_yaml_file(path);
  EXPECT_EQ(c.get_int("runtime.shards"), 4);
  EXPECT_EQ(c.kafka_properties().at("bootstrap.servers"), "host:9092");
  EXPECT_EQ(c.kafka_properties().at("linger.ms"), "7");
  std::ofstream(path) << "runtime:\n  shards: 0\n";
  Config d;
  EXPECT_THROW(d.load_yaml_file(path), ConfigError);
  std::remove(path.c_str());
}

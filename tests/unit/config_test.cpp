#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include <yaml-cpp/yaml.h>

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

TEST(Config, EnvironmentNamesFollowTheKeys) {
  EXPECT_EQ(Config::env_name("decisions.safety_gate"), "SPOTSTREAM_DECISIONS_SAFETY_GATE");
  EXPECT_EQ(Config::env_name("runtime.shards"), "SPOTSTREAM_RUNTIME_SHARDS");
}

// Defaults < file < environment < --set, each later source winning key by key.
TEST(Config, EnvironmentBeatsTheFileAndLosesToSet) {
  const std::string path = ::testing::TempDir() + "/env_precedence.yaml";
  std::ofstream(path) << "decisions:\n  safety_gate: 0.7\n  min_saving: 0.1\nruntime:\n  shards: 3\n";
  Config c;
  c.load_yaml_file(path);
  const auto unknown = c.load_environment({{"SPOTSTREAM_DECISIONS_SAFETY_GATE", "0.8"},
                                           {"SPOTSTREAM_RUNTIME_SHARDS", "5"},
                                           {"SPOTSTREAM_KAFKA_SECURITY_PROTOCOL", "SASL_SSL"},
                                           {"SPOTSTREAM_DECISIONS_SAFETY_GAET", "0.1"},
                                           {"SPOTSTREAM_BIN", "/usr/bin/spotstream"},
                                           {"PATH", "/usr/bin"}});
  c.set_assignment("runtime.shards=7");
  EXPECT_DOUBLE_EQ(c.get_double("decisions.safety_gate"), 0.8);  // env over file
  EXPECT_DOUBLE_EQ(c.get_double("decisions.min_saving"), 0.1);   // file over default
  EXPECT_EQ(c.get_int("runtime.shards"), 7);                     // --set over env
  EXPECT_EQ(c.kafka_properties().at("security.protocol"), "SASL_SSL");
  EXPECT_EQ(unknown, std::vector<std::string>{"SPOTSTREAM_DECISIONS_SAFETY_GAET"});
  EXPECT_THROW(c.load_environment({{"SPOTSTREAM_RUNTIME_SHARDS", "many"}}), ConfigError);
  std::remove(path.c_str());
}

TEST(Config, TheAnnotatedDefaultFileLoadsBackAsTheDefaults) {
  const std::string yaml = Config::defaults_yaml();
  const std::string path = ::testing::TempDir() + "/defaults.yaml";
  std::ofstream(path) << yaml;
  Config loaded;
  loaded.load_yaml_file(path);
  EXPECT_EQ(loaded.describe(), Config().describe());
  // Every property is in the file, nested under its section, at its default.
  const YAML::Node root = YAML::LoadFile(path);
  for (const auto& s : Config::specs()) {
    const std::string name = s.name;
    const auto dot = name.find('.');
    const YAML::Node value = root[name.substr(0, dot)][name.substr(dot + 1)];
    ASSERT_TRUE(value.IsScalar()) << name;
    EXPECT_EQ(value.as<std::string>(), s.default_value) << name;
    EXPECT_NE(yaml.find(std::string("# ") + s.description), std::string::npos) << s.name;
    EXPECT_NE(yaml.find(Config::env_name(s.name)), std::string::npos) << s.name;
  }
  std::remove(path.c_str());
}

// What librdkafka is given: spotstream's role defaults, a component's own defaults over them, and
// the user's kafka.* keys over everything. Read back from librdkafka's own configuration object.
#include <gtest/gtest.h>

#include "src/kafka/kafka_conf.hpp"

using namespace spotstream;

namespace {

std::string value_of(const RdKafka::Conf& conf, const std::string& key) {
  std::string v;
  EXPECT_EQ(conf.get(key, v), RdKafka::Conf::CONF_OK) << key;
  return v;
}

}  // namespace

TEST(KafkaConf, ConsumersPrefetchDeeplyForCatchUps) {
  Config cfg;
  const auto conf = make_kafka_conf(cfg, ClientRole::Consumer);
  EXPECT_EQ(value_of(*conf, "queued.min.messages"), "1000000");
  EXPECT_EQ(value_of(*conf, "queued.max.messages.kbytes"), "262144");  // librdkafka's own: 65536
  EXPECT_EQ(value_of(*conf, "enable.auto.commit"), "false");
}

TEST(KafkaConf, ProducersKeepLibrdkafkasPrefetchBounds) {
  Config cfg;
  const auto conf = make_kafka_conf(cfg, ClientRole::Producer);
  EXPECT_EQ(value_of(*conf, "queued.max.messages.kbytes"), "65536");
  EXPECT_EQ(value_of(*conf, "enable.idempotence"), "true");
}

TEST(KafkaConf, TheUsersKeysWinOverEveryDefault) {
  Config cfg;
  cfg.set("kafka.queued.max.messages.kbytes", "65536");
  cfg.set("kafka.group.id", "mine");
  const auto conf = make_kafka_conf(cfg, ClientRole::Consumer, {{"group.id", "component"}, {"queued.min.messages", "5000"}});
  EXPECT_EQ(value_of(*conf, "queued.max.messages.kbytes"), "65536");
  EXPECT_EQ(value_of(*conf, "group.id"), "mine");
  EXPECT_EQ(value_of(*conf, "queued.min.messages"), "5000");  // a component's default over the role's
}

TEST(KafkaConf, AnUnknownKeyIsAConfigErrorNamingIt) {
  Config cfg;
  cfg.set("kafka.no.such.property", "1");
  try {
    make_kafka_conf(cfg, ClientRole::Consumer);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("kafka.no.such.property"), std::string::npos) << e.what();
  }
}

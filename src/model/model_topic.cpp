#include "src/model/model_topic.hpp"

#include <librdkafka/rdkafkacpp.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>

#include "src/kafka/kafka_conf.hpp"
#include "src/model/model_loader.hpp"

namespace spotstream {

struct ModelTopicListener::Consumer {
  std::unique_ptr<RdKafka::KafkaConsumer> c;
};

ModelTopicListener::ModelTopicListener(const Config& cfg, std::shared_ptr<ScoringContext> context, ModelMetrics& metrics)
    : consumer_(std::make_unique<Consumer>()),
      context_(std::move(context)),
      metrics_(metrics),
      topic_(cfg.get_string("model.topic")) {
  // A booster_file in a message resolves against model.file's directory (else the working directory).
  const auto& file = cfg.get_string("model.file");
  base_dir_ = file.empty() ? "." : std::filesystem::path(file).parent_path().string();
  auto conf = make_kafka_conf(cfg, ClientRole::Consumer,
                              {{"group.id", cfg.get_string("consumer.group") + ".models." + std::to_string(getpid())},
                               {"auto.offset.reset", "earliest"},
                               {"enable.auto.commit", "false"}});
  std::string err;
  consumer_->c.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!consumer_->c) throw ConfigError("model.topic: cannot create a consumer: " + err);
  if (const auto e = consumer_->c->subscribe({topic_}); e != RdKafka::ERR_NO_ERROR)
    throw ConfigError("model.topic: cannot subscribe to " + topic_ + ": " + RdKafka::err2str(e));
  thread_ = std::thread([this] { run(); });
}

ModelTopicListener::~ModelTopicListener() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  consumer_->c->close();
}

void ModelTopicListener::run() {
  while (!stopping_) {
    std::unique_ptr<RdKafka::Message> m(consumer_->c->consume(100));
    if (m->err() == RdKafka::ERR__TIMED_OUT || m->err() == RdKafka::ERR__PARTITION_EOF) continue;
    if (m->err() != RdKafka::ERR_NO_ERROR) {
      spdlog::warn("model.topic {}: {}", topic_, m->errstr());
      continue;
    }
    const std::string source = topic_ + "[" + std::to_string(m->partition()) + "]@" + std::to_string(m->offset());
    const std::string_view text(static_cast<const char*>(m->payload()), m->payload() ? m->len() : 0);
    try {
      auto model = load_model_text(text, base_dir_, source);
      const std::string id = model->info().id();
      const std::string previous = context_->snapshot().model->info().id();
      context_->publish_model(std::move(model));
      metrics_.model_reloads.inc();
      spdlog::info("risk model from {}: {} replaces {}", source, id, previous);
    } catch (const ModelError& e) {
      metrics_.model_rejects.inc();
      spdlog::error("{}; keeping {}", e.what(), context_->snapshot().model->info().id());
    }
  }
}

}  // namespace spotstream

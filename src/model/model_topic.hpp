#pragma once
//! Models delivered through Kafka: every message on `model.topic` is a model file (an XGBoost
//! booster inline, as `train_xgboost.py --inline` writes it). The listener reads the topic from the
//! beginning (so a restarted processor takes the latest model published), validates each message
//! like a model file and swaps a valid one into the ScoringContext; a bad one is refused with an
//! error in the log and `model_rejects`, and the model in use stays. A compacted topic with one key
//! keeps just the latest model.
//!
//! Owns its thread and consumer (a group of its own per process, never committing: each instance
//! reads every model); stops and joins on destruction.
#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "src/config/config.hpp"
#include "src/model/scoring_context.hpp"
#include "src/model/model_metrics.hpp"

namespace spotstream {

class ModelTopicListener {
 public:
  //! Throws ConfigError when the consumer cannot be created.
  ModelTopicListener(const Config& cfg, std::shared_ptr<ScoringContext> context, ModelMetrics& metrics);
  ~ModelTopicListener();
  ModelTopicListener(const ModelTopicListener&) = delete;
  ModelTopicListener& operator=(const ModelTopicListener&) = delete;

 private:
  void run();

  struct Consumer;
  std::unique_ptr<Consumer> consumer_;
  std::shared_ptr<ScoringContext> context_;
  ModelMetrics& metrics_;
  std::string topic_, base_dir_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace spotstream

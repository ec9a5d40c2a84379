#pragma once
//! A live run's inputs and outputs: the consumer group over the price, signals and fleet topics,
//! the Kafka sink, and the PostgreSQL history when postgres.enabled.
#include <vector>

#include "src/config/config.hpp"
#include "src/runtime/event_source.hpp"
#include "src/runtime/output_sink.hpp"

namespace spotstream {

//! The input topics (topics.prices, topics.signals, topics.fleet) and what each holds.
std::vector<EventSource::Input> kafka_inputs(const Config& cfg);

//! Fleet membership and the signals in force are state: rebuilt from their topics on assignment.
//! Prices are windowed: each assigned partition re-reads a window (and a margin) of history first.
//! Both are keyed by instance id: a node's signals partition comes with its fleet partition, so
//! they reach the process that holds the node. `mirror`, when given, is told of every output
//! the broker has acknowledged (the MQTT decisions mirror).
PipelineIo kafka_io(const Config& cfg, StoredOutputObserver* mirror = nullptr);

}  // namespace spotstream

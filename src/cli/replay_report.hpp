#pragma once
//! What the replaying commands (`risk`, and the ones built on the replay engine) tell the user:
//! progress while the shards work, bad input lines, the records written out, and whether every
//! input is accounted for.
#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "src/cli/line_writer.hpp"
#include "src/codec/price_file.hpp"
#include "src/runtime/output.hpp"
#include "topology/process_metrics.hpp"
#include "topology/replay.hpp"

namespace spotstream::cli {

//! Logs how many lines of the input files did not decode and the first few (file:line: reason);
//! writes every one to `dlq_file` (when given) as a dead-letter record whose source is the file,
//! partition -1 and the line number as offset, with the line as payload.
void report_bad_lines(const std::vector<BadLine>& bad, const std::string& dlq_file);

struct RecordCounts {
  std::uint64_t records = 0;       //!< records of the topic made
  std::uint64_t written = 0;       //!< of those, written (at or after `from`)
  std::uint64_t dead_letters = 0;  //!< dead letters among the outputs
};
//! Writes a replay's outputs as they come (the replay's consumer): the records of `topic` stamped at
//! or after `from` (earlier ones are warm-up) as JSON lines to `file` (stdout when empty), and the
//! dead letters to `dlq_file` when given (appended to it when `dlq_append`: the bad lines are
//! there already).
class ReplayWriter {
 public:
  ReplayWriter(OutputTopic topic, const std::string& file, std::int64_t from, const std::string& dlq_file,
               bool dlq_append);
  ~ReplayWriter();
  void write(std::vector<Output>& outputs);
  //! Flushes and closes the files; throws when something could not be written.
  RecordCounts close();

 private:
  OutputTopic topic_;
  std::int64_t from_;
  LineWriter out_;
  std::unique_ptr<LineWriter> dlq_;
  RecordCounts counts_;
};

//! Every tick accounted for: routed, and then a record, a duplicate or a dead letter (every tick
//! has one of those with risk.every_tick); every record made was kept. Logs what is missing and
//! returns Pipeline::kExitDataLost when something is, the replay's status otherwise.
int check_replay_counts(const ReplayResult& result, const ProcessMetrics& metrics, std::uint64_t ticks,
                        const RecordCounts& counts, bool every_tick);

//! A progress line on stderr while it lives, every 2 s once the work has taken that long: events
//! processed of `total`, rate, and time left; rewritten in place on a terminal.
class ReplayProgress {
 public:
  //! `reached`: how far in event time the outputs have come, when the caller tracks it.
  ReplayProgress(const Counter& processed, std::uint64_t total, const std::atomic<std::int64_t>* reached = nullptr);
  ~ReplayProgress();

 private:
  void loop();
  const Counter& processed_;
  std::uint64_t total_;
  const std::atomic<std::int64_t>* reached_;
  std::atomic<bool> done_{false};
  bool printed_ = false;
  std::thread thread_;
};

}  // namespace spotstream::cli

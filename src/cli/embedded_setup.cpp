#include "src/cli/embedded_setup.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>

#include "src/runtime/pipeline.hpp"

namespace spotstream::cli {

std::unique_ptr<EmbeddedCluster> start_embedded(Config& cfg, const std::string& bootstrap_file, std::FILE* banner) {
  auto cluster = std::make_unique<EmbeddedCluster>(static_cast<int>(cfg.get_int("embedded.brokers")));
  const int partitions = static_cast<int>(cfg.get_int("topics.partitions"));
  for (const char* t : {"topics.prices", "topics.signals", "topics.fleet", "topics.decisions", "topics.risk", "topics.dlq"})
    cluster->create_topic(cfg.get_string(t), partitions);
  const auto addr = cluster->bootstraps();
  cluster->configure_clients(cfg);
  std::fprintf(banner, "embedded Kafka broker (librdkafka mock cluster) listening on %s\n", addr.c_str());
  std::fprintf(banner, "  try: kcat -b %s -L\n", addr.c_str());
  std::fflush(banner);
  if (!bootstrap_file.empty()) {
    // Written atomically so a watcher never reads half an address.
    const auto tmp = bootstrap_file + ".tmp";
    std::ofstream(tmp) << addr << "\n";
    if (std::rename(tmp.c_str(), bootstrap_file.c_str()) != 0)
      throw std::runtime_error("cannot write bootstrap file " + bootstrap_file);
  }
  return cluster;
}

int check_round_trip(const char* what, std::uint64_t sent, std::uint64_t got, int rc) {
  if (sent == got) return rc;
  spdlog::error("{}: {} sent through the embedded broker, {} read back: {} lost (it keeps about 5 MiB per partition "
                "and drops the oldest messages silently); use a real Kafka cluster (--brokers) for inputs this large",
                what, sent, got, sent > got ? sent - got : 0);
  return rc == 0 ? Pipeline::kExitDataLost : rc;
}

}  // namespace spotstream::cli

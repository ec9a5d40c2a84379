#pragma once
//! Starting the embedded broker the way `run`, `broker` and `demo` all need it: cluster up, every
//! spotstream topic created, kafka.bootstrap.servers pointed at it, the address published.
#include <cstdio>
#include <memory>
#include <string>

#include "src/config/config.hpp"
#include "src/kafka/embedded_cluster.hpp"

namespace spotstream::cli {

//! Starts the cluster, creates the topics, sets kafka.bootstrap.servers in `cfg`, prints the
//! address on `banner` (stdout by default) and writes it to `bootstrap_file` when given.
std::unique_ptr<EmbeddedCluster> start_embedded(Config& cfg, const std::string& bootstrap_file,
                                                std::FILE* banner = stdout);

//! The embedded broker keeps about 5 MiB per partition and silently drops the oldest messages
//! beyond that: a command that published `sent` messages to it and got `got` back says so and
//! returns the data-lost status (Pipeline::kExitDataLost) instead of `rc` when they differ.
int check_round_trip(const char* what, std::uint64_t sent, std::uint64_t got, int rc);

}  // namespace spotstream::cli

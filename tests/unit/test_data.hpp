#pragma once
// Where the real AWS samples live: ../shared/data beside the project (never copied into it).
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace spotstream::testing {

inline std::filesystem::path shared_data_dir() {
  return std::filesystem::path(SPOTSTREAM_SOURCE_DIR) / ".." / "shared" / "data";
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace spotstream::testing

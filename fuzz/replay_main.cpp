// fuzz_replay: runs fuzz targets over saved inputs, with whatever compiler built it, so the
// regression cases and the seed corpus run in `make test` without clang.
//   fuzz_replay DIR...              DIR/<target>/<input> for every target that has a folder
//   fuzz_replay --list              the targets
// Exits non-zero when a DIR names no target or holds nothing, or an input names an unknown target;
// a crash is the test failing (the sanitizer build reports where).
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include "fuzz/fuzz_target.hpp"

namespace fs = std::filesystem;
using spotstream::fuzz::Target;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs every file under dir/<target>/ through its target; returns how many ran, -1 on an error.
long replay_dir(const fs::path& dir, const std::map<std::string, const Target*>& by_name) {
  if (!fs::is_directory(dir)) {
    std::fprintf(stderr, "fuzz_replay: %s is not a directory\n", dir.c_str());
    return -1;
  }
  long ran = 0;
  for (const auto& sub : fs::directory_iterator(dir)) {
    if (!sub.is_directory()) continue;
    const auto it = by_name.find(sub.path().filename().string());
    if (it == by_name.end()) {
      std::fprintf(stderr, "fuzz_replay: %s names no target (fuzz_replay --list)\n", sub.path().c_str());
      return -1;
    }
    long here = 0;
    for (const auto& f : fs::recursive_directory_iterator(sub.path())) {
      if (!f.is_regular_file()) continue;
      const std::string bytes = slurp(f.path());
      it->second->body(bytes);
      ++here;
    }
    std::printf("%-16s %6ld inputs from %s\n", it->first.c_str(), here, sub.path().c_str());
    ran += here;
  }
  return ran;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, const Target*> by_name;
  for (const auto& t : spotstream::fuzz::targets()) by_name[t.name] = &t;
  if (argc == 2 && std::strcmp(argv[1], "--list") == 0) {
    for (const auto& [name, t] : by_name) std::printf("%s\n", name.c_str());
    return 0;
  }
  if (argc < 2 || argv[1][0] == '-') {
    std::fprintf(stderr, "usage: fuzz_replay DIR... (DIR/<target>/<input>) | --list\n");
    return 2;
  }
  long total = 0;
  for (int i = 1; i < argc; ++i) {
    const long ran = replay_dir(argv[i], by_name);
    if (ran <= 0) {
      if (ran == 0) std::fprintf(stderr, "fuzz_replay: %s holds no inputs\n", argv[i]);
      return 1;
    }
    total += ran;
  }
  std::printf("fuzz_replay: %ld inputs, no crash\n", total);
  return 0;
}

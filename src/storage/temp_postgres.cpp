#include "src/storage/temp_postgres.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <stdexcept>

namespace spotstream {

namespace {

std::string script() { return std::string(SPOTSTREAM_SOURCE_DIR) + "/scripts/pg_temp.sh"; }

// Runs a shell command, returns stdout+stderr; throws when it fails.
std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) throw std::runtime_error("cannot run " + cmd);
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  const int rc = pclose(p);
  if (rc != 0) throw std::runtime_error("`" + cmd + "` failed:\n" + out);
  return out;
}

}  // namespace

TempPostgres::TempPostgres() {
  char tmpl[] = "/tmp/spotstream-pg-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("cannot create a temporary directory");
  dir_ = tmpl;
  std::string out;
  try {
    out = run(script() + " start " + dir_);
  } catch (...) {
    std::filesystem::remove_all(dir_);
    throw;
  }
  std::smatch m;
  if (!std::regex_search(out, m, std::regex("PGPORT=(\\d+) PGUSER=(\\S+) PGDATABASE=(\\S+)")))
    throw std::runtime_error("pg_temp.sh printed no address:\n" + out);
  port_ = std::stoi(m[1]);
  conninfo_ = "host=127.0.0.1 port=" + m[1].str() + " user=" + m[2].str() + " dbname=" + m[3].str();
}

TempPostgres::~TempPostgres() {
  try {
    run(script() + " stop " + dir_);
  } catch (...) {
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void TempPostgres::stop() { run(script() + " stop " + dir_); }
void TempPostgres::start() { run(script() + " restart " + dir_); }

}  // namespace spotstream

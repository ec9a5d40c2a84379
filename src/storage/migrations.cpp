#include "src/storage/migrations.hpp"

#include <spdlog/spdlog.h>

#include <map>
#include <stdexcept>

#include "src/core/hash.hpp"
#include "src/storage/pg_connection.hpp"

namespace spotstream {

namespace {
// Any fixed number: the advisory lock every spotstream instance takes while migrating.
constexpr const char* kLockKey = "7305586021";
}  // namespace

int apply_migrations(PgConnection& conn, const std::vector<Migration>& migrations) {
  conn.exec("SELECT pg_advisory_lock(" + std::string(kLockKey) + ")");
  int applied = 0;
  try {
    conn.exec(
        "CREATE TABLE IF NOT EXISTS spotstream_schema_migrations ("
        " version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())");
    std::map<int, std::string> done;
    const auto res = conn.exec("SELECT version, checksum FROM spotstream_schema_migrations");
    for (int i = 0; i < res.rows(); ++i) done[std::stoi(std::string(res.value(i, 0)))] = std::string(res.value(i, 1));
    int last = 0;
    for (const auto& m : migrations) {
      if (m.version <= last) throw std::runtime_error("migration versions must increase: " + m.name);
      last = m.version;
      const std::string sum = to_hex16(fnv1a64(m.sql));
      if (auto it = done.find(m.version); it != done.end()) {
        if (it->second != sum)
          throw std::runtime_error("migration " + m.name + " was applied with different content (checksum " + it->second +
                                   ", this binary has " + sum + "): never edit an applied migration, add a new one");
        continue;
      }
      spdlog::info("postgres: applying migration {}", m.name);
      conn.exec("BEGIN");
      try {
        conn.exec(m.sql);
        conn.exec_params("INSERT INTO spotstream_schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                         {std::to_string(m.version).c_str(), m.name.c_str(), sum.c_str()});
        conn.exec("COMMIT");
      } catch (...) {
        if (conn.ok()) PgResult(PQexec(conn.raw(), "ROLLBACK"));
        throw;
      }
      ++applied;
    }
  } catch (...) {
    if (conn.ok()) PgResult(PQexec(conn.raw(), "SELECT pg_advisory_unlock_all()"));
    throw;
  }
  conn.exec("SELECT pg_advisory_unlock_all()");
  return applied;
}

}  // namespace spotstream

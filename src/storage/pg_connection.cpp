#include "src/storage/pg_connection.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <vector>

namespace spotstream {

namespace {

// libpq's messages span lines ("...failed: Connection refused\n\tIs the server running..."):
// one line per log record.
std::string trimmed(const char* msg) {
  std::string s;
  for (const char* p = msg ? msg : ""; *p; ++p) {
    if (*p == '\n' || *p == '\t') {
      if (!s.empty() && s.back() != ' ') s += ' ';
    } else {
      s += *p;
    }
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

bool pg_sqlstate_is_transient(std::string_view s) {
  if (s.size() != 5) return false;
  return s.substr(0, 2) == "08" || s.substr(0, 3) == "57P" || s.substr(0, 2) == "53" || s == "40001" ||
         s == "40P01";
}

long long PgResult::affected() const {
  const char* n = PQcmdTuples(r_.get());
  return n && *n ? std::atoll(n) : 0;
}

PgConnection::PgConnection(const std::string& conninfo, const std::string& application_name) {
  // Keywords before "dbname" are defaults the conninfo may override; the expanded conninfo
  // (expand_dbname) takes precedence over them, and client_encoding, after it, is forced: every
  // text we send is UTF-8. A missing setting falls back to the PG* environment variables.
  const char* keys[] = {"application_name", "connect_timeout", "dbname", "client_encoding", nullptr};
  const char* values[] = {application_name.c_str(), "5", conninfo.empty() ? nullptr : conninfo.c_str(), "UTF8", nullptr};
  if (conninfo.empty()) {
    // A null value ends the list early in libpq: drop the dbname pair instead.
    keys[2] = "client_encoding";
    values[2] = "UTF8";
    keys[3] = nullptr;
    values[3] = nullptr;
  }
  conn_.reset(PQconnectdbParams(keys, values, 1));
  if (!conn_) throw PgError("cannot allocate a PostgreSQL connection", "", true);
  if (PQstatus(conn_.get()) != CONNECTION_OK) {
    // libpq's message names host and port, never the password.
    throw PgError("cannot connect to PostgreSQL: " + trimmed(PQerrorMessage(conn_.get())), "", true);
  }
  // Server notices ("relation already exists, skipping") would go to stderr raw: log them at debug.
  PQsetNoticeProcessor(conn_.get(), [](void*, const char* msg) { spdlog::debug("postgres: {}", trimmed(msg)); }, nullptr);
}

void PgConnection::fail(const std::string& what, PGresult* r) {
  std::string state;
  std::string msg;
  if (r) {
    if (const char* s = PQresultErrorField(r, PG_DIAG_SQLSTATE)) state = s;
    msg = trimmed(PQresultErrorMessage(r));
    PQclear(r);
  }
  if (msg.empty()) msg = trimmed(PQerrorMessage(conn_.get()));
  const bool lost = PQstatus(conn_.get()) != CONNECTION_OK || pg_sqlstate_is_transient(state) || (r == nullptr);
  throw PgError(what + ": " + msg, state, lost);
}

PgResult PgConnection::check(PGresult* r, ExecStatusType expected, const std::string& what) {
  if (!r || PQresultStatus(r) != expected) fail(what, r);
  return PgResult(r);
}

PgResult PgConnection::exec(const std::string& sql) {
  PGresult* r = PQexec(conn_.get(), sql.c_str());
  if (r && PQresultStatus(r) == PGRES_TUPLES_OK) return PgResult(r);
  return check(r, PGRES_COMMAND_OK, "statement failed");
}

PgResult PgConnection::exec_params(const std::string& sql, std::initializer_list<const char*> params) {
  std::vector<const char*> v(params);
  PGresult* r = PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(v.size()), nullptr, v.data(), nullptr, nullptr, 0);
  if (r && PQresultStatus(r) == PGRES_TUPLES_OK) return PgResult(r);
  return check(r, PGRES_COMMAND_OK, "statement failed");
}

long long PgConnection::copy_in(const std::string& copy_sql, std::string_view data) {
  check(PQexec(conn_.get(), copy_sql.c_str()), PGRES_COPY_IN, "COPY failed to start");
  // libpq buffers and sends in its own chunks; one call per MiB keeps each call bounded.
  constexpr std::size_t kChunk = 1 << 20;
  for (std::size_t off = 0; off < data.size(); off += kChunk) {
    const auto n = std::min(kChunk, data.size() - off);
    if (PQputCopyData(conn_.get(), data.data() + off, static_cast<int>(n)) != 1) {
      PQputCopyEnd(conn_.get(), "client failed to send");
      while (PGresult* r = PQgetResult(conn_.get())) PQclear(r);
      fail("COPY data could not be sent", nullptr);
    }
  }
  if (PQputCopyEnd(conn_.get(), nullptr) != 1) fail("COPY could not be finished", nullptr);
  PgResult result = check(PQgetResult(conn_.get()), PGRES_COMMAND_OK, "COPY failed");
  while (PGresult* r = PQgetResult(conn_.get())) PQclear(r);
  return result.affected();
}

std::string PgConnection::describe() const {
  auto s = [](const char* v) { return std::string(v ? v : ""); };
  std::string host = s(PQhost(conn_.get()));
  if (!host.empty() && host[0] == '/') host = "socket " + host;
  return s(PQuser(conn_.get())) + "@" + host + ":" + s(PQport(conn_.get())) + "/" + s(PQdb(conn_.get()));
}

}  // namespace spotstream

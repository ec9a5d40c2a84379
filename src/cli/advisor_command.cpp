#include <cstdio>

#include "src/cli/commands.hpp"
#include "src/model/advisor_fetch.hpp"

namespace spotstream::cli {

int advisor_fetch_command(const Config& cfg, const AdvisorOptions& opts) {
  const std::string url = opts.url.empty() ? cfg.get_string("advisor.url") : opts.url;
  const std::string out = opts.out.empty() ? cfg.get_string("risk.spot_advisor_file") : opts.out;
  if (out.empty()) throw ConfigError("advisor fetch needs a file to write: --out FILE or risk.spot_advisor_file");
  const auto r = fetch_advisor(url, out);
  std::fprintf(r.outcome == AdvisorFetchResult::Outcome::Failed ? stderr : stdout, "%s\n", r.message.c_str());
  return r.outcome == AdvisorFetchResult::Outcome::Failed ? 1 : 0;
}

}  // namespace spotstream::cli

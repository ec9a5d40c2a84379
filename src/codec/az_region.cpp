#include "src/codec/az_region.hpp"

#include <array>
#include <utility>

namespace spotstream {

namespace {

// Splits on '-' into at most 8 tokens; more than that is no shape AWS uses.
struct Tokens {
  std::array<std::string_view, 8> t;
  std::size_t n = 0;
};

bool split(std::string_view s, Tokens& out) {
  std::size_t start = 0;
  while (true) {
    const auto dash = s.find('-', start);
    if (out.n == out.t.size()) return false;
    out.t[out.n++] = s.substr(start, dash == std::string_view::npos ? std::string_view::npos : dash - start);
    if (dash == std::string_view::npos) return true;
    start = dash + 1;
  }
}

bool all_lower(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < 'a' || c > 'z') return false;
  return true;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// Arrays of string_view, not braced lists of literals: those would strlen every entry per call.
constexpr std::string_view kDirections[] = {"east",      "west",      "north",     "south",    "central",
                                            "northeast", "northwest", "southeast", "southwest"};
constexpr std::string_view kQualifiers[] = {"gov", "iso", "isob", "isoe", "isof"};

template <std::size_t N>
bool one_of(std::string_view s, const std::string_view (&words)[N]) {
  if (s.empty()) return false;
  for (const auto& w : words)
    if (w.size() == s.size() && w[0] == s[0] && w == s) return true;
  return false;
}

bool is_direction(std::string_view s) { return one_of(s, kDirections); }
// Isolated/sovereign partitions put a qualifier between the geography and the direction.
bool is_qualifier(std::string_view s) { return one_of(s, kQualifiers); }

// Hand-rolled cursor parsing: AZ names are on the per-tick path, so no splitting or allocation.
std::string_view take_letters(std::string_view s, std::size_t& pos) {
  const std::size_t start = pos;
  while (pos < s.size() && s[pos] >= 'a' && s[pos] <= 'z') ++pos;
  return s.substr(start, pos - start);
}

std::string_view take_digits(std::string_view s, std::size_t& pos) {
  const std::size_t start = pos;
  while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
  return s.substr(start, pos - start);
}

bool take_dash(std::string_view s, std::size_t& pos) {
  if (pos >= s.size() || s[pos] != '-') return false;
  ++pos;
  return true;
}

// Length of the region at the start of `s` ("us-gov-west-1" in "us-gov-west-1a"), 0 when none.
std::size_t region_prefix(std::string_view s) {
  std::size_t p = 0;
  if (take_letters(s, p).size() != 2 || !take_dash(s, p)) return 0;
  auto word = take_letters(s, p);
  if (is_qualifier(word)) {
    if (!take_dash(s, p)) return 0;
    word = take_letters(s, p);
  }
  if (!is_direction(word) || !take_dash(s, p)) return 0;
  const auto number = take_digits(s, p);  // regions are numbered 1, 2, ...: one or two digits
  if (number.empty() || number.size() > 2) return 0;
  return p;
}

std::optional<std::string_view> region_of_az_name(std::string_view az) {
  const std::size_t r = region_prefix(az);
  if (r == 0 || r == az.size()) return std::nullopt;
  bool ok = false;
  std::size_t p = r;
  if (az.size() == r + 1) {
    ok = take_letters(az, p).size() == 1;  // us-east-1a
  } else if (take_dash(az, p)) {
    const auto loc = take_letters(az, p);
    if (loc == "wl" && !take_digits(az, p).empty()) {
      // Wavelength Zone: us-east-1-wl1-bos-wlz-1.
      ok = take_dash(az, p) && !take_letters(az, p).empty() && take_dash(az, p) && take_letters(az, p) == "wlz" &&
           take_dash(az, p) && !take_digits(az, p).empty() && p == az.size();
    } else {
      // Local Zone: us-west-2-lax-1a.
      ok = loc.size() >= 2 && take_dash(az, p) && !take_digits(az, p).empty() && take_letters(az, p).size() == 1 &&
           p == az.size();
    }
  }
  if (!ok) return std::nullopt;
  return az.substr(0, r);
}

// AWS's AZ-id prefixes (use1-az2): they are stable per region, unlike AZ names, which AWS maps to
// physical zones differently for each account.
constexpr std::pair<std::string_view, std::string_view> kAzIdPrefixes[] = {
    {"use1", "us-east-1"},       {"use2", "us-east-2"},       {"usw1", "us-west-1"},
    {"usw2", "us-west-2"},       {"usge1", "us-gov-east-1"},  {"usgw1", "us-gov-west-1"},
    {"cac1", "ca-central-1"},    {"caw1", "ca-west-1"},       {"mxc1", "mx-central-1"},
    {"sae1", "sa-east-1"},       {"euc1", "eu-central-1"},    {"euc2", "eu-central-2"},
    {"euw1", "eu-west-1"},       {"euw2", "eu-west-2"},       {"euw3", "eu-west-3"},
    {"eun1", "eu-north-1"},      {"eus1", "eu-south-1"},      {"eus2", "eu-south-2"},
    {"afs1", "af-south-1"},      {"mes1", "me-south-1"},      {"mec1", "me-central-1"},
    {"ilc1", "il-central-1"},    {"aps1", "ap-south-1"},      {"aps2", "ap-south-2"},
    {"ape1", "ap-east-1"},       {"ape2", "ap-east-2"},       {"apse1", "ap-southeast-1"},
    {"apse2", "ap-southeast-2"}, {"apse3", "ap-southeast-3"}, {"apse4", "ap-southeast-4"},
    {"apse5", "ap-southeast-5"}, {"apse7", "ap-southeast-7"}, {"apne1", "ap-northeast-1"},
    {"apne2", "ap-northeast-2"}, {"apne3", "ap-northeast-3"}, {"cnn1", "cn-north-1"},
    {"cnnw1", "cn-northwest-1"},
};

// "az" followed by digits ("az2"), or the Wavelength id form "wlz" + digits.
bool az_suffix(std::string_view s, std::string_view prefix) {
  return s.size() > prefix.size() && s.substr(0, prefix.size()) == prefix && all_digits(s.substr(prefix.size()));
}

std::optional<std::string_view> region_of_az_id(std::string_view id) {
  Tokens tk;
  if (!split(id, tk) || tk.n < 2) return std::nullopt;
  std::string_view region;
  for (const auto& [prefix, name] : kAzIdPrefixes)
    if (tk.t[0] == prefix) region = name;
  if (region.empty()) return std::nullopt;
  bool ok = false;
  if (tk.n == 2) {
    ok = az_suffix(tk.t[1], "az");  // use1-az2
  } else if (tk.n == 3) {
    // Local Zone id: usw2-lax1-az1.
    const auto loc = tk.t[1];
    const auto digits = loc.find_first_of("0123456789");
    ok = digits != std::string_view::npos && digits >= 2 && all_lower(loc.substr(0, digits)) &&
         all_digits(loc.substr(digits)) && az_suffix(tk.t[2], "az");
  } else if (tk.n == 4) {
    // Wavelength Zone id: use1-wl1-bos-wlz1.
    ok = az_suffix(tk.t[1], "wl") && all_lower(tk.t[2]) && az_suffix(tk.t[3], "wlz");
  }
  if (!ok) return std::nullopt;
  return region;
}

}  // namespace

std::optional<std::string_view> region_of_az(std::string_view az) {
  if (az.empty() || az.size() > 64) return std::nullopt;
  if (auto r = region_of_az_name(az)) return r;
  return region_of_az_id(az);
}

bool is_region_name(std::string_view s) {
  return !s.empty() && s.size() <= 32 && region_prefix(s) == s.size();
}

}  // namespace spotstream

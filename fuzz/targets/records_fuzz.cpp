// The records spotstream reads back from its own topics (decisions and risk when it restores, risk
// marks, dead letters for `dlq` tooling, risk scores from an external scorer). Whatever decodes
// must encode to a record that decodes to the same thing: encode(decode(encode(x))) == encode(x).
#include <string>

#include "fuzz/fuzz_target.hpp"
#include "fuzz/targets/check.hpp"
#include "src/codec/json_encoder.hpp"

using namespace spotstream;

namespace {

// What decodes must encode to a record that decodes and encodes to the same bytes.
template <class Decode, class Encode>
void check_round_trip(std::string_view data, Decode decode, Encode encode) {
  if (const auto x = decode(data)) {
    const std::string once = encode(*x);
    const auto again = decode(once);
    FUZZ_CHECK(again && encode(*again) == once);
  }
}

}  // namespace

SPOTSTREAM_FUZZ_TARGET(decision_record) { check_round_trip(data, decode_decision, encode_decision); }

SPOTSTREAM_FUZZ_TARGET(risk_record) {
  check_round_trip(data, decode_risk_record, encode_risk_record);
  decode_risk_score(data);
  check_round_trip(data, decode_risk_mark, encode_risk_mark);
}

SPOTSTREAM_FUZZ_TARGET(dead_letter_record) {
  check_round_trip(data, decode_dead_letter,
                   [](const DeadLetterRecord& d) { return encode_dead_letter(d.letter, 1 << 20); });
  const std::string b64 = base64_encode(data);
  const auto back = base64_decode(b64);
  FUZZ_CHECK(back && *back == data);
  base64_decode(data);
}

// The records spotstream reads back from its own topics (decisions and risk when it restores, risk
// marks, dead letters for `dlq` tooling, risk scores from an external scorer). Whatever decodes
// must encode to a record that decodes to the same thing: encode(decode(encode(x))) == encode(x).
#include <string>

#include "fuzz/fuzz_target.hpp"
#include "fuzz/targets/check.hpp"
#include "src/codec/json_encoder.hpp"

using namespace spotstream;

SPOTSTREAM_FUZZ_TARGET(decision_record) {
  if (const auto d = decode_decision(data)) {
    const std::string once = encode_decision(*d);
    const auto again = decode_decision(once);
    FUZZ_CHECK(again && encode_decision(*again) == once);
  }
}

SPOTSTREAM_FUZZ_TARGET(risk_record) {
  if (const auto r = decode_risk_record(data)) {
    const std::string once = encode_risk_record(*r);
    const auto again = decode_risk_record(once);
    FUZZ_CHECK(again && encode_risk_record(*again) == once);
  }
  decode_risk_score(data);
  if (const auto m = decode_risk_mark(data)) {
    const std::string once = encode_risk_mark(*m);
    const auto again = decode_risk_mark(once);
    FUZZ_CHECK(again && encode_risk_mark(*again) == once);
  }
}

SPOTSTREAM_FUZZ_TARGET(dead_letter_record) {
  if (const auto d = decode_dead_letter(data)) {
    const std::string once = encode_dead_letter(d->letter, 1 << 20);
    const auto again = decode_dead_letter(once);
    FUZZ_CHECK(again && encode_dead_letter(again->letter, 1 << 20) == once);
  }
  const std::string b64 = base64_encode(data);
  const auto back = base64_decode(b64);
  FUZZ_CHECK(back && *back == data);
  base64_decode(data);
}

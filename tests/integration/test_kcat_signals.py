"""Real AWS signal samples in, decisions and dead letters out, all through kcat.

`spotstream run` starts its embedded broker; kcat (a client that shares no code with spotstream)
produces fleet joins, the real AWS sample files byte for byte, a signal for an instance that never
joined and one bad message per kind of fault. kcat reads spot.decisions and spot.dlq back. A SIGTERM
ends the run, whose summary must account for everything.
"""

import json
import re
import sys
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from spotstream_harness import (ProcessGroup, assert_schema, aws_sample, b64decode_exact, decisions_of,  # noqa: E402
                                kcat_produce, parse_summary, poll_topic, read_topic, run_main)

FLEET, SIGNALS, PRICES, DECISIONS, DLQ = "spot.fleet", "spot.signals", "spot.prices", "spot.decisions", "spot.dlq"

KARPENTER_ITN = "eventbridge-spot-itn.karpenter-design.json"   # i-0123456789, us-east-2
NTH_REBALANCE = "eventbridge-rebalance.nth.json"               # i-0b662ef9931388ba0, us-east-1b
IMDS_ACTION = "imds-spot-instance-action.karpenter-design.json"  # no instance id: the key carries it
IMDS_REBALANCE = "imds-rebalance.karpenter-design.json"

# Three nodes: one per real sample. The EventBridge samples name their instances; the IMDS body
# names none, so its node's instance id is only in the Kafka key.
NODES = {
    "node-karpenter": {"instance_id": "i-0123456789", "az": "us-east-2a", "instance_type": "c5.large"},
    "node-nth": {"instance_id": "i-0b662ef9931388ba0", "az": "us-east-1b", "instance_type": "m5.large"},
    "node-imds": {"instance_id": "i-0a1b2c3d4e5f60718", "az": "us-east-1c", "instance_type": "c5.xlarge"},
}
UNKNOWN_INSTANCE = "i-0fedcba9876543210"  # never joins


def iso_ms(s):
    """Milliseconds since the epoch of an ISO-8601 UTC time such as 2022-08-11T14:00:00Z."""
    s = s.replace("Z", "+00:00")
    return int(round(datetime.fromisoformat(s).astimezone(timezone.utc).timestamp() * 1000))


def fmt_ms(ms):
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def join_event(node_id, n):
    return json.dumps({"ts": "2020-01-01T00:00:00Z", "action": "join", "node_id": node_id,
                       "instance_id": n["instance_id"], "az": n["az"], "instance_type": n["instance_type"]},
                      separators=(",", ":")).encode()


def bad_inputs():
    """(name, topic, key, bytes, expected reason): one message per kind of fault."""
    oversize_pad = "x" * (70 * 1024)
    oversize = ('{"ts":"2025-01-01T00:00:00Z","az":"us-east-1a","instance_type":"c5.large",'
                '"product":"Linux/UNIX","spot_price":0.03,"pad":"%s"}' % oversize_pad).encode()
    assert len(oversize) > 64 * 1024
    return [
        ("malformed", PRICES, "us-east-1a/c5", b'{"ts": "2025-01-01T00:00:00Z", "az": ', "malformed_json"),
        ("negative-price", PRICES, "us-east-1a/c5",
         b'{"ts":"2025-01-01T00:00:00Z","az":"us-east-1a","instance_type":"c5.large","product":"Linux/UNIX",'
         b'"spot_price":-0.02}', "bad_price"),
        ("unknown-az", PRICES, "moon-base-1/c5",
         b'{"ts":"2025-01-01T00:00:00Z","az":"moon-base-1","instance_type":"c5.large","product":"Linux/UNIX",'
         b'"spot_price":0.03}', "unknown_az"),
        # The real IMDS body, with no key: nothing says which instance it is about.
        ("imds-without-key", SIGNALS, None, aws_sample(IMDS_ACTION), "missing_instance_id"),
        ("oversize", PRICES, "us-east-1a/c5", oversize, "oversize"),
    ]


def find_source(records, key, payload):
    """(partition, offset) of the one input record with this key and exactly these bytes."""
    text = payload.decode("utf-8")
    hits = [r for r in records if r.get("key") == key and r.get("payload") == text]
    assert len(hits) == 1, "expected one input record with key %r and the payload, found %d" % (key, len(hits))
    return hits[0]["partition"], hits[0]["offset"]


def main():
    with ProcessGroup("spotstream-kcat-signals-") as pg:
        run, addr = pg.start_run("run")
        w = pg.dir

        # 1. Joins, keyed by instance id; wait for their STAY decisions so that every signal below
        # finds its node (a signal that overtakes its join is parked and counted as unknown).
        for node_id, n in NODES.items():
            assert_schema(json.loads(join_event(node_id, n)), FLEET)
            kcat_produce(addr, FLEET, join_event(node_id, n), key=n["instance_id"], workdir=w)
        recs = poll_topic(addr, DECISIONS, lambda rs: len(rs) >= len(NODES), 30, "one STAY per joined node")
        stays = decisions_of(recs)
        assert sorted(d["node_id"] for d in stays) == sorted(NODES), stays
        for d in stays:
            n = NODES[d["node_id"]]
            assert d["decision"] == "STAY", d
            assert d["_kafka"]["key"] == d["node_id"], d
            assert d["instance_id"] == n["instance_id"] and d["az"] == n["az"], d
            assert d["instance_type"] == n["instance_type"] and d["signal"] == "none", d
            assert d["ts"] == "2020-01-01T00:00:00.000Z", d

        # 2. Signals: the real samples' bytes, verbatim (valid by schemas/spot.signals). The unknown
        # instance's goes first.
        for sample in (IMDS_REBALANCE, KARPENTER_ITN, NTH_REBALANCE, IMDS_ACTION):
            assert_schema(json.loads(aws_sample(sample)), SIGNALS)
        kcat_produce(addr, SIGNALS, aws_sample(IMDS_REBALANCE), key=UNKNOWN_INSTANCE, workdir=w)
        kcat_produce(addr, SIGNALS, aws_sample(KARPENTER_ITN), key=NODES["node-karpenter"]["instance_id"], workdir=w)
        kcat_produce(addr, SIGNALS, aws_sample(NTH_REBALANCE), key=NODES["node-nth"]["instance_id"], workdir=w)
        kcat_produce(addr, SIGNALS, aws_sample(IMDS_ACTION), key=NODES["node-imds"]["instance_id"], workdir=w)

        # 3. Bad input, one of each kind.
        bad = bad_inputs()
        for _, topic, key, payload, _ in bad:
            kcat_produce(addr, topic, payload, key=key, workdir=w)

        # 4. Decisions, read back with kcat.
        def reacted(rs):
            kinds = {(d["node_id"], d["decision"]) for d in decisions_of(rs)}
            return {("node-karpenter", "EVACUATE"), ("node-nth", "DRAIN"), ("node-imds", "EVACUATE")} <= kinds

        decisions = decisions_of(poll_topic(addr, DECISIONS, reacted, 30, "EVACUATE, DRAIN, EVACUATE"))
        reactions = {d["node_id"]: d for d in decisions if d["decision"] != "STAY"}
        assert len(decisions) == 6, "3 STAY + 3 reactions expected, got:\n%s" % "\n".join(map(str, decisions))

        karp = json.loads(aws_sample(KARPENTER_ITN))
        nth = json.loads(aws_sample(NTH_REBALANCE))
        imds = json.loads(aws_sample(IMDS_ACTION))
        expect = {
            # node: (decision, instance id, signal label, event time ms, action time ms or None)
            "node-karpenter": ("EVACUATE", karp["detail"]["instance-id"], "interruption-notice:terminate",
                               iso_ms(karp["time"]), iso_ms(karp["time"]) + 120000),
            "node-nth": ("DRAIN", nth["detail"]["instance-id"], "rebalance-recommendation", iso_ms(nth["time"]), None),
            # IMDS's "time" is when the instance goes; the notice came two minutes earlier.
            "node-imds": ("EVACUATE", NODES["node-imds"]["instance_id"], "interruption-notice:terminate",
                          iso_ms(imds["time"]) - 120000, iso_ms(imds["time"])),
        }
        for node_id, (kind, instance, label, ts_ms, action_ms) in expect.items():
            d = reactions[node_id]
            assert d["_kafka"]["key"] == node_id, "Kafka key must be the node id: %s" % d
            assert d["decision"] == kind, d
            assert d["instance_id"] == instance == NODES[node_id]["instance_id"], d
            assert d["signal"] == label, d
            assert d["ts_ms"] == ts_ms, "event time %s, sample says %s" % (d["ts"], fmt_ms(ts_ms))
            assert d["ts"] == fmt_ms(ts_ms), d
            if action_ms is None:
                assert "action_time" not in d, d
            else:
                assert d.get("action_time") == fmt_ms(action_ms), d
            assert d["az"] == NODES[node_id]["az"] and d["instance_type"] == NODES[node_id]["instance_type"], d
            assert d["reason"] and d["model"], d
        for d in decisions:
            assert_schema({k: v for k, v in d.items() if k != "_kafka"}, DECISIONS)
        ids = [d["decision_id"] for d in decisions]
        assert all(re.fullmatch(r"[0-9a-f]{16}", i) for i in ids), ids
        assert len(set(ids)) == len(ids), "duplicate decision ids: %s" % ids
        # The unknown instance's signal is parked, not decided on (the summary confirms it was seen).
        assert not [d for d in decisions if d["instance_id"] == UNKNOWN_INSTANCE], decisions

        # 5. Dead letters, read back with kcat, matched to where kcat's produce landed.
        dlq = poll_topic(addr, DLQ, lambda rs: len(rs) >= len(bad), 30, "%d dead letters" % len(bad))
        assert len(dlq) == len(bad), "one dead letter per bad message expected, got %d" % len(dlq)
        inputs = {PRICES: read_topic(addr, PRICES), SIGNALS: read_topic(addr, SIGNALS)}
        letters = [dict(json.loads(r["payload"]), _kafka_key=r.get("key")) for r in dlq]
        for name, topic, key, payload, reason in bad:
            partition, offset = find_source(inputs[topic], key, payload)
            hits = [l for l in letters if l["source"] == {"topic": topic, "partition": partition, "offset": offset}]
            assert len(hits) == 1, "%s: expected one dead letter for %s[%d]@%d, got %d" % (
                name, topic, partition, offset, len(hits))
            l = hits[0]
            assert_schema({k: v for k, v in l.items() if k != "_kafka_key"}, DLQ)
            assert l["reason"] == reason, "%s: reason %r, expected %r (detail: %s)" % (name, l["reason"], reason,
                                                                                        l.get("detail"))
            assert l["detail"], l
            assert b64decode_exact(l["payload_base64"]) == payload, "%s: payload bytes differ" % name
            assert l["payload_bytes"] == len(payload) and l["truncated"] is False, (name, l["payload_bytes"])
            assert l["key"] == (key or ""), (name, l["key"])
            # The dead letter keeps the input's key (a null key may come back null or empty).
            assert l["_kafka_key"] == key or (key is None and l["_kafka_key"] in ("", None)), (name, l["_kafka_key"])

        # 6. Clean stop: exit 0 and a summary that accounts for everything.
        rc = run.stop(timeout=30)
        assert rc == 0, "run exited %s after SIGTERM\n%s" % (rc, run.describe())
        s = parse_summary(run.stdout())
        assert s["decisions"] == {"STAY": 3, "SWITCH": 0, "DRAIN": 1, "EVACUATE": 2}, s
        assert s["dlq"]["total"] == len(bad), s
        for _, _, _, _, reason in bad:
            assert s["dlq"].get(reason) == 1, (reason, s["dlq"])
        assert s["unknown_instance_signals"] == 1, s
        assert s["parked_signals_applied"] == 0, s
        assert s["fleet_in"] == 3 and s["signals_in"] == 4 and s["prices_in"] == 0, s
        assert s["messages_in"] == 3 + 4 + len(bad), s
        assert s["outputs_delivered"] == 6 + len(bad) and s["delivery_failures"] == 0, s


if __name__ == "__main__":
    run_main(main)

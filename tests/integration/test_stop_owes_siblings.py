"""A run stopped before its inputs passed a notice leaves the notice's siblings to its restart.

Three nodes join one pool (A, B, C); A gets an interruption notice. Its siblings are told once the
fleet and signals inputs have passed the notice, a grace after (decisions.input_grace_ms, long
here). Run 1 reads the notice, decides A's EVACUATE and is stopped within that grace. Then B's leave,
stamped before the notice, reaches Kafka late (as a producer's message to another partition may).
Who was a sibling at the notice depends on that leave, which run 1 never read: so run 1 must not
tell the siblings (before, a stop told them from what it had read, and drained B, which had left).
It records with its commit that the notice's siblings are owed; run 2 reads the notice again as
owed and, with the leave read, drains C alone, once: what one uninterrupted run over the same
topics publishes (a reference run on a fresh broker).
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from spotstream_harness import (ProcessGroup, decisions_of, kcat_produce, parse_summary, poll_topic,  # noqa: E402
                                read_topic, run_main)

FLEET, SIGNALS, DECISIONS = "spot.fleet", "spot.signals", "spot.decisions"
POOL = {"az": "us-east-1a", "region": "us-east-1", "instance_type": "c5.large", "product": "Linux/UNIX"}
NODES = {"node-a": "i-0aaaaaaaaaaaaaaa1", "node-b": "i-0bbbbbbbbbbbbbbb2", "node-c": "i-0ccccccccccccccc3"}
NOTICE_TS = "2025-01-01T01:00:00Z"
LEAVE_B_TS = "2025-01-01T00:30:00.000Z"
# Signal decisions only: the test is about who is a sibling, not about the model.
RUN = ["--set", "decisions.enabled=false"]


def fleet_event(action, node, ts):
    e = {"ts": ts, "action": action, "fleet": "default", "node_id": node, "instance_id": NODES[node],
         "vcpu": 2.0, "memory_gib": 4.0, "arch": "x86_64", **POOL}
    return json.dumps(e, separators=(",", ":")).encode()


def notice():
    e = {"version": "0", "id": "stop-owes-siblings-1", "detail-type": "EC2 Spot Instance Interruption Warning",
         "source": "aws.ec2", "account": "000000000000", "time": NOTICE_TS, "region": POOL["region"],
         "resources": ["arn:aws:ec2:us-east-1a:instance/" + NODES["node-a"]],
         "detail": {"instance-id": NODES["node-a"], "instance-action": "terminate"}}
    return json.dumps(e, separators=(",", ":")).encode()


def produce_joins_and_notice(addr, workdir):
    # One partition per topic: the leave comes after the joins on B's partition, as in any feed.
    for i, node in enumerate(NODES):
        kcat_produce(addr, FLEET, fleet_event("join", node, "2025-01-01T00:0%d:00.000Z" % i), NODES[node], workdir, "0")
    kcat_produce(addr, SIGNALS, notice(), NODES["node-a"], workdir, "0")


def produce_late_leave(addr, workdir):
    kcat_produce(addr, FLEET, fleet_event("leave", "node-b", LEAVE_B_TS), NODES["node-b"], workdir, "0")


def wait_ok(proc, timeout):
    rc = proc.wait(timeout)
    assert rc == 0, "%s exited %s\n%s" % (proc.name, rc, proc.describe())


def summary_of(decisions):
    return sorted((d["node_id"], d["decision"], d.get("why", "")) for d in decisions)


def reference(pg, late_leave=True):
    """One run over the same topics (B's leave with them unless told otherwise), everything
    published before it starts."""
    broker, addr = pg.start_broker("ref-broker")
    produce_joins_and_notice(addr, pg.dir)
    if late_leave:
        produce_late_leave(addr, pg.dir)
    wait_ok(pg.spotstream("ref-run", "run", "--brokers", addr, *RUN, "--set", "runtime.idle_exit_ms=3000"), 120)
    decisions = decisions_of(read_topic(addr, DECISIONS))
    assert broker.stop() == 0
    return decisions


def main():
    with ProcessGroup("spotstream-stop-owes-") as pg:
        broker, addr = pg.start_broker("broker")
        # A grace far longer than the test: run 1 cannot tell the siblings before it is stopped.
        run1 = pg.spotstream("run1", "run", "--brokers", addr, *RUN, "--set", "decisions.input_grace_ms=600000")
        run1.wait_stderr(r"assigned \d+ partition", 30)
        produce_joins_and_notice(addr, pg.dir)
        poll_topic(addr, DECISIONS, lambda rs: any(d["decision"] == "EVACUATE" for d in decisions_of(rs)), 60,
                   "run 1's EVACUATE for node-a")
        run1.signal()
        wait_ok(run1, 60)
        s1 = parse_summary(run1.stdout())
        after_run1 = decisions_of(read_topic(addr, DECISIONS))
        assert summary_of(after_run1) == [("node-a", "EVACUATE", "signal"), ("node-a", "STAY", ""),
                                          ("node-b", "STAY", ""), ("node-c", "STAY", "")], (
            "run 1 must decide the joins and the notice, and leave the siblings owed:\n%s" % summary_of(after_run1))

        produce_late_leave(addr, pg.dir)
        run2 = pg.spotstream("run2", "run", "--brokers", addr, *RUN, "--set", "runtime.idle_exit_ms=3000")
        wait_ok(run2, 120)
        assert "stopped owing outputs of its events from offset 0" in run2.stderr(), (
            "run 2 must read the notice again as owed:\n%s" % run2.describe())
        s2 = parse_summary(run2.stdout())
        decisions = decisions_of(read_topic(addr, DECISIONS))
        assert broker.stop() == 0

        ids = [d["decision_id"] for d in decisions]
        assert len(ids) == len(set(ids)), "a decision was published twice: %s" % summary_of(decisions)
        assert len(decisions) == sum(s1["decisions"].values()) + sum(s2["decisions"].values()), (s1, s2)
        # Hand-computed: B left before the notice, so C is the only sibling told.
        # Run 2's own decisions, by id: the topic is read partition by partition, not in time order.
        before = {d["decision_id"] for d in after_run1}
        assert summary_of([d for d in decisions if d["decision_id"] not in before]) == [("node-c", "DRAIN", "sibling")], (
            "run 2 must drain node-c alone:\n%s" % summary_of(decisions))
        ref = reference(pg)
        assert sorted(ids) == sorted(d["decision_id"] for d in ref), (
            "the stopped and restarted runs differ from one uninterrupted run:\n%s\n%s" % (
                summary_of(decisions), summary_of(ref)))
        print("run 1: %s; run 2: %s; the same %d decisions as one uninterrupted run" % (
            s1["decisions"], s2["decisions"], len(ids)))


if __name__ == "__main__":
    run_main(main)

"""Shutdown commits exactly what was delivered; a restart resumes without loss or reprocessing.

A synthetic market is published while `spotstream run` consumes it; the run is stopped with SIGTERM
mid-stream, then restarted in the same consumer group and left to finish by itself. The decisions
on spot.decisions must then be exactly those of one uninterrupted run over the same input (a
reference run on a fresh broker), with no duplicate, and the two runs' messages_in must add up to
the number of messages published: a clean shutdown leaves nothing to reprocess and nothing lost.
"""

import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from spotstream_harness import (ProcessGroup, decisions_of, parse_summary, read_topic,  # noqa: E402
                                run_main, wait_until)

DECISIONS = "spot.decisions"
SEED = 7
# The feed must still be publishing when run 1 is stopped. Run 1 is assigned before the feed starts
# and is stopped as soon as its first decision is on spot.decisions, which takes about 2 s here
# whatever the feed's size (each new client waits ~1 s for a new topic's metadata on the mock
# broker: the feed for spot.fleet, the run's sink for spot.decisions). Three days publish in ~1 s,
# so the feed is longer: 16 days (~970k messages, ~4 s here). If a machine publishes it all before
# the first decision shows, the attempt is repeated with twice the days: the mid-stream assertion
# itself is never relaxed.
DAYS_ATTEMPTS = (16, 32)
# The mock broker keeps only ~5 MiB per partition (FACTS.md): spread the prices over more partitions
# so that nothing is dropped (the reference run checks that it read everything published).
BROKER_ARGS = ["--set", "topics.partitions=32"]
# session.timeout.ms=6000: the mock broker makes a rejoin wait session.timeout.ms - 1 s (FACTS.md).
# Risk-driven decisions are off here: run 1 reads while the feed publishes days of event time per
# second, so a fleet partition read to its end (which does not hold decisions back, as a live fleet
# topic idles for hours) can receive a join stamped before instants already decided: late for those
# decisions, which then differ from the reference run's. Restarts with risk-driven decisions are
# tested in process (PipelineTest.RestartReplaysStateAndEmitsEachDecisionOnce,
# WarmStartTest.RestartMidStreamPublishesWhatAnUninterruptedRunPublishes) and in test_pg_history.
RUN_TUNING = ["--set", "runtime.batch_size=64", "--set", "runtime.commit_interval_ms=100",
              "--set", "kafka.session.timeout.ms=6000", "--set", "decisions.enabled=false"]
PUBLISHED = re.compile(r"published (\d+) events")


def feed_args(addr, days):
    return ["feed", "synth", "--brokers", addr, "--days", days, "--seed", SEED]


def published_count(feed):
    m = PUBLISHED.search(feed.stdout())
    assert m, "feed printed no count:\n%s" % feed.describe()
    return int(m.group(1))


def wait_ok(proc, timeout):
    rc = proc.wait(timeout)
    assert rc == 0, "%s exited %s\n%s" % (proc.name, rc, proc.describe())
    return rc


def reference_decisions(pg, days):
    """One uninterrupted run over the same feed on a fresh broker, to idle exit."""
    broker, addr = pg.start_broker("ref-broker", *BROKER_ARGS)
    feed = pg.spotstream("ref-feed", *feed_args(addr, days))
    wait_ok(feed, 60)
    published = published_count(feed)
    run = pg.spotstream("ref-run", "run", "--brokers", addr, *RUN_TUNING, "--set", "runtime.idle_exit_ms=2000")
    wait_ok(run, 60)
    s = parse_summary(run.stdout())
    assert s["messages_in"] == published, "reference run read %d of %d messages" % (s["messages_in"], published)
    decisions = decisions_of(read_topic(addr, DECISIONS))
    assert broker.stop() == 0
    return published, s, decisions


def stop_mid_stream(pg, days):
    """Broker, run 1 and the feed; run 1 stopped at its first decision. Returns None when the feed
    had already finished by then (the attempt proves nothing), else (broker, addr, s1, published)."""
    broker, addr = pg.start_broker("broker-%d" % days, *BROKER_ARGS)
    # Run 1: assigned before the feed starts, so it consumes while the feed publishes.
    run1 = pg.spotstream("run1-%d" % days, "run", "--brokers", addr, *RUN_TUNING)
    run1.wait_stderr(r"assigned \d+ partition", 30)
    # -u: unbuffered, or kcat holds the first records back in its stdio buffer.
    tail = pg.start("decisions-tail-%d" % days, ["kcat", "-b", addr, "-C", "-t", DECISIONS, "-o", "beginning", "-J",
                                                 "-q", "-u", "-X", "fetch.wait.max.ms=10"])
    feed = pg.spotstream("feed-%d" % days, *feed_args(addr, days))
    wait_until(lambda: tail.stdout().count("\n") >= 1, 30, 0.01, "run 1's first decision")
    feed_running_at_stop = feed.running()
    run1.signal()
    wait_ok(run1, 30)
    tail.kill()
    s1 = parse_summary(run1.stdout())
    wait_ok(feed, 60)
    published = published_count(feed)
    print("%d days: run 1 stopped after %d of %d messages (feed %s at SIGTERM); %d decisions" % (
        days, s1["messages_in"], published, "still publishing" if feed_running_at_stop else "finished",
        sum(s1["decisions"].values())))
    if not feed_running_at_stop and s1["messages_in"] == published:
        assert broker.stop() == 0
        return None
    return broker, addr, s1, published


def main():
    with ProcessGroup("spotstream-restart-") as pg:
        for days in DAYS_ATTEMPTS:
            attempt = stop_mid_stream(pg, days)
            if attempt:
                break
        assert attempt, "the feed always finished before run 1 could be stopped: raise DAYS_ATTEMPTS"
        broker, addr, s1, published = attempt
        assert s1["messages_in"] < published, (
            "run 1 was not stopped mid-stream (%d of %d)" % (s1["messages_in"], published))
        assert s1["delivery_failures"] == 0, s1
        # What run 1 delivered before it stopped (for the diagnosis below).
        run1_decisions = decisions_of(read_topic(addr, DECISIONS))
        assert len(run1_decisions) == sum(s1["decisions"].values()), (len(run1_decisions), s1)

        # Run 2: same group, resumes from the committed offsets and exits when idle.
        run2 = pg.spotstream("run2", "run", "--brokers", addr, *RUN_TUNING, "--set", "runtime.idle_exit_ms=2000")
        wait_ok(run2, 60)
        s2 = parse_summary(run2.stdout())
        print("run 2 read %d messages; %d decisions" % (s2["messages_in"], sum(s2["decisions"].values())))

        records = read_topic(addr, DECISIONS)
        assert broker.stop() == 0
        decisions = decisions_of(records)

        ref_published, ref_summary, ref = reference_decisions(pg, days)
        assert ref_published == published, "the same seed must publish the same feed"

        # Nothing reprocessed after a clean shutdown, nothing lost.
        assert s1["messages_in"] + s2["messages_in"] == published, (
            "run 1 read %d, run 2 read %d: %d in all, %d published" % (
                s1["messages_in"], s2["messages_in"], s1["messages_in"] + s2["messages_in"], published))

        ids = [d["decision_id"] for d in decisions]
        dups = {i: n for i, n in Counter(ids).items() if n > 1}
        assert not dups, "duplicate decision ids on %s: %s" % (DECISIONS, dups)
        # Every decision the runs counted is on the topic once (delivered before each commit).
        assert len(decisions) == sum(s1["decisions"].values()) + sum(s2["decisions"].values()), (
            len(decisions), s1["decisions"], s2["decisions"])

        ref_ids = {d["decision_id"] for d in ref}
        assert len(ref_ids) == len(ref), "the reference run has duplicate decision ids"
        missing = [d for d in ref if d["decision_id"] not in set(ids)]
        extra = [d for d in decisions if d["decision_id"] not in ref_ids]

        def show(ds):
            return "\n".join("  %s %-8s %-9s %s %s (%s)" % (d["decision_id"], d["node_id"], d["decision"], d["ts"],
                                                            d["signal"], d["instance_id"]) for d in ds[:15])

        joined_in_run1 = {d["instance_id"] for d in run1_decisions if d["decision"] == "STAY"}
        missing_after_join_in_run1 = [d for d in missing if d["instance_id"] in joined_in_run1]
        # KNOWN PRODUCT BUG (reported, not worked around): the fleet membership state (which node
        # runs on which instance) lives only in memory and is not rebuilt on start, so run 2 treats
        # every signal for a node that joined before the restart as an unknown instance, parks it
        # and never decides on it: those DRAIN/EVACUATE decisions are lost. docs/design.md's warm start
        # (replay the inputs' last 7 days on assignment before emitting) would restore it.
        assert not missing and not extra, (
            "decisions after a restart differ from one uninterrupted run (%d vs %d; reference %s, "
            "restarted runs %s + %s):\nmissing %d, of which %d for nodes that joined before the restart "
            "(run 2: unknown_instance_signals=%d, parked_signals_applied=%d, parked_signals_expired=%d):\n%s\n"
            "extra %d:\n%s" % (
                len(decisions), len(ref), ref_summary["decisions"], s1["decisions"], s2["decisions"],
                len(missing), len(missing_after_join_in_run1), s2["unknown_instance_signals"],
                s2["parked_signals_applied"], s2["parked_signals_expired"],
                show([d for d in missing if d not in missing_after_join_in_run1] + missing_after_join_in_run1),
                len(extra), show(extra)))


if __name__ == "__main__":
    run_main(main)

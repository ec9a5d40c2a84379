"""PostgreSQL history end to end: the real binary, the embedded broker, kcat and a real PostgreSQL
server started here (scripts/pg_temp.sh, a temporary cluster on a loopback port, removed after).

1. Rows equal events: a run over a synthetic market (plus a few bad messages) stores exactly the
   inputs the feed published (price ticks, signals) and exactly the outputs found on Kafka
   (decisions by id, risk records by pool/time/model, dead letters), per table.
2. Replay: a second run over the same input (another consumer group) adds no row.
3. Outage: the server is stopped while a run is consuming and started again a few seconds later;
   the run holds its input meanwhile (it cannot finish), then ends with the complete history.
4. kill -9 mid-stream, then a restart in the same group: the history ends complete and without
   duplicates.
After 3 and 4 the history holds exactly the keys of the uninterrupted run in 1 (the restarted run
warm-starts its windows, so it publishes the same risk records).
"""

import re
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from spotstream_harness import (ProcessGroup, TempPostgres, decisions_of, kcat_produce, parse_summary, read_topic,  # noqa: E402
                                run_main, wait_until)

import json  # noqa: E402

DAYS = 3
SEED = 11
BROKER_ARGS = ["--set", "topics.partitions=32"]
RUN_TUNING = ["--set", "runtime.batch_size=256", "--set", "runtime.commit_interval_ms=100",
              "--set", "kafka.session.timeout.ms=6000", "--set", "postgres.enabled=true",
              "--set", "postgres.flush_interval_ms=50", "--set", "postgres.retry_backoff_max_ms=500"]
PUBLISHED = re.compile(r"published (\d+) events \((\d+) price ticks, (\d+) rebalance recommendations, "
                       r"(\d+) interruption notices")
TABLES = ("price_ticks", "risk_scores", "decisions", "signals", "dead_letters")
BAD = [("spot.prices", b'{"ts": "2025-01-01T00:00:00Z", "az": '),
       ("spot.prices", b'{"ts":"2025-01-01T00:00:00Z","az":"moon-base-1","instance_type":"c5.large","product":"Linux/UNIX","spot_price":0.03}'),
       ("spot.signals", b'{"detail-type":"EC2 Spot Instance Interruption Warning","detail":{}}')]


def wait_ok(proc, timeout):
    rc = proc.wait(timeout)
    assert rc == 0, "%s exited %s\n%s" % (proc.name, rc, proc.describe())


def market(pg, name):
    """A fresh broker with the synthetic market and the bad messages on it; returns (addr, published)."""
    broker, addr = pg.start_broker(name, *BROKER_ARGS)
    feed = pg.spotstream(name + "-feed", "feed", "synth", "--brokers", addr, "--days", DAYS, "--seed", SEED)
    wait_ok(feed, 120)
    m = PUBLISHED.search(feed.stdout())
    assert m, feed.describe()
    for topic, payload in BAD:
        kcat_produce(addr, topic, payload, key="bad", workdir=pg.dir)
    published = {"total": int(m.group(1)) + len(BAD), "ticks": int(m.group(2)),
                 "signals": int(m.group(3)) + int(m.group(4)), "bad": len(BAD)}
    return addr, published


def stored_ticks(db, dbname):
    """Price ticks stored so far; 0 while spotstream has not created the tables yet."""
    if db.psql("SELECT to_regclass('price_ticks') IS NULL", dbname) == [["t"]]:
        return 0
    return int(db.psql("SELECT count(*) FROM price_ticks", dbname)[0][0])


def counts(db, dbname):
    row = db.psql("SELECT " + ", ".join("(SELECT count(*) FROM %s)" % t for t in TABLES), dbname)[0]
    return dict(zip(TABLES, map(int, row)))


def kafka_outputs(addr):
    decisions = decisions_of(read_topic(addr, "spot.decisions"))  # tombstones are not stored
    risk = [json.loads(r["payload"]) for r in read_topic(addr, "spot.risk", timeout=120)]
    dlq = read_topic(addr, "spot.dlq")
    return decisions, risk, dlq


def pg_keys(db, dbname):
    decisions = {r[0] for r in db.psql("SELECT decision_id FROM decisions", dbname)}
    risk = {(r[0], int(r[1]), r[2]) for r in db.psql(
        "SELECT pool, (extract(epoch FROM ts) * 1000)::bigint, model FROM risk_scores", dbname)}
    return decisions, risk


def check_complete(db, dbname, addr, published, reference=None, label=""):
    """The history holds every input published and every output on Kafka, once; with a
    `reference` (the keys an uninterrupted run stored), exactly those keys."""
    c = counts(db, dbname)
    decisions, risk, dlq = kafka_outputs(addr)
    kafka_ids = {d["decision_id"] for d in decisions}
    pg_ids, pg_risk = pg_keys(db, dbname)
    kafka_risk = {(v["pool"], v["ts_ms"], v["model"]) for v in risk}
    print("%s: history %s; Kafka: %d decisions (%d distinct), %d risk records (%d distinct), %d dead letters" % (
        label, c, len(decisions), len(kafka_ids), len(risk), len(kafka_risk), len(dlq)))
    assert c["price_ticks"] == published["ticks"], (c, published)
    assert c["signals"] == published["signals"], (c, published)
    assert c["dead_letters"] == published["bad"], (c, published)
    assert pg_ids == kafka_ids, "decisions: %d only in PostgreSQL, %d only on Kafka" % (
        len(pg_ids - kafka_ids), len(kafka_ids - pg_ids))
    assert pg_risk == kafka_risk, "risk: %d only in PostgreSQL, %d only on Kafka" % (
        len(pg_risk - kafka_risk), len(kafka_risk - pg_risk))
    assert c["decisions"] == len(pg_ids) and c["risk_scores"] == len(pg_risk)
    if reference is not None:
        # A restart (clean, or after kill -9 with its warm start) reproduces the uninterrupted run.
        assert pg_ids == reference["decisions"], "decisions differ from the uninterrupted run"
        assert pg_risk == reference["risk"], "risk: %d missing, %d extra against the uninterrupted run" % (
            len(reference["risk"] - pg_risk), len(pg_risk - reference["risk"]))
    # Duplicate-free by content, not only by key: the natural identities are unique too.
    dup = db.psql("SELECT count(*) - count(DISTINCT (az, instance_type, product, ts, spot_price)) FROM price_ticks", dbname)
    assert dup == [["0"]], dup
    return c, {"decisions": pg_ids, "risk": pg_risk}


def scenario_rows_and_replay(pg, db):
    addr, published = market(pg, "broker-a")
    conninfo = db.create_db("hist_a")
    run = pg.spotstream("run-a", "run", "--brokers", addr, *RUN_TUNING, "--set", "postgres.conninfo=" + conninfo,
                        "--set", "consumer.group=a", "--set", "runtime.idle_exit_ms=2000")
    wait_ok(run, 180)
    s = parse_summary(run.stdout())
    assert s["messages_in"] == published["total"], (s, published)
    c, reference = check_complete(db, "hist_a", addr, published, label="run a")
    assert c["price_ticks"] == s["prices_in"] and c["signals"] == s["signals_in"]
    assert c["risk_scores"] == s["risk_records"] and c["decisions"] == sum(s["decisions"].values())
    assert c["dead_letters"] == s["dlq"]["total"]
    assert s["history"]["rows_written"] == sum(c.values()) and s["history"]["rows_duplicate"] == 0, s["history"]
    assert "password" not in run.stderr()

    # Replay: the whole input again through another consumer group.
    replay = pg.spotstream("run-a-replay", "run", "--brokers", addr, *RUN_TUNING, "--set", "postgres.conninfo=" + conninfo,
                           "--set", "consumer.group=a-replay", "--set", "runtime.idle_exit_ms=2000")
    wait_ok(replay, 180)
    s2 = parse_summary(replay.stdout())
    assert s2["messages_in"] == published["total"], s2
    assert counts(db, "hist_a") == c, "the replay changed the history"
    assert s2["history"]["rows_written"] == 0, s2["history"]
    assert s2["history"]["rows_duplicate"] == sum(c.values()), (s2["history"], c)
    print("replay: %d rows offered, all already stored" % s2["history"]["rows_duplicate"])
    return reference


def scenario_outage(pg, db, reference):
    addr, published = market(pg, "broker-c")
    conninfo = db.create_db("hist_c")
    run = pg.spotstream("run-c", "run", "--brokers", addr, *RUN_TUNING, "--set", "postgres.conninfo=" + conninfo,
                        "--set", "consumer.group=c", "--set", "runtime.idle_exit_ms=1500")
    wait_until(lambda: stored_ticks(db, "hist_c") > 0, 60, 0.05, "the first stored rows")
    db.stop()
    stopped_at = time.monotonic()
    run.wait_stderr(r"postgres: .* retrying", 30)
    time.sleep(4)
    assert run.running(), "the run ended while the database was down\n" + run.describe()
    db.start()
    print("outage: database down for %.1f s mid-stream" % (time.monotonic() - stopped_at))
    wait_ok(run, 180)
    s = parse_summary(run.stdout())
    assert s["messages_in"] == published["total"], s
    assert s["history"]["retries"] > 0, s["history"]
    check_complete(db, "hist_c", addr, published, reference, label="after the outage")


def scenario_kill9(pg, db, reference):
    addr, published = market(pg, "broker-d")
    conninfo = db.create_db("hist_d")
    args = ["run", "--brokers", addr, *RUN_TUNING, "--set", "postgres.conninfo=" + conninfo, "--set", "consumer.group=d"]
    run1 = pg.spotstream("run-d1", *args)
    wait_until(lambda: stored_ticks(db, "hist_d") > published["ticks"] // 4, 120, 0.02, "a quarter of the ticks")
    run1.signal(signal.SIGKILL)
    run1.wait(30)
    at_kill = counts(db, "hist_d")
    assert at_kill["price_ticks"] < published["ticks"], "run 1 finished before the kill: %s" % at_kill
    run2 = pg.spotstream("run-d2", *args, "--set", "runtime.idle_exit_ms=2000")
    wait_ok(run2, 180)
    s2 = parse_summary(run2.stdout())
    print("kill -9: history at the kill %s; run 2 read %d messages, wrote %d rows, %d already stored" % (
        at_kill, s2["messages_in"], s2["history"]["rows_written"], s2["history"]["rows_duplicate"]))
    assert s2["history"]["rows_written"] > 0
    check_complete(db, "hist_d", addr, published, reference, label="after kill -9 and restart")


def main():
    with ProcessGroup("spotstream-pg-") as pg, TempPostgres() as db:
        reference = scenario_rows_and_replay(pg, db)
        scenario_outage(pg, db, reference)
        scenario_kill9(pg, db, reference)


if __name__ == "__main__":
    run_main(main)

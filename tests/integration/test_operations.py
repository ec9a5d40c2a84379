"""Operations: /ready, /metrics and a real Prometheus server, with a real PostgreSQL going away.

`spotstream run` (embedded broker, history in a throwaway PostgreSQL) is watched from its start:
  * /ready answers 503 before the consumer has its partitions, then 200 once it is assigned and
    nothing is being re-read; /health answers 200 all along;
  * a fleet join and the real EventBridge interruption notice, produced with kcat, make one
    EVACUATE; /metrics then says so (spot_decision_total{decision="EVACUATE",why="signal"} 1),
    its text passes `promtool check metrics`, and a Prometheus server (Debian's, on loopback)
    scraping it returns the series through its HTTP API;
  * PostgreSQL stopped: /ready turns 503 naming it once a write fails; started again: 200.
"""

import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from spotstream_harness import (ProcessGroup, TempPostgres, aws_sample, kcat_produce, poll_topic,  # noqa: E402
                                decisions_of, free_port, run_main, wait_until)

KARPENTER_ITN = "eventbridge-spot-itn.karpenter-design.json"  # i-0123456789, us-east-2
NODE = {"node_id": "node-ops", "instance_id": "i-0123456789", "az": "us-east-2a", "instance_type": "c5.large"}
REST_LINE = r"rest api listening on http://([0-9.]+):(\d+)"


def get(url, timeout=5):
    """(status, body text) of a GET; HTTP errors are answers too; (None, "") when nothing listens."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except (urllib.error.URLError, ConnectionError):
        return None, ""


def metric_value(text, name, labels):
    """The value of one sample of the exposition text, or None."""
    want = ",".join('%s="%s"' % kv for kv in labels.items())
    m = re.search(r"^%s\{%s\} (\S+)$" % (re.escape(name), re.escape(want)), text, re.M)
    return float(m.group(1)) if m else None


def check_with_promtool(text, workdir):
    r = subprocess.run(["promtool", "check", "metrics"], input=text.encode(), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=60, cwd=str(workdir))
    assert r.returncode == 0, "promtool check metrics failed:\n" + r.stdout.decode(errors="replace")


def scrape_with_prometheus(pg, target):
    """Starts Prometheus scraping `target` every second; returns its base URL."""
    port = free_port()
    cfg = pg.path("prometheus.yml")
    cfg.write_text("global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: spotstream\n"
                   "    static_configs:\n      - targets: ['%s']\n" % target)
    pg.start("prometheus", ["prometheus", "--config.file=%s" % cfg, "--storage.tsdb.path=%s" % pg.path("tsdb"),
                            "--web.listen-address=127.0.0.1:%d" % port, "--log.level=warn"])
    return "http://127.0.0.1:%d" % port


def prometheus_query(base, query):
    status, body = get(base + "/api/v1/query?" + urllib.parse.urlencode({"query": query}))
    if status != 200:
        return []
    return json.loads(body)["data"]["result"]


def main():
    with TempPostgres() as db, ProcessGroup("spotstream-operations-") as pg:
        conninfo = db.create_db("ops")
        run, addr = pg.start_run("run", "--set", "postgres.enabled=true", "--set", "postgres.conninfo=" + conninfo,
                                 "--set", "postgres.retry_backoff_max_ms=500")
        host, port = run.wait_stdout(REST_LINE, 30).groups()
        base = "http://%s:%s" % (host, port)

        # 1. Not ready before the consumer group has given this process its partitions.
        status, body = get(base + "/ready")
        assert status == 503 and not json.loads(body)["ready"], body
        assert get(base + "/health")[0] == 200
        wait_until(lambda: get(base + "/ready")[0] == 200, 60, what="/ready 200 once assigned")
        ready = json.loads(get(base + "/ready")[1])
        assert ready["checks"]["partitions_assigned"] > 0 and ready["checks"]["partitions_warming"] == 0, ready

        # 2. One EVACUATE, counted on /metrics.
        join = {"ts": "2020-01-01T00:00:00Z", "action": "join", "node_id": NODE["node_id"],
                "instance_id": NODE["instance_id"], "az": NODE["az"], "instance_type": NODE["instance_type"]}
        kcat_produce(addr, "spot.fleet", json.dumps(join).encode(), key=NODE["instance_id"], workdir=pg.dir)
        poll_topic(addr, "spot.decisions", lambda rs: len(rs) >= 1, 30, "the join's STAY")
        kcat_produce(addr, "spot.signals", aws_sample(KARPENTER_ITN), key=NODE["instance_id"], workdir=pg.dir)
        decisions = decisions_of(poll_topic(addr, "spot.decisions", lambda rs: len(rs) >= 2, 30, "the EVACUATE"))
        assert [d["decision"] for d in decisions] == ["STAY", "EVACUATE"], decisions

        evacuate = {"decision": "EVACUATE", "why": "signal"}
        text = wait_until(lambda: (lambda t: t if metric_value(t, "spot_decision_total", evacuate) == 1 else None)(
            get(base + "/metrics")[1]), 20, what="spot_decision_total EVACUATE 1 on /metrics")
        assert metric_value(text, "spot_decision_total", {"decision": "STAY", "why": ""}) == 1, text
        assert metric_value(text, "spot_input_events_total", {"input": "signals"}) == 1, text
        assert metric_value(text, "spot_input_events_total", {"input": "fleet"}) == 1, text
        assert re.search(r"^spot_signal_decision_seconds_count 1$", text, re.M), "one signal timed"
        check_with_promtool(text, pg.dir)

        # 3. A real Prometheus scrapes it.
        prom = scrape_with_prometheus(pg, "%s:%s" % (host, port))
        result = wait_until(lambda: prometheus_query(prom, 'spot_decision_total{decision="EVACUATE",why="signal"}'), 60,
                            interval=0.5, what="Prometheus to return spot_decision_total")
        assert len(result) == 1 and float(result[0]["value"][1]) == 1, result
        assert result[0]["metric"]["job"] == "spotstream", result
        total = prometheus_query(prom, 'sum(spot_decision_total{decision="EVACUATE"})')
        assert len(total) == 1 and float(total[0]["value"][1]) == 1, total

        # 4. PostgreSQL down: not ready once a write fails (a price tick makes one); back up: ready.
        db.stop()
        tick = b'{"ts":"2025-01-01T00:00:00Z","az":"us-east-1a","instance_type":"c5.large","product":"Linux/UNIX",' \
               b'"spot_price":0.03}'
        kcat_produce(addr, "spot.prices", tick, key="us-east-1a/c5", workdir=pg.dir)
        wait_until(lambda: get(base + "/ready")[0] == 503, 30, what="/ready 503 while PostgreSQL is down")
        ready = json.loads(get(base + "/ready")[1])
        assert any("PostgreSQL" in r for r in ready["reasons"]), ready
        assert re.search(r"^spot_history_writers_failing [1-9]", get(base + "/metrics")[1], re.M)
        db.start()
        wait_until(lambda: get(base + "/ready")[0] == 200, 60, what="/ready 200 once PostgreSQL is back")
        assert db.psql("SELECT count(*) FROM price_ticks", "ops") == [["1"]]

        run.signal()
        assert run.wait(60) == 0, run.describe()


if __name__ == "__main__":
    run_main(main)

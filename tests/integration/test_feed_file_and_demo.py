"""`feed file` publishes the real AWS price histories in timestamp order, and the processor takes
every row without a dead letter; `demo` ends by itself and its summary agrees with itself.

The reference for the file feed is computed here, independently, with Python's json module over
the same files in ../shared/data (never copied into the repository)."""

import json
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from spotstream_harness import (ProcessGroup, parse_summary, read_topic, run_main,  # noqa: E402
                                spotstream_bin, wait_until)

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "price-history"


def reference_rows():
    rows = []
    for f in sorted(DATA.rglob("*.json")):
        for item in json.loads(f.read_text())["SpotPriceHistory"]:
            ts = datetime.strptime(item["Timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ")
            rows.append((ts, item["AvailabilityZone"], item["InstanceType"], float(item["SpotPrice"])))
    return rows


def check_feed_file():
    files = sorted(str(p) for p in DATA.rglob("*.json"))
    assert files, "no price-history files under %s" % DATA
    ref = reference_rows()
    with ProcessGroup() as g:
        _, addr = g.start_broker("broker")
        feed = g.spotstream("feed", "feed", "file", "--brokers", addr, *files)
        assert feed.wait(60) == 0, feed.describe()
        run = g.spotstream("run", "run", "--brokers", addr, "--set", "runtime.idle_exit_ms=1500")
        m = re.search(r"published (\d+) price ticks", feed.stdout())
        assert m and int(m.group(1)) == len(ref), feed.stdout()
        assert run.wait(60) == 0, run.describe()
        summary = parse_summary(run.stdout())
        assert summary["prices_in"] == len(ref), summary
        assert summary["dlq"]["total"] == 0, summary
        # Published in timestamp order: within each partition the message timestamps never go back.
        records = read_topic(addr, "spot.prices")
        assert len(records) == len(ref)
        last = {}
        for r in records:
            assert r["ts"] >= last.get(r["partition"], 0), "out of order in partition %d" % r["partition"]
            last[r["partition"]] = r["ts"]
        # Same rows as the files: (az, type, price) multiset, and keys are <az>/<family>.
        got = sorted((json.loads(r["payload"])["AvailabilityZone"], json.loads(r["payload"])["InstanceType"],
                      float(json.loads(r["payload"])["SpotPrice"])) for r in records)
        assert got == sorted((az, t, p) for _, az, t, p in ref)
        for r in records:
            item = json.loads(r["payload"])
            assert r["key"] == item["AvailabilityZone"] + "/" + item["InstanceType"].split(".")[0], r


def check_demo():
    out = subprocess.run([spotstream_bin(), "demo", "--days", "2", "--nodes", "20"], capture_output=True,
                         timeout=120, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    text = out.stdout
    published = int(re.search(r"published (\d+) events", text).group(1))
    kinds = {k: int(v) for k, v in re.findall(r"^  (STAY|SWITCH|DRAIN|EVACUATE) +(\d+)$", text, re.M)}
    read_back = int(re.search(r"decisions read back from spot.decisions: (\d+)", text).group(1))
    metrics = json.loads(re.search(r"^metrics (\{.*\})$", text, re.M).group(1))
    assert metrics["messages_in"] == published + 5, (published, metrics)
    assert read_back == sum(kinds.values()) == sum(metrics["decisions"].values()), (read_back, kinds, metrics)
    assert kinds["STAY"] > 0 and kinds["DRAIN"] + kinds["EVACUATE"] > 0, kinds
    dlq = {k: int(v) for k, v in re.findall(r"^  ([a-z_]+) +(\d+)$", text.split("dead-letter records")[1], re.M)}
    assert sum(dlq.values()) == 5 == metrics["dlq"]["total"], (dlq, metrics)


def main():
    check_feed_file()
    check_demo()


if __name__ == "__main__":
    run_main(main)

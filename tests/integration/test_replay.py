"""`spotstream risk` replays files in process: one record per tick with `--every-tick`, on an input
larger than the embedded broker could ever hold (over a million ticks, generated here), checked
against the input file itself; and input errors named by file and line, counted, kept in a DLQ file.
"""

import json
import subprocess
import sys
import tempfile
import unittest
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from spotstream_harness import REPO, ProcessGroup, spotstream_bin  # noqa: E402

BIN = spotstream_bin()


def sh(*args, timeout=300):
    r = subprocess.run([BIN] + [str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, timeout=timeout)
    return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")


def iso_ms(ts):
    """'2025-01-01T00:05:00Z' -> epoch milliseconds, without the code under test."""
    import datetime
    return int(datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp()) * 1000


class MillionTicks(unittest.TestCase):
    def test_one_record_per_tick(self):
        with tempfile.TemporaryDirectory() as d:
            ticks = Path(d) / "ticks.jsonl"
            out = Path(d) / "risk.jsonl"
            subprocess.run([sys.executable, str(REPO / "bench" / "make_ticks.py"), "--pools", "240", "--days", "15",
                            "--out", str(ticks)], check=True, timeout=120)
            want = Counter()
            with ticks.open() as f:
                for line in f:
                    t = json.loads(line)
                    want[("%s/%s/%s" % (t["az"], t["instance_type"], t["product"]), iso_ms(t["ts"]))] += 1
            self.assertGreaterEqual(sum(want.values()), 1_000_000)
            rc, _, err = sh("risk", "--every-tick", "--input", ticks, "--output", out)
            self.assertEqual(rc, 0, err[-3000:])
            got = Counter()
            last = None
            with out.open() as f:
                for line in f:
                    r = json.loads(line)
                    got[(r["pool"], r["ts_ms"])] += 1
                    order = (r["ts_ms"], r["pool"])
                    self.assertTrue(last is None or last < order, "records in time order, then pool")
                    last = order
            self.assertEqual(sum(got.values()), sum(want.values()))
            self.assertEqual(got, want)
            self.assertRegex(err, r"1036800 tick\(s\) in, 1036800 spot\.risk record\(s\), 0 dead letter\(s\), 0 bad line\(s\)")


class SyntheticMarket(unittest.TestCase):
    def test_every_pool_every_five_minutes(self):
        # The synthetic market: 2 regions x 3 AZs x 35 types = 210 pools, a tick every 5 minutes
        # for 2 days = 576 each.
        rc, out, err = sh("risk", "--synth", "--days", "2", "--every-tick", timeout=120)
        self.assertEqual(rc, 0, err[-3000:])
        per_pool = Counter(json.loads(line)["pool"] for line in out.splitlines())
        self.assertEqual(len(per_pool), 210)
        self.assertEqual(set(per_pool.values()), {576})
        rc, _, err = sh("risk", "--synth", "--input", __file__, timeout=30)  # one or the other
        self.assertEqual(rc, 2, err)


class TopicRange(unittest.TestCase):
    """The same history from the prices topic (`--topic`, through the embedded broker, small enough
    for it to keep) and from the file it was published from: the same records, byte for byte; with
    --from, only the records from then on, computed on windows warmed by the week before."""

    def test_topic_equals_file(self):
        with ProcessGroup() as g:
            ticks = g.path("ticks.jsonl")
            subprocess.run([sys.executable, str(REPO / "bench" / "make_ticks.py"), "--pools", "12", "--days", "9",
                            "--out", str(ticks)], check=True, timeout=60)
            _, addr = g.start_broker("broker")
            feed = g.spotstream("feed", "feed", "file", "--brokers", addr, "--price-format", "canonical", ticks)
            self.assertEqual(feed.wait(60), 0, feed.describe())
            rc, from_file, err = sh("risk", "--every-tick", "--input", ticks, timeout=120)
            self.assertEqual(rc, 0, err[-2000:])
            rc, from_topic, err = sh("risk", "--every-tick", "--topic", "--brokers", addr, timeout=120)
            self.assertEqual(rc, 0, err[-2000:])
            self.assertEqual(len(from_topic.splitlines()), 12 * 9 * 288)
            self.assertEqual(from_topic, from_file)
            # From day 7 on, the week before it is read for the windows (here: all of it).
            day7 = "2025-01-08T00:00:00Z"
            rc, ranged, err = sh("risk", "--every-tick", "--topic", "--brokers", addr, "--from", day7, timeout=120)
            self.assertEqual(rc, 0, err[-2000:])
            want = [line for line in from_file.splitlines() if json.loads(line)["ts_ms"] >= iso_ms(day7)]
            self.assertEqual(ranged.splitlines(), want)
            self.assertIn("before --from (the windows' warm-up) left out", err)


class InputErrors(unittest.TestCase):
    def test_bad_lines_are_named_counted_and_kept(self):
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "ticks.jsonl"
            dlq = Path(d) / "dlq.jsonl"
            good = '{"ts":"2025-01-01T00:%02d:00Z","az":"us-east-1a","instance_type":"c5.large","product":"Linux/UNIX","spot_price":0.03}'
            lines = [good % 0, good % 5, '{"ts":"2025-01-01T00:10:00Z","az":"us-east-1a"', good % 15,
                     '{"ts":"2025-01-01T00:20:00Z","az":"us-east-1a","instance_type":"c5.large","product":"Linux/UNIX","spot_price":-1}']
            path.write_text("\n".join(lines) + "\n")
            rc, out, err = sh("risk", "--every-tick", "--input", path, "--dlq", dlq, timeout=60)
            self.assertEqual(rc, 0, err)
            self.assertEqual(len(out.splitlines()), 3)
            self.assertIn("%s:3: malformed_json" % path, err)
            self.assertIn("%s:5: bad_price" % path, err)
            self.assertRegex(err, r"2 line\(s\) of the input did not decode")
            letters = [json.loads(x) for x in dlq.read_text().splitlines()]
            self.assertEqual([(x["reason"], x["source"]["offset"]) for x in letters], [("malformed_json", 3), ("bad_price", 5)])
            self.assertEqual(letters[0]["payload"], lines[2])

    def test_unknown_format_and_unreadable_files_fail_naming_the_file(self):
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "notes.txt"
            path.write_text("these are not prices\n")
            rc, _, err = sh("risk", "--input", path, timeout=60)
            self.assertEqual(rc, 1, err)
            self.assertIn(str(path), err)
            rc, _, err = sh("risk", "--input", Path(d) / "missing.jsonl", timeout=60)
            self.assertEqual(rc, 2, err)
            self.assertIn("missing.jsonl", err)


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""`spotstream backtest` from the command line: the report, its charts and page (checked in a real
headless Chromium: every chart loaded, every figure on the page equal to report.json's), the same
report from the topics as from the synthetic market that fed them, signal and fleet files in AWS's
and the topics' formats, the real p2/p3 price history, and clear errors for ranges and fleets that
cannot run."""

import json
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from spotstream_harness import REPO, ProcessGroup, spotstream_bin  # noqa: E402

BIN = spotstream_bin()
DATA = REPO.parent / "shared" / "data"
CHARTS = ["cost.png", "savings.png", "risk.png", "decisions.png", "placement.png"]


def sh(*args, timeout=300):
    r = subprocess.run([BIN] + [str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, timeout=timeout)
    return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")


def report_of(out):
    return json.loads((Path(out) / "report.json").read_text())


def without(report, *keys):
    return {k: v for k, v in report.items() if k not in keys}


def pointer(doc, path):
    for part in path.strip("/").split("/"):
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


HARNESS = """<!DOCTYPE html><html><body><pre id="result">waiting</pre>
<iframe id="page" src="index.html" width="1200" height="3000"></iframe>
<script>
document.getElementById('page').addEventListener('load', function () {
  var doc = this.contentDocument, out = {images: [], figures: []};
  doc.querySelectorAll('img').forEach(function (img) {
    out.images.push({src: img.getAttribute('src'), complete: img.complete, width: img.naturalWidth});
  });
  doc.querySelectorAll('[data-figure]').forEach(function (el) {
    out.figures.push({path: el.getAttribute('data-figure'), text: el.textContent});
  });
  document.getElementById('result').textContent = JSON.stringify(out);
});
</script></body></html>"""


class ReportAndPage(unittest.TestCase):
    """The synthetic market over 4 days: a complete report, charts, and a page a browser shows."""

    @classmethod
    def setUpClass(cls):
        cls.dir = Path(tempfile.mkdtemp(prefix="spotstream-backtest-"))
        cls.rc, cls.stdout, cls.stderr = sh("backtest", "--synth", "--days", "4", "--nodes", "12", "--restart-cost", "2",
                                            "--out", cls.dir / "a")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_report_is_complete(self):
        self.assertEqual(self.rc, 0, self.stderr[-3000:])
        r = report_of(self.dir / "a")
        names = [p["name"] for p in r["policies"]]
        self.assertEqual(names, ["spotstream", "reactive-only", "stay", "on-demand", "hindsight-best", "lowest-price",
                                 "lowest-band"])
        self.assertTrue(r["interruptions_simulated"])
        self.assertGreater(r["inputs"]["interruption_notices"], 0)
        self.assertEqual(r["fleet"]["nodes"], 12)
        for p in r["policies"][:6]:
            self.assertTrue(p["available"], p)
            self.assertGreater(p["total_usd"], 0)
            self.assertAlmostEqual(p["total_usd"], p["instance_usd"] + p["restart_usd"], places=3)
            self.assertAlmostEqual(p["restart_usd"], 2 * p["interruptions_suffered"], places=6)
        self.assertFalse(r["policies"][6]["available"])  # no Spot Advisor file: no bands
        for name, s in r["savings"].items():
            base = next(p for p in r["policies"] if p["name"] == name)
            self.assertAlmostEqual(s["usd"], base["total_usd"] - r["policies"][0]["total_usd"], places=3)
        self.assertEqual(sum(r["decisions"]["by_kind"].values()), r["decisions"]["total"])
        for label in ("price_rise", "interruption_notice"):
            q = r["model_quality"][label]
            self.assertGreater(q["rows"], 0)
            self.assertIn("roc_auc", q)
        rows = (self.dir / "a" / "decisions.csv").read_text().splitlines()
        self.assertEqual(len(rows) - 1, r["decisions"]["total"])
        self.assertRegex(self.stdout, r"spotstream\s+\d+\.\d\d")

    def test_same_report_twice(self):
        self.assertEqual(self.rc, 0, self.stderr[-3000:])
        rc, _, err = sh("backtest", "--synth", "--days", "4", "--nodes", "12", "--restart-cost", "2",
                        "--set", "runtime.shards=3", "--out", self.dir / "b")
        self.assertEqual(rc, 0, err[-3000:])
        a = (self.dir / "a" / "report.json").read_text()
        b = (self.dir / "b" / "report.json").read_text()
        strip = lambda s: re.sub(r'"generated_at": "[^"]*"', "", s)  # noqa: E731
        self.assertEqual(strip(a), strip(b))
        self.assertEqual((self.dir / "a" / "decisions.csv").read_text(), (self.dir / "b" / "decisions.csv").read_text())

    def test_page_in_a_real_browser(self):
        self.assertEqual(self.rc, 0, self.stderr[-3000:])
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        self.assertIsNotNone(chromium, "chromium is installed by scripts/setup.sh")
        out = self.dir / "a"
        for c in CHARTS:
            self.assertTrue((out / c).stat().st_size > 1000, c)
        (out / "harness.html").write_text(HARNESS)
        flags = ["--headless=new", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
                 "--virtual-time-budget=5000", "--user-data-dir=" + str(self.dir / "chromium-profile")]
        dom = subprocess.run([chromium] + flags + ["--dump-dom", (out / "harness.html").as_uri()],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        m = re.search(r'<pre id="result">(.*?)</pre>', dom.stdout.decode())
        self.assertIsNotNone(m, dom.stderr.decode()[-2000:])
        seen = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))
        self.assertEqual(sorted(i["src"] for i in seen["images"]), sorted(CHARTS))
        for img in seen["images"]:
            self.assertTrue(img["complete"] and img["width"] > 0, img)
        report = report_of(out)
        paths = {f["path"] for f in seen["figures"]}
        for must in ("/policies/0/total_usd", "/savings/stay/usd", "/savings/reactive-only/usd",
                     "/policies/0/interruptions_suffered", "/model_quality/price_rise/roc_auc"):
            self.assertIn(must, paths)
        for f in seen["figures"]:
            want = pointer(report, f["path"])
            if f["path"] == "/generated_at":
                continue
            if isinstance(want, float):
                self.assertAlmostEqual(float(f["text"]), want, delta=0.005, msg=f["path"])
            elif want is None:
                self.assertEqual(f["text"], "n/a", f["path"])
            else:
                self.assertEqual(f["text"], str(want), f["path"])
        shot = out / "page.png"
        subprocess.run([chromium] + flags + ["--screenshot=" + str(shot), "--window-size=1200,2400",
                                             (out / "index.html").as_uri()],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        self.assertGreater(shot.stat().st_size, 20000)


class TopicRangeEqualsTheMarket(unittest.TestCase):
    def test_topic_range_equals_files(self):
        with ProcessGroup() as g:
            _, addr = g.start_broker("broker")
            feed = g.spotstream("feed", "feed", "synth", "--brokers", addr, "--days", "2")
            self.assertEqual(feed.wait(120), 0, feed.describe())
            frm = "2025-01-01T12:00:00Z"
            rc, _, err = sh("backtest", "--synth", "--days", "2", "--from", frm, "--nodes", "8", "--out", g.path("synth"))
            self.assertEqual(rc, 0, err[-3000:])
            rc, _, err = sh("backtest", "--topic", "--brokers", addr, "--from", frm, "--nodes", "8",
                            "--out", g.path("topic"), timeout=300)
            self.assertEqual(rc, 0, err[-3000:])
            a, b = report_of(g.path("synth")), report_of(g.path("topic"))
            a["inputs"].pop("source"), b["inputs"].pop("source")
            self.assertEqual(without(a, "generated_at"), without(b, "generated_at"))


class SignalFiles(unittest.TestCase):
    """Prices, an AWS EventBridge interruption warning (AWS's sample, its time moved into the
    period) and a fleet file placing its instance: the notice reaches the pool."""

    def test_eventbridge_notice_reaches_its_pool(self):
        with tempfile.TemporaryDirectory() as d:
            d = Path(d)
            prices = d / "prices.jsonl"
            with prices.open("w") as f:
                for h in range(48):
                    for az, price in (("us-east-1a", 0.035), ("us-east-1b", 0.030)):
                        f.write(json.dumps({"ts": "2025-01-%02dT%02d:00:00Z" % (1 + h // 24, h % 24), "region": "us-east-1",
                                            "az": az, "instance_type": "c5.large", "product": "Linux/UNIX",
                                            "spot_price": price}) + "\n")
                f.write('{"ts":"2025-01-01T00:00:00Z","az":"us-east-1a"\n')  # a bad line: named and counted
            event = json.loads((DATA / "aws-events" / "eventbridge-spot-itn.nth.json").read_text())
            event["time"] = "2025-01-02T06:00:00Z"
            instance = event["detail"]["instance-id"]
            (d / "signal.json").write_text(json.dumps(event, indent=2))
            (d / "fleet.jsonl").write_text(json.dumps({"action": "join", "ts": "2025-01-01T00:00:00Z", "node_id": "n1",
                                                       "instance_id": instance, "region": "us-east-1",
                                                       "az": "us-east-1b", "instance_type": "c5.large"}) + "\n")
            rc, out, err = sh("backtest", "--input", prices, "--signals", d / "signal.json", "--fleet", d / "fleet.jsonl",
                              "--nodes", "2", "--out", d / "out", "--dlq", d / "dlq.jsonl")
            self.assertEqual(rc, 0, err[-3000:])
            r = report_of(d / "out")
            self.assertEqual(r["inputs"]["interruption_notices"], 1)
            self.assertEqual(r["inputs"]["signals_without_pool"], 0)
            self.assertEqual(r["inputs"]["bad_lines"], 1)
            # 96 good ticks: the period ends at the last hour's, so its two bill no time; every tick counted.
            self.assertEqual(r["inputs"]["price_ticks_at_or_after_end"], 2)
            self.assertEqual(r["inputs"]["price_ticks"], 94)
            bad = r["inputs"]["bad_line_details"][0]
            self.assertEqual((bad["file"], bad["line"]), (str(prices), 97))
            self.assertIn(str(prices) + ":97", err)
            dead = [json.loads(line) for line in (d / "dlq.jsonl").read_text().splitlines()]
            self.assertEqual(len(dead), 1)
            self.assertEqual(dead[0]["payload"], '{"ts":"2025-01-01T00:00:00Z","az":"us-east-1a"')
            stay = next(p for p in r["policies"] if p["name"] == "stay")
            # The nodes are spread over the pools, cheapest first: one in us-east-1b, where the notice lands.
            self.assertEqual(r["fleet"]["home_pools"], {"us-east-1a/c5.large/Linux/UNIX": 1,
                                                        "us-east-1b/c5.large/Linux/UNIX": 1})
            self.assertEqual(stay["interruptions_suffered"], 1)
            self.assertEqual(stay["notices_received"], 1)
            reactive = next(p for p in r["policies"] if p["name"] == "reactive-only")
            self.assertEqual(reactive["interruptions_suffered"], 0)
            self.assertEqual(reactive["evacuations"], 1)
            self.assertEqual(reactive["notice_lead_time"]["min_s"], 120.0)


class RealHistory(unittest.TestCase):
    def test_p2_p3_history(self):
        files = sorted((DATA / "price-history" / "training_on_a_dime").glob("*/*.json"))
        self.assertGreater(len(files), 20)
        with tempfile.TemporaryDirectory() as d:
            rc, out, err = sh("backtest", "--input", *files, "--nodes", "6", "--out", Path(d) / "out", timeout=300)
            self.assertEqual(rc, 0, err[-3000:])
            r = report_of(Path(d) / "out")
            self.assertFalse(r["interruptions_simulated"])
            self.assertIn("no interruption", r["interruptions_note"])
            self.assertGreater(r["inputs"]["price_ticks"], 10000)
            for p in r["policies"][:6]:
                self.assertTrue(p["available"], p)
                self.assertGreater(p["total_usd"], 0, p)
            for f in ["report.json", "decisions.csv", "index.html"] + CHARTS:
                self.assertTrue((Path(d) / "out" / f).exists(), f)


class Errors(unittest.TestCase):
    def test_empty_range_and_no_pool_exit_2(self):
        with tempfile.TemporaryDirectory() as d:
            rc, _, err = sh("backtest", "--synth", "--days", "2", "--from", "2030-01-01T00:00:00Z", "--out", d)
            self.assertEqual(rc, 2, err)
            self.assertIn("empty range", err)
            rc, _, err = sh("backtest", "--synth", "--days", "2", "--instance-type", "x9.large", "--out", d)
            self.assertEqual(rc, 2, err)
            self.assertIn("nowhere to place the fleet", err)
            rc, _, err = sh("backtest", "--out", d)
            self.assertEqual(rc, 2, err)
            self.assertIn("exactly one price history", err)


if __name__ == "__main__":
    unittest.main()

"""Risk models through the CLI: `spotstream train` on the synthetic market beats heuristic-v1 on the
held-out slice; an XGBoost model trained in Python (Debian python3-xgboost, run with /usr/bin/python3:
the python3 on PATH may be another interpreter that cannot see Debian's packages) on the rows
spotstream exported round-trips Python -> file -> C++ with the same probabilities (1e-6); the model
files validate against schemas/model.schema.json's required fields; `risk` scores with a model file
and says so in every record; a corrupt or mismatched model file stops `run` and `evaluate` with a
clear error."""

import csv
import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from spotstream_harness import REPO, SHARED_DATA, ProcessGroup, spotstream_bin  # noqa: E402

BIN = spotstream_bin()
DEBIAN_PYTHON = "/usr/bin/python3"
TRAIN_XGBOOST = REPO / "tests" / "models" / "train_xgboost.py"
SYNTH = ["--synth", "--days", "5", "--seed", "7"]


def sh(*args, timeout=240):
    r = subprocess.run([str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, timeout=timeout)
    return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")


def read_predictions(path):
    with open(path, newline="") as f:
        return [(r["ts_ms"], r["pool"], r["split"], float(r["p"])) for r in csv.DictReader(f)]


def t_rise_base_rate(report):
    t = report["training"]["train"]
    return t["positives"] / t["rows"]


class ModelsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="spotstream-models-")
        cls.dir = Path(cls.tmp.name)
        cls.lr = cls.dir / "lr.json"
        cls.rows = cls.dir / "rows.csv"
        rc, out, err = sh(BIN, "train", *SYNTH, "--output", cls.lr, "--export-features", cls.rows,
                          "--name", "lr-synth", "--log-level", "warn")
        if rc != 0:
            raise AssertionError("train failed: " + err)
        cls.report = json.loads(out)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_trained_model_beats_the_heuristic_on_the_held_out_slice(self):
        m = self.report["metrics"]
        t = self.report["training"]
        self.assertGreater(m["test"]["rows"], 10000)
        self.assertGreater(m["test"]["positives"], 100)
        self.assertGreater(m["test"]["auc"], m["heuristic_test"]["auc"] + 0.02, m)
        self.assertGreater(m["test"]["f1"], 0)
        # The split is by time and the slices are in order.
        self.assertLess(t["start"], t["validation_from"])
        self.assertLess(t["validation_from"], t["test_from"])
        self.assertGreater(t["purged"]["rows"], 0)
        doc = json.loads(self.lr.read_text())
        self.assertEqual(doc["kind"], "logistic")
        self.assertEqual(doc["trained_until"], t["test_from"])
        self.assertEqual(doc["metrics"]["test"]["auc"], m["test"]["auc"])
        schema = json.loads((REPO / "schemas" / "model.schema.json").read_text())
        for key in schema["required"] + schema["allOf"][0]["anyOf"][1]["required"]:
            self.assertIn(key, doc)

    def test_notice_label_from_the_markets_signals(self):
        """--label notice labels a row unstable when an interruption notice reaches its pool within the
        horizon (the market's signals placed in pools by its fleet events); every split reports its
        base rate, and the metrics theirs."""
        rc, out, err = sh(BIN, "train", *SYNTH, "--label", "notice", "--output", self.dir / "notice.json",
                          "--log-level", "warn")
        self.assertEqual(rc, 0, err)
        report = json.loads(out)
        t, m = report["training"], report["metrics"]
        self.assertEqual(t["label"]["kind"], "notice")
        for split in ("train", "validation", "test"):
            rows, pos = t[split]["rows"], t[split]["positives"]
            self.assertGreater(rows, 0)
            self.assertAlmostEqual(t[split]["base_rate"], pos / rows)
        self.assertGreater(t["train"]["positives"], 0)
        self.assertLess(t["train"]["base_rate"], t_rise_base_rate(self.report), "notices are rarer than 3% rises here")
        self.assertAlmostEqual(m["test"]["base_rate"], m["test"]["positives"] / m["test"]["rows"])
        # Prices only: there is nothing to label with.
        prices = self.dir / "prices.jsonl"
        prices.write_text('{"ts":"2025-01-01T00:00:00Z","region":"us-east-1","az":"us-east-1a",'
                          '"instance_type":"c5.large","product":"Linux/UNIX","spot_price":0.03}\n')
        rc, out, err = sh(BIN, "train", "--input", prices, "--label", "notice", "--output", self.dir / "x.json")
        self.assertEqual(rc, 2, err)
        self.assertIn("--signals", err)

    def test_xgboost_round_trips_python_file_cpp(self):
        out_dir = self.dir / "xgb"
        rc, out, err = sh(DEBIAN_PYTHON, TRAIN_XGBOOST, self.rows, out_dir, "--rounds", "60",
                          "--trained-until", self.report["training"]["test_from"], "--name", "xgb-synth")
        self.assertEqual(rc, 0, err)
        python = read_predictions(out_dir / "predictions.csv")
        cpp_csv = self.dir / "cpp.csv"
        rc, out, err = sh(BIN, "evaluate", *SYNTH, "--model", out_dir / "model.json", "--predictions", cpp_csv,
                          "--log-level", "warn")
        self.assertEqual(rc, 0, err)
        cpp = read_predictions(cpp_csv)
        self.assertEqual(len(cpp), len(python))
        worst = 0.0
        for a, b in zip(cpp, python):
            self.assertEqual(a[:3], b[:3])  # the same rows, in the same order
            worst = max(worst, abs(a[3] - b[3]))
        self.assertLessEqual(worst, 1e-6)
        report = json.loads(out)
        self.assertEqual(report["kind"], "xgboost")
        py_auc = json.loads((out_dir / "model.json").read_text())["metrics"]["test"]["auc"]
        self.assertAlmostEqual(report["metrics"]["test"]["auc"], py_auc, places=6)

    def test_risk_records_carry_the_model_that_scored_them(self):
        history = SHARED_DATA / "price-history" / "training_on_a_dime" / "us-east-1" / "p3.2xlarge.json"
        rc, out, err = sh(BIN, "risk", "--input", history, "--set", "model.file=%s" % self.lr, "--log-level", "warn")
        self.assertEqual(rc, 0, err)
        records = [json.loads(line) for line in out.splitlines()]
        self.assertGreater(len(records), 10)
        for r in records:
            self.assertEqual((r["model"], r["model_kind"]), ("lr-synth", "logistic"))
            self.assertEqual(r["model_version"], self.report["version"])

    def test_training_from_the_prices_topic_equals_training_from_the_files(self):
        files = sorted(str(p) for p in (SHARED_DATA / "price-history" / "training_on_a_dime").glob("*/*.json"))
        common = ["--test-from", "2020-01-31T00:00:00Z", "--log-level", "warn",
                  "--features", "price_position,relative_volatility_24h,advisor_band,family_stress_max",
                  "--set", "risk.spot_advisor_file=%s" % (SHARED_DATA / "spot-advisor" / "spot-advisor-data.json")]
        rc, out, err = sh(BIN, "train", "--input", *files, "--output", self.dir / "files.json", *common)
        self.assertEqual(rc, 0, err)
        from_files = json.loads(out)
        with ProcessGroup() as g:
            _, addr = g.start_broker()
            rc, out, err = sh(BIN, "feed", "file", "-b", addr, *files)
            self.assertEqual(rc, 0, err)
            rc, out, err = sh(BIN, "train", "--topic", "-b", addr, "--output", self.dir / "topic.json", *common)
            self.assertEqual(rc, 0, err)
            from_topic = json.loads(out)
        self.assertEqual(from_topic["metrics"], from_files["metrics"])
        self.assertEqual(from_topic["training"], from_files["training"])
        self.assertGreater(from_files["training"]["test"]["rows"], 1000)

    def test_bad_model_files_stop_the_start_with_a_clear_error(self):
        corrupt = self.dir / "corrupt.json"
        corrupt.write_text(self.lr.read_text()[:100])
        mismatched = self.dir / "mismatched.json"
        doc = json.loads(self.lr.read_text())
        doc["features"][0] = "moon_phase"
        mismatched.write_text(json.dumps(doc))
        short = self.dir / "short.json"
        doc = json.loads(self.lr.read_text())
        doc["logistic"]["coefficients"].pop()
        short.write_text(json.dumps(doc))
        for path, why in ((corrupt, "not valid JSON"), (mismatched, "'moon_phase'"), (short, "coefficients")):
            rc, out, err = sh(BIN, "run", "--brokers", "127.0.0.1:1", "--set", "model.file=%s" % path, timeout=30)
            self.assertEqual(rc, 2, err)
            self.assertIn("model.file", err)
            self.assertIn(why, err)
            rc, out, err = sh(BIN, "evaluate", *SYNTH, "--model", path)
            self.assertNotEqual(rc, 0)
            self.assertIn(why, err)


if __name__ == "__main__":
    unittest.main()

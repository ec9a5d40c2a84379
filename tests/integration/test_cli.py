"""The command line: help, configuration errors (exit 2 with a message that names the problem),
`config` listing, YAML configuration files and the `kafka.*` pass-through to librdkafka."""

import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from spotstream_harness import REPO, ProcessGroup, parse_summary, spotstream_bin  # noqa: E402

BIN = spotstream_bin()
# A port nothing listens on: commands that fail on configuration must fail before connecting.
NO_BROKER = "127.0.0.1:1"
PROPERTY_LINE = re.compile(r"^(?P<key>[a-z_]+(?:\.[a-z_]+)+) = (?P<value>.*?)  \((?P<type>integer|number|boolean|string)"
                           r"(?:, (?P<min>[^,]+)\.\.(?P<max>[^,]+))?, default (?P<default>.*)\)$")


def sh(*args, timeout=30, env=None):
    """Runs the binary; `env` adds variables to (a copy of) this process's environment."""
    full_env = dict(os.environ, **(env or {}))
    r = subprocess.run([BIN] + [str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, timeout=timeout, env=full_env)
    return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")


def parse_config(text):
    """{key: {value, type, min, max, default, description}} from `spotstream config`, plus the
    kafka.* lines as {key: value}."""
    props, kafka = {}, {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        m = PROPERTY_LINE.match(line)
        if m:
            desc = []
            while i + 1 < len(lines) and lines[i + 1].startswith("    "):
                i += 1
                desc.append(lines[i].strip())
            p = m.groupdict()
            p["description"] = " ".join(desc)
            assert p["key"] not in props, "property listed twice: " + p["key"]
            props[p["key"]] = p
        else:
            k = re.match(r"^(kafka\.\S+) = (.*)  \(passed to librdkafka\)$", line)
            assert k, "unexpected line in `spotstream config`: %r" % line
            kafka[k.group(1)] = k.group(2)
        i += 1
    return props, kafka


def registry_keys():
    """The property names the product registers (src/config/config.cpp's table)."""
    src = (REPO / "src" / "config" / "config.cpp").read_text()
    keys = re.findall(r'\{"([a-z_]+(?:\.[a-z_]+)+)",\s*PropertyType::', src)
    assert keys, "no property table found in src/config/config.cpp: update this test"
    return set(keys)


class Help(unittest.TestCase):
    SUBCOMMANDS = {
        (): ["run", "broker", "feed", "demo", "config"],
        ("run",): ["--brokers", "--set", "--config", "--bootstrap-file", "embedded"],
        ("broker",): ["--bootstrap-file", "SIGTERM"],
        ("feed",): ["synth", "file"],
        ("feed", "synth"): ["--brokers", "--seed", "--days", "--nodes", "--start", "--price-format"],
        ("feed", "file"): ["--brokers", "paths", "--price-format"],
        ("demo",): ["--seed", "--days", "--nodes"],
        ("config",): ["--set", "--config"],
    }

    def test_help_of_every_subcommand(self):
        for sub, words in self.SUBCOMMANDS.items():
            with self.subTest(sub=" ".join(sub) or "(top level)"):
                rc, out, err = sh(*sub, "--help")
                self.assertEqual(rc, 0, err)
                self.assertIn("Usage:", out)
                # The first line explains what the command does (not just a usage line).
                self.assertGreater(len(out.splitlines()[0].split()), 3, out)
                for w in words:
                    self.assertIn(w, out, "%s --help does not mention %s" % (" ".join(sub), w))

    def test_version(self):
        rc, out, _ = sh("--version")
        self.assertEqual(rc, 0)
        self.assertRegex(out.strip(), r"^\d+\.\d+\.\d+")

    def test_no_subcommand_is_an_error(self):
        rc, out, err = sh()
        self.assertNotEqual(rc, 0)
        self.assertIn("subcommand", (out + err).lower())


class ConfigErrors(unittest.TestCase):
    def assert_config_error(self, args, *words):
        rc, out, err = sh(*args)
        self.assertEqual(rc, 2, "expected exit 2 for %s, got %d\n%s%s" % (args, rc, out, err))
        for w in words:
            self.assertIn(w, err, "message for %s should name %r: %s" % (args, w, err))
        return err

    def test_unknown_set_key(self):
        for sub in (["config"], ["run"], ["run", "--brokers", NO_BROKER], ["broker"],
                    ["feed", "synth", "--brokers", NO_BROKER]):
            with self.subTest(sub=sub):
                self.assert_config_error(sub + ["--set", "runtime.no_such_key=1"], "runtime.no_such_key")

    def test_bad_integer_values_name_the_bounds(self):
        cases = [("runtime.shards=0", "runtime.shards", "1", "256"),
                 ("runtime.shards=257", "runtime.shards", "1", "256"),
                 ("runtime.batch_size=0", "runtime.batch_size", "1", "1000000"),
                 ("runtime.commit_interval_ms=5", "runtime.commit_interval_ms", "10", "3600000")]
        for assignment, key, lo, hi in cases:
            with self.subTest(assignment=assignment):
                err = self.assert_config_error(["run", "--set", assignment], key)
                self.assertRegex(err, r"\b%s\b.*\b%s\b" % (lo, hi), "bounds not named: " + err)

    def test_bad_number_value_names_the_bounds(self):
        # KNOWN PRODUCT BUG (reported): for number (double) properties the message is only
        # "out of range", e.g. "invalid value '0' for decode.max_price: out of range", without the
        # bounds 0.001..1e+09 that `spotstream config` shows. Integer properties name them.
        err = self.assert_config_error(["config", "--set", "decode.max_price=0"], "decode.max_price")
        self.assertTrue(re.search(r"0\.001", err) and re.search(r"1e\+09|1000000000", err),
                        "bounds not named: " + err)

    def test_malformed_values(self):
        self.assert_config_error(["config", "--set", "runtime.shards=two"], "runtime.shards", "integer")
        self.assert_config_error(["config", "--set", "decode.max_price=cheap"], "decode.max_price", "number")
        self.assert_config_error(["config", "--set", "runtime.shards"], "key=value", "runtime.shards")
        self.assert_config_error(["config", "--log-level", "loud"], "log.level")

    def test_feed_without_brokers(self):
        for sub in (["feed", "synth"], ["feed", "file", __file__]):
            with self.subTest(sub=sub):
                rc, out, err = sh(*sub, timeout=20)
                self.assertNotEqual(rc, 0)
                self.assertIn("--brokers", err)
                self.assertNotIn("published", out)


class ConfigListing(unittest.TestCase):
    def test_config_lists_every_property_with_description(self):
        rc, out, err = sh("config")
        self.assertEqual(rc, 0, err)
        props, kafka = parse_config(out)
        self.assertEqual(kafka, {})
        self.assertEqual(set(props), registry_keys(), "`spotstream config` must list exactly the registered properties")
        for key in ("runtime.idle_exit_ms", "runtime.commit_interval_ms", "runtime.batch_size", "consumer.group",
                    "runtime.shards", "topics.partitions", "decode.max_message_bytes"):
            self.assertIn(key, props)
        for key, p in props.items():
            with self.subTest(key=key):
                self.assertGreater(len(p["description"].split()), 2, "no real description for " + key)
                self.assertEqual(p["value"], p["default"], "a property differs from its default with no config")
                if p["type"] in ("integer", "number"):
                    self.assertIsNotNone(p["min"], "numeric property without bounds: " + key)
        # Every listed property is accepted back by --set with its listed value, all at once.
        sets = []
        for key, p in props.items():
            sets += ["--set", "%s=%s" % (key, p["value"])]
        rc, out2, err = sh("config", *sets)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out2, out)

    def test_set_changes_the_listing(self):
        rc, out, err = sh("config", "--set", "runtime.shards=7", "--set", "consumer.group=g1",
                          "--set", "kafka.linger.ms=7", "--set", "kafka.sasl.password=hunter2")
        self.assertEqual(rc, 0, err)
        props, kafka = parse_config(out)
        self.assertEqual(props["runtime.shards"]["value"], "7")
        self.assertEqual(props["consumer.group"]["value"], "g1")
        self.assertEqual(kafka["kafka.linger.ms"], "7")
        self.assertEqual(kafka["kafka.sasl.password"], "***")
        self.assertNotIn("hunter2", out)


class YamlConfig(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="spotstream-cli-")
        self.dir = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text):
        p = self.dir / name
        p.write_text(text)
        return p

    def test_yaml_file_is_honoured_by_config(self):
        f = self.write("nested.yaml", "runtime:\n  shards: 5\n  batch_size: 256\nconsumer:\n  group: yaml-group\n"
                                      "decode.max_price: 50.5\nkafka:\n  linger.ms: 3\n")
        rc, out, err = sh("config", "--config", f)
        self.assertEqual(rc, 0, err)
        props, kafka = parse_config(out)
        self.assertEqual(props["runtime.shards"]["value"], "5")
        self.assertEqual(props["runtime.batch_size"]["value"], "256")
        self.assertEqual(props["consumer.group"]["value"], "yaml-group")
        self.assertEqual(props["decode.max_price"]["value"], "50.5")
        self.assertEqual(props["runtime.commit_interval_ms"]["value"], props["runtime.commit_interval_ms"]["default"])
        self.assertEqual(kafka.get("kafka.linger.ms"), "3")
        # --set wins over the file (defaults <- YAML <- --set), -c is the short form.
        rc, out, err = sh("config", "-c", f, "--set", "runtime.shards=9")
        self.assertEqual(rc, 0, err)
        props, _ = parse_config(out)
        self.assertEqual(props["runtime.shards"]["value"], "9")
        self.assertEqual(props["consumer.group"]["value"], "yaml-group")

    def test_environment_beats_the_file_and_loses_to_set(self):
        f = self.write("env.yaml", "decisions:\n  safety_gate: 0.7\nruntime:\n  shards: 3\n")
        env = {"SPOTSTREAM_DECISIONS_SAFETY_GATE": "0.8", "SPOTSTREAM_KAFKA_SASL_PASSWORD": "sentinel-secret-42"}
        rc, out, err = sh("config", "-c", f, env=env)
        self.assertEqual(rc, 0, err)
        props, kafka = parse_config(out)
        self.assertEqual(props["decisions.safety_gate"]["value"], "0.8")
        self.assertEqual(props["runtime.shards"]["value"], "3")
        self.assertEqual(kafka.get("kafka.sasl.password"), "***")
        self.assertNotIn("sentinel-secret-42", out + err)
        rc, out, err = sh("config", "-c", f, "--set", "decisions.safety_gate=0.9", env=env)
        self.assertEqual(parse_config(out)[0]["decisions.safety_gate"]["value"], "0.9")
        # A bad value names its variable; a typo is warned about, not silently ignored.
        rc, _, err = sh("config", env={"SPOTSTREAM_RUNTIME_SHARDS": "many"})
        self.assertEqual(rc, 2, err)
        self.assertIn("SPOTSTREAM_RUNTIME_SHARDS", err)
        rc, _, err = sh("config", env={"SPOTSTREAM_RUNTIME_SHARDZ": "2"})
        self.assertEqual(rc, 0, err)
        self.assertIn("SPOTSTREAM_RUNTIME_SHARDZ names no configuration property", err)

    def test_annotated_defaults_load_back(self):
        rc, text, err = sh("config", "--defaults")
        self.assertEqual(rc, 0, err)
        f = self.write("defaults.yaml", text)
        rc, out, err = sh("config", "-c", f)
        self.assertEqual(rc, 0, err)
        props, _ = parse_config(out)
        self.assertEqual(set(props), set(registry_keys()))
        for key, p in props.items():
            self.assertEqual(p["value"], p["default"], key)
            self.assertIn(" " + key.split(".", 1)[1] + ": ", text, key)

    def test_example_config_files(self):
        # `--config` help points at config/spotstream.yaml; config/production.yaml shows a managed
        # deployment. Both must load, and every value they set must show in the listing.
        for name in ("spotstream.yaml", "production.yaml"):
            with self.subTest(example=name):
                self.check_example(REPO / "config" / name)

    def check_example(self, example):
        self.assertTrue(example.exists(), "%s is referenced by --help or the docs but missing" % example)
        rc, out, err = sh("config", "--config", example)
        self.assertEqual(rc, 0, err)
        props, _ = parse_config(out)
        section = None
        for line in example.read_text().splitlines():
            line = line.split("#", 1)[0].rstrip()
            if not line:
                continue
            m = re.match(r"^(\w+):\s*$", line)
            if m:
                section = m.group(1)
                continue
            m = re.match(r"^\s+([\w.]+):\s*(\S+)$", line)
            if m and section != "kafka" and not m.group(2).startswith('"'):
                key = "%s.%s" % (section, m.group(1))
                self.assertIn(key, props)
                self.assertEqual(props[key]["value"], m.group(2), key)

    def test_yaml_errors(self):
        f = self.write("unknown.yaml", "runtime:\n  no_such_key: 1\n")
        rc, _, err = sh("config", "--config", f)
        self.assertEqual(rc, 2, err)
        self.assertIn("runtime.no_such_key", err)
        f = self.write("bounds.yaml", "runtime:\n  shards: 0\n")
        rc, _, err = sh("config", "--config", f)
        self.assertEqual(rc, 2, err)
        self.assertIn("runtime.shards", err)
        f = self.write("broken.yaml", "runtime: [1, 2\n")
        rc, _, err = sh("config", "--config", f)
        self.assertEqual(rc, 2, err)
        self.assertIn(str(f), err)
        rc, _, err = sh("config", "--config", self.dir / "missing.yaml")
        self.assertNotEqual(rc, 0)
        self.assertIn("missing.yaml", err)

    def test_yaml_file_is_honoured_by_run(self):
        f = self.write("run.yaml", "runtime:\n  shards: 3\n  idle_exit_ms: 300\nconsumer:\n  group: yaml-run-group\n"
                                   "topics:\n  partitions: 2\n")
        with ProcessGroup("spotstream-cli-run-") as pg:
            run = pg.spotstream("run", "run", "--config", f)
            rc = run.wait(40)  # idle_exit_ms from the file: it ends by itself
            self.assertEqual(rc, 0, run.describe())
            self.assertRegex(run.stderr(), r"run: 3 shard\(s\), group yaml-run-group")
            self.assertEqual(parse_summary(run.stdout())["messages_in"], 0)


class JsonLogs(unittest.TestCase):
    def test_every_log_line_of_a_run_is_json(self):
        with ProcessGroup("spotstream-cli-json-") as pg:
            run = pg.spotstream("run", "run", "--log-format", "json", "--set", "runtime.idle_exit_ms=300",
                                "--set", "topics.partitions=2")
            self.assertEqual(run.wait(40), 0, run.describe())
            lines = [line for line in run.stderr().splitlines() if line.strip()]
            self.assertGreater(len(lines), 2, run.describe())
            for line in lines:
                j = json.loads(line)
                self.assertEqual(list(j)[:3], ["time", "level", "component"], line)
                self.assertRegex(j["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
                self.assertIn(j["level"], ("trace", "debug", "info", "warning", "error", "critical"))
                self.assertIsInstance(j["message"], str)
            self.assertTrue(any("shard(s), group" in json.loads(line)["message"] for line in lines))
        rc, _, err = sh("config", "--log-format", "yaml")
        self.assertEqual(rc, 2, err)
        self.assertIn("log.format", err)


class KafkaPassThrough(unittest.TestCase):
    def test_unknown_kafka_property_fails_with_librdkafkas_message(self):
        for args in (["run"], ["run", "--brokers", NO_BROKER], ["feed", "synth", "--brokers", NO_BROKER]):
            with self.subTest(args=args):
                rc, out, err = sh(*args, "--set", "kafka.bogus.property=1", timeout=30)
                self.assertEqual(rc, 2, out + err)
                self.assertIn('No such configuration property: "bogus.property"', err)
                self.assertIn("kafka.bogus.property", err)
                self.assertNotIn("summary", out)

    def test_bad_kafka_value_fails(self):
        rc, out, err = sh("run", "--brokers", NO_BROKER, "--set", "kafka.fetch.wait.max.ms=soon", timeout=30)
        self.assertEqual(rc, 2, out + err)
        self.assertIn("kafka.fetch.wait.max.ms", err)
        self.assertIn("Invalid value", err)

    def test_empty_kafka_key(self):
        rc, _, err = sh("config", "--set", "kafka.=1")
        self.assertEqual(rc, 2)
        self.assertIn("kafka", err)


if __name__ == "__main__":
    unittest.main(verbosity=2)

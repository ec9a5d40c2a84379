"""The deployment files agree with the binary: the Dockerfile's runtime stage installs every shared
library spotstream links, runs as a non-root user and checks /health; docker-compose.yml is valid
(`docker-compose config -q`, Debian's docker-compose v1, no engine needed) and its topics, ports and
environment match spotstream's configuration keys and what the docs say the topics need.
"""

import os
import re
import subprocess
import sys
import unittest
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from spotstream_harness import REPO, spotstream_bin  # noqa: E402

BIN = spotstream_bin()


def sh(*args, env=None):
    r = subprocess.run([str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120,
                       env=dict(os.environ, **(env or {})))
    return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")


def defaults():
    """{key: default value} from the binary's annotated default file."""
    rc, text, err = sh(BIN, "config", "--defaults")
    assert rc == 0, err
    flat = {}
    for section, values in yaml.safe_load(text).items():
        for k, v in values.items():
            flat["%s.%s" % (section, k)] = v
    return flat


def runtime_packages(dockerfile):
    """Packages the last stage's apt-get install names."""
    stage = dockerfile.split("\nFROM ")[-1]
    m = re.search(r"apt-get install[^\n]*?--no-install-recommends((?:[^\n]*\\\n)*[^\n]*)", stage)
    assert m, "no apt-get install in the runtime stage"
    words = m.group(1).replace("\\\n", " ").split("&&")[0].split()
    return {w for w in words if not w.startswith("-")}


def depends_closure(packages):
    """The packages and everything they depend on (as installed here: apt installs the same)."""
    seen, todo = set(), list(packages)
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        rc, out, _ = sh("dpkg-query", "-W", "-f=${Depends}, ${Pre-Depends}", p)
        if rc != 0:
            continue
        for alt in out.split(","):
            name = alt.split("|")[0].strip().split(" ")[0].split(":")[0]
            if name:
                todo.append(name)
    return seen


def base_image_packages():
    """Debian 12's required packages: in every debian:12 image."""
    rc, out, _ = sh("dpkg-query", "-W", "-f=${Package} ${Priority}\n")
    return {line.split()[0] for line in out.splitlines() if line.endswith(" required")}


def owner_of(lib):
    """The package that ships a library path (with or without the /usr prefix: merged /usr)."""
    real = os.path.realpath(lib)
    for cand in (lib, real, re.sub(r"^/usr", "", real), "/usr" + real if not real.startswith("/usr") else real):
        rc, out, _ = sh("dpkg", "-S", cand)
        if rc == 0:
            return out.split(":")[0]
    raise AssertionError("no Debian package ships %s" % lib)


class Dockerfile(unittest.TestCase):
    def setUp(self):
        self.text = (REPO / "Dockerfile").read_text()

    def test_runtime_stage_installs_every_linked_library(self):
        rc, out, err = sh("ldd", BIN)
        self.assertEqual(rc, 0, err)
        libs = [m.group(1) for m in re.finditer(r"=> (/\S+)", out)]
        self.assertGreater(len(libs), 10)
        installed = depends_closure(runtime_packages(self.text)) | base_image_packages()
        missing = sorted({(owner_of(lib), lib) for lib in libs if owner_of(lib) not in installed})
        self.assertEqual(missing, [], "the runtime stage does not install these (package, library)")

    def test_runs_as_non_root_with_a_health_check(self):
        stage = self.text.split("\nFROM ")[-1]
        users = re.findall(r"^USER (\S+)", stage, re.M)
        self.assertTrue(users and users[-1] not in ("root", "0"), users)
        self.assertRegex(stage, r"HEALTHCHECK .*\n?.*curl -fsS http://127\.0\.0\.1:%d/health" % defaults()["rest.port"])
        self.assertIn("ca-certificates", runtime_packages(self.text), "advisor fetch needs the CA certificates")


class Compose(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.path = REPO / "docker-compose.yml"
        cls.doc = yaml.safe_load(cls.path.read_text())
        cls.defaults = defaults()

    def test_docker_compose_validates_it(self):
        rc, out, err = sh("docker-compose", "-f", self.path, "config", "-q")
        self.assertEqual(rc, 0, out + err)

    def test_services_have_health_checks(self):
        services = self.doc["services"]
        for name in ("kafka", "postgres", "mosquitto", "spotstream", "topics", "feed"):
            self.assertIn(name, services)
        for name in ("kafka", "postgres", "mosquitto", "spotstream"):
            self.assertIn("healthcheck", services[name], name)
        self.assertEqual(services["spotstream"]["depends_on"]["topics"]["condition"], "service_completed_successfully")
        self.assertEqual(services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"], "broker,controller")  # KRaft

    def test_spotstream_environment_names_real_properties(self):
        envs = {}
        for name in ("spotstream", "feed"):
            env = self.doc["services"][name]["environment"]
            for key, value in env.items():
                if key.startswith("SPOTSTREAM_"):
                    envs[key] = str(value)
        known = {"SPOTSTREAM_" + k.upper().replace(".", "_") for k in self.defaults}
        for key in envs:
            self.assertTrue(key in known or key.startswith("SPOTSTREAM_KAFKA_"), key)
        # The binary takes them all without a warning, and sees what the file means.
        rc, out, err = sh(BIN, "config", env=envs)
        self.assertEqual(rc, 0, err)
        self.assertNotIn("names no configuration property", err)
        self.assertRegex(out, r"(?m)^rest\.address = 0\.0\.0\.0 ")
        self.assertRegex(out, r"(?m)^kafka\.bootstrap\.servers = kafka:9092 ")

    def test_admin_port_is_published(self):
        svc = self.doc["services"]["spotstream"]
        port = int(svc["environment"].get("SPOTSTREAM_REST_PORT", self.defaults["rest.port"]))
        self.assertIn("%d:%d" % (port, port), svc["ports"])

    def test_topics_have_the_settings_spotstream_needs(self):
        script = self.doc["services"]["topics"]["command"][0]
        created = {}
        for line in script.splitlines():
            m = re.match(r"\s*create (\S+)(.*)$", line)
            if m:
                created[m.group(1)] = dict(re.findall(r"--config (\S+)=(\S+)", m.group(2)))
        names = {k: v for k, v in self.defaults.items() if k.startswith("topics.") and k != "topics.partitions"}
        self.assertEqual(set(created), set(names.values()))
        topic = {k.split(".")[1]: created[v] for k, v in names.items()}
        for compacted in ("fleet", "decisions", "risk"):
            self.assertEqual(topic[compacted].get("cleanup.policy"), "compact", compacted)
        history_ms = self.defaults["window.length_ms"] + self.defaults["warm_start.extra_ms"]
        self.assertGreaterEqual(int(topic["prices"]["retention.ms"]), history_ms)
        self.assertEqual(topic["signals"].get("retention.ms"), "-1")  # state: kept
        self.assertGreater(int(topic["risk"].get("min.compaction.lag.ms", 0)), 0)
        self.assertIn("--partitions 16", script)  # one count for all: signals and fleet co-partitioned


if __name__ == "__main__":
    unittest.main(verbosity=2)

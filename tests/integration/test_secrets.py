"""Secrets stay secret: a sentinel value in every secret setting never shows in any output.

  * `spotstream run` with the sentinel in kafka.sasl.password, kafka.ssl.key.password,
    postgres.conninfo, mqtt.password and rest.token (given as flags, and in the environment as
    SPOTSTREAM_*), logging as text and as JSON: its stdout and stderr, /metrics, /ready and the
    401 answers hold no sentinel; the admin endpoints want the token, the probes do not;
  * `spotstream config` shows each as ***;
  * a PostgreSQL that cannot be reached, with the sentinel as its password in the conninfo: the
    run fails (exit 1) with an error that does not repeat it.
"""

import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from spotstream_harness import ProcessGroup, free_port, run_main, spotstream_bin, wait_until  # noqa: E402

SENTINEL = "Zq7-sentinel-9Xv"
REST_LINE = r"rest api listening on http://([0-9.]+):(\d+)"
SECRET_FLAGS = [
    "--set", "kafka.sasl.password=" + SENTINEL,
    "--set", "kafka.ssl.key.password=" + SENTINEL,
    "--set", "postgres.conninfo=host=127.0.0.1 user=spot password=" + SENTINEL,
    "--set", "mqtt.password=" + SENTINEL,
    "--set", "rest.token=" + SENTINEL,
]


def get(url, token=None):
    req = urllib.request.Request(url, headers={"Authorization": "Bearer " + token} if token else {})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def assert_clean(what, text):
    assert SENTINEL not in text, "the secret leaked into %s:\n%s" % (what, text[:2000])


def run_with_secrets(pg, log_format):
    run, _ = pg.start_run("run-" + log_format, "--log-format", log_format, *SECRET_FLAGS)
    host, port = run.wait_stdout(REST_LINE, 30).groups()
    base = "http://%s:%s" % (host, port)
    wait_until(lambda: get(base + "/ready")[0] == 200, 60, what="/ready (open without the token)")
    texts = {}
    for path in ("/metrics", "/api/v1/nope"):
        status, body = get(base + path)
        assert status == 401, (path, status, body)
        texts["401 " + path] = body
    status, texts["/metrics"] = get(base + "/metrics", SENTINEL)
    assert status == 200 and "spot_input_events_total" in texts["/metrics"], status
    assert get(base + "/health")[0] == 200
    texts["/ready"] = get(base + "/ready")[1]
    run.signal()
    assert run.wait(60) == 0, run.describe()
    texts["stdout"], texts["stderr"] = run.stdout(), run.stderr()
    assert "summary {" in texts["stdout"]
    for what, text in texts.items():
        assert_clean("%s (%s logs)" % (what, log_format), text)


def config_output():
    env = dict(os.environ, SPOTSTREAM_MQTT_PASSWORD=SENTINEL, SPOTSTREAM_REST_TOKEN=SENTINEL,
               SPOTSTREAM_KAFKA_SASL_PASSWORD=SENTINEL)
    out = subprocess.run([spotstream_bin(), "config"] + SECRET_FLAGS, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, timeout=30, env=env)
    text = out.stdout.decode()
    assert out.returncode == 0, text
    assert_clean("config", text)
    for key in ("kafka.sasl.password", "kafka.ssl.key.password", "postgres.conninfo", "mqtt.password", "rest.token"):
        assert "%s = ***" % key in text, (key, text)


def unreachable_database(pg):
    conninfo = "host=127.0.0.1 port=%d user=spot password=%s connect_timeout=1" % (free_port(), SENTINEL)
    run, _ = pg.start_run("run-pg", "--set", "postgres.enabled=true", "--set", "postgres.conninfo=" + conninfo,
                          "--set", "postgres.startup_timeout_ms=2000")
    rc = run.wait(60)
    assert rc != 0, "a run whose database cannot be reached must fail:\n" + run.describe()
    assert "PostgreSQL" in run.stderr() or "postgres" in run.stderr().lower(), run.describe()
    assert_clean("the database error", run.stdout() + run.stderr())


def main():
    with ProcessGroup("spotstream-secrets-") as pg:
        run_with_secrets(pg, "text")
        run_with_secrets(pg, "json")
        config_output()
        unreachable_database(pg)
        print("no output holds the secret: two runs (text and JSON logs), /metrics, /ready, 401s, config, "
              "a database error")


if __name__ == "__main__":
    run_main(main)

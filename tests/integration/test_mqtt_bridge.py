"""The MQTT bridge against a real Mosquitto broker (Debian's, on a loopback port).

`spotstream run` (embedded Kafka) with mqtt.host set:
  * the real IMDS spot/instance-action body (../shared/data/aws-events), published with
    `mosquitto_pub` to spot/signals/<instance>/instance-action for a fleet node, is written to
    spot.signals (the same bytes, keyed by the instance) and makes one EVACUATE, on spot.decisions
    and retained on spot/decisions/<node>, with the same decision id;
  * a subscriber that connects later gets each node's latest decision (retained);
  * a node that leaves gets a tombstone on spot.decisions and its retained topic cleared;
  * a payload that is no signal, and a rebalance body on an instance-action topic, go to spot.dlq
    with the MQTT topic as source and the original bytes;
  * the broker stopped for 10 s while decisions keep coming: none is lost (by decision id), the
    reconnection is counted on /metrics;
  * TLS with a user name and password: connects, and the password appears in no output.
"""

import base64
import json
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from spotstream_harness import (ProcessGroup, TempMosquitto, aws_sample, decisions_of, kcat_produce,  # noqa: E402
                                poll_topic, read_topic, run_main, tombstones_of, wait_until)

try:
    import paho.mqtt.client as mqtt
except ImportError:  # Debian's python3-paho-mqtt (pure Python) under another python3 (pyenv)
    sys.path.append("/usr/lib/python3/dist-packages")
    import paho.mqtt.client as mqtt

IMDS_ACTION = "imds-spot-instance-action.karpenter-design.json"  # terminate at 2022-07-11T17:11:44Z
IMDS_REBALANCE = "imds-rebalance.karpenter-design.json"
REST_LINE = r"rest api listening on http://([0-9.]+):(\d+)"
SECRET = "s3ntinel-Pa55word"


def join(node, instance, ts, az="us-east-1a", itype="c5.large"):
    return json.dumps({"ts": ts, "action": "join", "node_id": node, "instance_id": instance, "az": az,
                       "instance_type": itype}).encode()


def leave(node, instance, ts):
    return json.dumps({"ts": ts, "action": "leave", "node_id": node, "instance_id": instance}).encode()


class Subscriber:
    """A paho client subscribed to spot/decisions/# (QoS 1) that records every message. With
    `persistent`, its session outlives a broker restart (clean_session=False, broker persistence)."""

    def __init__(self, port, client_id, persistent=False, **tls):
        self.messages = []  # (topic, payload bytes, retained)
        self.c = mqtt.Client(client_id=client_id, clean_session=not persistent)
        if tls:
            self.c.tls_set(ca_certs=tls["ca"])
            self.c.username_pw_set(tls["user"], tls["password"])
        self.c.on_connect = lambda c, u, f, rc: c.subscribe("spot/decisions/#", qos=1)
        self.c.on_message = lambda c, u, m: self.messages.append((m.topic, bytes(m.payload), bool(m.retain)))
        self.c.reconnect_delay_set(min_delay=1, max_delay=1)
        self.c.connect("127.0.0.1", port, keepalive=5)
        self.c.loop_start()

    def close(self):
        self.c.loop_stop()
        self.c.disconnect()

    def latest(self):
        """topic -> the last payload received for it."""
        out = {}
        for topic, payload, _ in self.messages:
            out[topic] = payload
        return out

    def decision_ids(self):
        return {json.loads(p)["decision_id"] for _, p, _ in self.messages if p}


def pub(broker, topic, payload, *extra):
    subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(broker.port), "-q", "1", "-t", topic, "-s"]
                   + list(extra), input=payload, check=True, timeout=30)


def metric(base, name):
    text = urllib.request.urlopen(base + "/metrics", timeout=5).read().decode()
    m = re.search(r"^%s (\S+)$" % re.escape(name), text, re.M)
    return float(m.group(1)) if m else None


def start_bridged_run(pg, broker, *extra):
    run, addr = pg.start_run("run", "--set", "mqtt.host=127.0.0.1", "--set", "mqtt.port=%d" % broker.port,
                             "--set", "mqtt.reconnect_delay_max_s=1", *extra)
    host, port = run.wait_stdout(REST_LINE, 30).groups()
    base = "http://%s:%s" % (host, port)
    wait_until(lambda: metric(base, "spot_mqtt_connected") == 1, 30, what="spotstream connected to mosquitto")
    wait_until(lambda: ready(base), 60, what="/ready")
    return run, addr, base


def ready(base):
    try:
        return urllib.request.urlopen(base + "/ready", timeout=5).status == 200
    except OSError:
        return False


def signal_and_evacuate(pg, broker, addr, late, pub_args=()):
    """Node n-1 joins; the IMDS notice over MQTT makes its EVACUATE, on Kafka and on MQTT."""
    kcat_produce(addr, "spot.fleet", join("n-1", "i-0123456789", "2022-07-11T17:00:00Z"), key="i-0123456789",
                 workdir=pg.dir)
    poll_topic(addr, "spot.decisions", lambda rs: len(decisions_of(rs)) >= 1, 30, "the join's STAY")
    body = aws_sample(IMDS_ACTION)
    pub(broker, "spot/signals/i-0123456789/instance-action", body, *pub_args)
    signals = poll_topic(addr, "spot.signals", lambda rs: len(rs) >= 1, 30, "the MQTT signal on spot.signals")
    assert signals[0]["key"] == "i-0123456789" and signals[0]["payload"].encode() == body, signals
    decisions = decisions_of(poll_topic(addr, "spot.decisions", lambda rs: len(decisions_of(rs)) >= 2, 30,
                                        "the EVACUATE"))
    assert [d["decision"] for d in decisions] == ["STAY", "EVACUATE"], decisions
    evacuate = decisions[1]
    assert evacuate["signal"] != "none" and evacuate["node_id"] == "n-1", evacuate
    wait_until(lambda: late.latest().get("spot/decisions/n-1", b"{}") != b"{}" and
               json.loads(late.latest()["spot/decisions/n-1"])["decision_id"] == evacuate["decision_id"], 30,
               what="the EVACUATE on spot/decisions/n-1")
    return evacuate


def bad_payloads(pg, broker, addr):
    pub(broker, "spot/signals/i-0bad/instance-action", b"this is not json")
    pub(broker, "spot/signals/i-0bad/instance-action", aws_sample(IMDS_REBALANCE))
    dlq = poll_topic(addr, "spot.dlq", lambda rs: len(rs) >= 2, 30, "two dead letters")
    letters = [json.loads(r["payload"]) for r in dlq]
    assert [d["reason"] for d in letters] == ["malformed_json", "bad_value"], letters
    for d, body in zip(letters, [b"this is not json", aws_sample(IMDS_REBALANCE)]):
        assert d["source"] == {"topic": "spot/signals/i-0bad/instance-action", "partition": -1, "offset": -1}, d
        assert base64.b64decode(d["payload_base64"]) == body, d
        assert d["key"] == "i-0bad", d


def leave_clears(pg, broker, addr, sub):
    """n-2 joins and leaves; prices move decisions past the leave: a tombstone, an empty retained."""
    kcat_produce(addr, "spot.fleet", join("n-2", "i-0222", "2022-07-11T17:01:00Z"), key="i-0222", workdir=pg.dir)
    wait_until(lambda: "spot/decisions/n-2" in sub.latest(), 30, what="n-2's STAY on MQTT")
    kcat_produce(addr, "spot.fleet", leave("n-2", "i-0222", "2022-07-11T17:02:00Z"), key="i-0222", workdir=pg.dir)
    for minute in (10, 20, 30):
        tick = ('{"ts":"2022-07-11T17:%02d:00Z","az":"us-east-1a","instance_type":"c5.large","product":"Linux/UNIX",'
                '"spot_price":0.03}' % minute).encode()
        kcat_produce(addr, "spot.prices", tick, key="us-east-1a/c5", workdir=pg.dir)
    records = poll_topic(addr, "spot.decisions", lambda rs: "n-2" in tombstones_of(rs), 60, "n-2's tombstone")
    assert tombstones_of(records) == ["n-2"], tombstones_of(records)
    wait_until(lambda: sub.latest().get("spot/decisions/n-2") == b"", 30, what="n-2's retained topic cleared")
    # A subscriber connecting now sees n-1's decision and nothing for n-2.
    fresh = Subscriber(broker.port, "fresh")
    try:
        wait_until(lambda: "spot/decisions/n-1" in fresh.latest(), 10, what="retained n-1")
        time.sleep(1)
        assert "spot/decisions/n-2" not in fresh.latest(), fresh.messages
        assert all(retained for _, _, retained in fresh.messages), fresh.messages
    finally:
        fresh.close()


def broker_outage(pg, broker, addr, base, sub):
    """Decisions made while the broker is down for 10 s all reach the persistent subscriber."""
    before = metric(base, "spot_mqtt_connects_total")
    commits = metric(base, "spot_commits_total")
    broker.stop()
    wait_until(lambda: metric(base, "spot_mqtt_connected") == 0, 20, what="spotstream to see the broker gone")
    t_end = time.monotonic() + 10
    n = 0
    while time.monotonic() < t_end:
        n += 1
        instance = "i-out%03d" % n
        kcat_produce(addr, "spot.fleet", join("out-%03d" % n, instance, "2022-07-11T17:05:00Z"), key=instance,
                     workdir=pg.dir)
        time.sleep(0.4)
    assert metric(base, "spot_mqtt_buffered") > 0, "decisions were held while the broker was away"
    # Kafka went on meanwhile: the decisions are there and their inputs' offsets were committed.
    poll_topic(addr, "spot.decisions", lambda rs: sum(1 for d in decisions_of(rs) if d["node_id"].startswith("out-")) >= n,
               30, "the outage's STAYs on Kafka while the MQTT broker is down")
    wait_until(lambda: metric(base, "spot_commits_total") > commits, 30, what="offsets committed while MQTT is down")
    assert metric(base, "spot_mqtt_connected") == 0
    broker.start()
    wait_until(lambda: metric(base, "spot_mqtt_connects_total") > before, 30, what="the reconnection")
    kafka_ids = {d["decision_id"] for d in decisions_of(read_topic(addr, "spot.decisions"))}
    wait_until(lambda: kafka_ids <= sub.decision_ids(), 60, what="every decision id on MQTT")
    assert metric(base, "spot_mqtt_decisions_dropped_total") == 0
    assert metric(base, "spot_mqtt_disconnects_total") >= 1
    wait_until(lambda: metric(base, "spot_mqtt_buffered") == 0, 20, what="the buffer emptied")
    return n


def plain_broker():
    with TempMosquitto() as broker, ProcessGroup("spotstream-mqtt-") as pg:
        run, addr, base = start_bridged_run(pg, broker)
        sub = Subscriber(broker.port, "tester", persistent=True)
        try:
            wait_until(lambda: sub.c.is_connected(), 10, what="the test subscriber")
            evacuate = signal_and_evacuate(pg, broker, addr, sub)
            bad_payloads(pg, broker, addr)
            leave_clears(pg, broker, addr, sub)
            n = broker_outage(pg, broker, addr, base, sub)
            assert metric(base, "spot_mqtt_signals_forwarded_total") == 1
            assert metric(base, "spot_mqtt_signals_dead_total") == 2
            # Every decision on Kafka is a message on MQTT, the first EVACUATE among them.
            kafka = {d["decision_id"] for d in decisions_of(read_topic(addr, "spot.decisions"))}
            assert evacuate["decision_id"] in sub.decision_ids() and kafka <= sub.decision_ids()
        finally:
            sub.close()
        run.signal()
        assert run.wait(60) == 0, run.describe()
        print("plain broker: %d decisions on Kafka all on MQTT, %d made during the outage" % (len(kafka), n))


def make_tls(d):
    """A CA and a server certificate for 127.0.0.1 (openssl), and a password file for `spot`."""
    def ssl(*args):
        subprocess.run(["openssl"] + list(args), check=True, cwd=str(d), stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=60)
    ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=spotstream test CA",
        "-keyout", "ca.key", "-out", "ca.crt")
    ssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr")
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    ssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
        "-extfile", "san.ext", "-out", "server.crt")
    subprocess.run(["mosquitto_passwd", "-b", "-c", str(d / "passwd"), "spot", SECRET], check=True, timeout=30)
    for name in ("ca.crt", "server.crt", "server.key", "passwd"):
        (d / name).chmod(0o644)


def tls_broker():
    import tempfile
    d = Path(tempfile.mkdtemp(prefix="spotstream-tls-"))
    d.chmod(0o755)
    make_tls(d)
    extra = ("allow_anonymous false\npassword_file %s/passwd\ncafile %s/ca.crt\ncertfile %s/server.crt\n"
             "keyfile %s/server.key\n" % (d, d, d, d))
    with TempMosquitto(extra) as broker, ProcessGroup("spotstream-mqtt-tls-") as pg:
        run, addr, base = start_bridged_run(pg, broker, "--set", "mqtt.tls_ca_file=%s/ca.crt" % d, "--set",
                                            "mqtt.username=spot", "--set", "mqtt.password=" + SECRET)
        sub = Subscriber(broker.port, "tls-tester", ca=str(d / "ca.crt"), user="spot", password=SECRET)
        try:
            signal_and_evacuate(pg, broker, addr, sub, ("--cafile", str(d / "ca.crt"), "-u", "spot", "-P", SECRET))
        finally:
            sub.close()
        config = subprocess.run([pg.bin, "config", "--set", "mqtt.password=" + SECRET], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, timeout=30).stdout.decode()
        assert "mqtt.password = ***" in config, config
        metrics = urllib.request.urlopen(base + "/metrics", timeout=5).read().decode()
        run.signal()
        assert run.wait(60) == 0, run.describe()
        for text in (run.stdout(), run.stderr(), config, metrics, broker.log_text()):
            assert SECRET not in text, "the MQTT password leaked"
        print("TLS + password: connected, EVACUATE over MQTT, the password in no output")


def main():
    plain_broker()
    tls_broker()


if __name__ == "__main__":
    run_main(main)

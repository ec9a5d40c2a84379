"""Shared helpers for spotstream's integration tests (Python 3 standard library only).

The tests run the real binary (env SPOTSTREAM_BIN), kcat and the embedded broker (librdkafka's mock
cluster, started by `spotstream run` or `spotstream broker`). Every process started here is tracked
and killed by `ProcessGroup.close()`, so a failing assertion never leaves a broker behind.

Conventions:
  * Processes write stdout/stderr to files in a per-test temporary directory; we poll those files
    with deadlines instead of sleeping (and print them when a test fails).
  * Topics are read with `kcat -C -J -o beginning -e`: each record is a dict with topic, partition,
    offset, key and payload (str, or None for a null payload).
"""

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# The real AWS samples: read in place from <repo>/../shared/data, never copied into the repo.
SHARED_DATA = REPO.parent / "shared" / "data"
AWS_EVENTS = SHARED_DATA / "aws-events"
SCHEMAS = REPO / "schemas"

ADDR_LINE = re.compile(r"embedded Kafka broker \(librdkafka mock cluster\) listening on (\S+)")


def spotstream_bin():
    path = os.environ.get("SPOTSTREAM_BIN")
    if not path:
        for cand in ("build-it", "build"):
            p = REPO / cand / "spotstream"
            if p.exists():
                path = str(p)
                break
    if not path or not os.access(path, os.X_OK):
        raise RuntimeError("set SPOTSTREAM_BIN to the spotstream binary (CTest does this)")
    return path


def require_kcat():
    k = shutil.which("kcat")
    if not k:
        raise RuntimeError("kcat is not installed (the project's setup script installs it)")
    return k


def aws_sample(name):
    """Bytes of one real AWS sample, exactly as stored."""
    return (AWS_EVENTS / name).read_bytes()


class Deadline:
    def __init__(self, seconds):
        self.end = time.monotonic() + seconds
        self.seconds = seconds

    def left(self):
        return max(0.0, self.end - time.monotonic())

    def expired(self):
        return time.monotonic() >= self.end


def wait_until(predicate, timeout, interval=0.05, what="condition"):
    """Polls `predicate` until it returns a truthy value (returned) or the deadline passes."""
    d = Deadline(timeout)
    while True:
        v = predicate()
        if v:
            return v
        if d.expired():
            raise AssertionError("timed out after %.1f s waiting for %s" % (timeout, what))
        time.sleep(interval)


class Proc:
    """A started process whose stdout/stderr go to files we can poll."""

    def __init__(self, name, args, workdir, env=None):
        self.name = name
        self.args = [str(a) for a in args]
        self.out_path = Path(workdir) / (name + ".stdout")
        self.err_path = Path(workdir) / (name + ".stderr")
        self._out = open(self.out_path, "wb")
        self._err = open(self.err_path, "wb")
        self.started = time.monotonic()
        self.popen = subprocess.Popen(self.args, stdout=self._out, stderr=self._err, stdin=subprocess.DEVNULL,
                                      env=env, cwd=str(workdir))
        self.pid = self.popen.pid

    def stdout(self):
        return self.out_path.read_text(errors="replace")

    def stderr(self):
        return self.err_path.read_text(errors="replace")

    def running(self):
        return self.popen.poll() is None

    def wait_stdout(self, pattern, timeout):
        """Waits until stdout matches the regex `pattern`; returns the match."""
        rx = re.compile(pattern)

        def found():
            m = rx.search(self.stdout())
            if m:
                return m
            if not self.running():
                raise AssertionError("%s exited (rc=%s) before printing %r\n%s" %
                                     (self.name, self.popen.returncode, pattern, self.describe()))
            return None

        return wait_until(found, timeout, what="%s to print %r" % (self.name, pattern))

    def wait_stderr(self, pattern, timeout):
        rx = re.compile(pattern)

        def found():
            m = rx.search(self.stderr())
            if m:
                return m
            if not self.running():
                raise AssertionError("%s exited (rc=%s) before logging %r\n%s" %
                                     (self.name, self.popen.returncode, pattern, self.describe()))
            return None

        return wait_until(found, timeout, what="%s to log %r" % (self.name, pattern))

    def signal(self, sig=signal.SIGTERM):
        if self.running():
            self.popen.send_signal(sig)

    def wait(self, timeout):
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError("%s did not exit within %.1f s\n%s" % (self.name, timeout, self.describe()))

    def stop(self, timeout=20):
        """SIGTERM and wait for the exit code."""
        self.signal(signal.SIGTERM)
        return self.wait(timeout)

    def kill(self):
        if self.popen.poll() is None:
            try:
                self.popen.kill()
            except ProcessLookupError:
                pass
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        for f in (self._out, self._err):
            try:
                f.close()
            except Exception:
                pass

    def describe(self, tail=4000):
        return "--- %s %s (rc=%s)\n--- stdout:\n%s\n--- stderr (tail):\n%s" % (
            self.name, " ".join(self.args), self.popen.poll(), self.stdout()[-tail:], self.stderr()[-tail:])


def parse_summary(stdout_text):
    """The JSON of the last `summary {...}` line a run prints on a clean stop."""
    lines = [l for l in stdout_text.splitlines() if l.startswith("summary ")]
    if not lines:
        raise AssertionError("no summary line on stdout:\n" + stdout_text[-2000:])
    return json.loads(lines[-1][len("summary "):])


class ProcessGroup:
    """Owns a temporary directory and every process started through it.

    Use as a context manager: on exit every process still running is killed (SIGKILL), and on an
    exception the outputs of all processes are printed to help diagnose the failure."""

    def __init__(self, prefix="spotstream-it-"):
        self.dir = Path(tempfile.mkdtemp(prefix=prefix))
        self.procs = []
        self.bin = spotstream_bin()
        self._n = 0

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.dump()
        self.close()
        return False

    def path(self, name):
        return self.dir / name

    def start(self, name, args, env=None):
        p = Proc(name, args, self.dir, env=env)
        self.procs.append(p)
        return p

    def spotstream(self, name, *args):
        args = [str(a) for a in args]
        # Tests run in parallel: each `run` gets its REST API on a free port unless a test chooses.
        if args and args[0] == "run" and not any(a.startswith("rest.port=") for a in args):
            args = ["run", "--set", "rest.port=0"] + args[1:]
        return self.start(name, [self.bin] + args)

    def start_run(self, name="run", *extra, bootstrap=True, timeout=20):
        """`spotstream run` with its embedded broker; returns (proc, bootstrap address)."""
        self._n += 1
        bfile = self.path("%s.bootstrap.%d" % (name, self._n))
        args = ["run"] + (["--bootstrap-file", bfile] if bootstrap else []) + list(extra)
        p = self.spotstream(name, *args)
        addr = wait_for_bootstrap(p, bfile if bootstrap else None, timeout)
        return p, addr

    def start_broker(self, name="broker", *extra, timeout=20):
        """`spotstream broker` (embedded broker only); returns (proc, bootstrap address)."""
        self._n += 1
        bfile = self.path("%s.bootstrap.%d" % (name, self._n))
        p = self.spotstream(name, "broker", "--bootstrap-file", bfile, *extra)
        addr = wait_for_bootstrap(p, bfile, timeout)
        return p, addr

    def dump(self):
        for p in self.procs:
            try:
                sys.stderr.write(p.describe() + "\n")
            except Exception:
                pass

    def close(self):
        for p in reversed(self.procs):
            p.kill()
        if os.environ.get("SPOTSTREAM_KEEP_TMP"):
            sys.stderr.write("kept %s\n" % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


def wait_for_bootstrap(proc, bootstrap_file, timeout):
    """The broker address: from the bootstrap file when given, checked against the stdout line."""
    m = proc.wait_stdout(ADDR_LINE.pattern, timeout)
    addr = m.group(1)
    if bootstrap_file is not None:
        bf = Path(bootstrap_file)
        content = wait_until(lambda: bf.exists() and bf.read_text().strip(), timeout,
                             what="bootstrap file %s" % bf)
        assert content == addr, "bootstrap file says %r, stdout says %r" % (content, addr)
    return addr


# ---------------------------------------------------------------------------------------------
# kcat

def kcat(args, input_bytes=None, timeout=30, check=True):
    cmd = [require_kcat()] + [str(a) for a in args]
    r = subprocess.run(cmd, input=input_bytes, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError("kcat failed (rc=%d): %s\n%s" % (r.returncode, " ".join(cmd),
                                                                  r.stderr.decode(errors="replace")))
    return r


def kcat_produce(addr, topic, payload, key=None, workdir=None, partition=None):
    """Produces exactly one message whose value is `payload` (bytes), byte for byte.

    kcat sends a file given as an argument as one message, so the bytes go through a temporary
    file: no delimiter splitting, no trailing-newline handling. key=None produces a null key."""
    fd, name = tempfile.mkstemp(prefix="kcat-msg-", dir=str(workdir) if workdir else None)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
        args = ["-b", addr, "-P", "-t", topic, "-X", "message.max.bytes=10000000"]
        if key is not None:
            args += ["-k", key]
        if partition is not None:
            args += ["-p", partition]
        kcat(args + [name])
    finally:
        os.unlink(name)


RISK_MARK_KEY_PREFIX = "!progress/"


def read_topic(addr, topic, timeout=30, with_marks=False):
    """Every record of `topic` from the beginning, as kcat's JSON envelopes (dicts). spot.risk progress
    marks (keys starting with RISK_MARK_KEY_PREFIX: control records, not data) are left out unless
    `with_marks`, as src/kafka/topic_reader does."""
    r = kcat(["-b", addr, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-J",
              "-X", "fetch.message.max.bytes=10000000"], timeout=timeout)
    out = []
    for line in r.stdout.decode("utf-8", errors="strict").splitlines():
        line = line.strip()
        if line:
            r = json.loads(line)
            if with_marks or not (r.get("key") or "").startswith(RISK_MARK_KEY_PREFIX):
                out.append(r)
    return out


def poll_topic(addr, topic, predicate, timeout, what=None):
    """Reads `topic` until predicate(records) is truthy; returns the records."""
    d = Deadline(timeout)
    last = []
    while True:
        last = read_topic(addr, topic, timeout=max(5.0, d.left() + 5))
        if predicate(last):
            return last
        if d.expired():
            raise AssertionError("timed out after %.1f s waiting for %s on %s; have %d record(s):\n%s" % (
                timeout, what or "records", topic, len(last),
                "\n".join(json.dumps(r)[:400] for r in last[-20:])))
        time.sleep(0.2)


def decisions_of(records):
    """Decoded decision payloads, each with its Kafka envelope under '_kafka'; tombstones (a departed
    node's entry cleared: null payload) are left out (see tombstones_of)."""
    out = []
    for r in records:
        if r["payload"] is None:
            continue
        d = json.loads(r["payload"])
        d["_kafka"] = {"key": r.get("key"), "partition": r["partition"], "offset": r["offset"]}
        out.append(d)
    return out


def tombstones_of(records):
    """The keys (node ids) of the tombstones among spot.decisions records."""
    return [r.get("key") for r in records if r["payload"] is None]


def b64decode_exact(text):
    return base64.b64decode(text.encode("ascii"), validate=True)


# ---------------------------------------------------------------------------------------------
# JSON Schema: a small checker for the keywords schemas/README.md allows (and nothing else), so the
# records on the wire are checked by code that shares nothing with src/codec or the unit tests.

_ANNOTATIONS = {"$schema", "$id", "$defs", "$comment", "title", "description", "examples", "default"}
_KEYWORDS = {"type", "enum", "const", "required", "properties", "items", "pattern", "minLength", "minimum",
             "maximum", "exclusiveMinimum", "oneOf", "anyOf", "allOf", "not", "$ref"}


def load_schema(topic):
    return json.loads((SCHEMAS / ("%s.schema.json" % topic)).read_text())


def _type_ok(value, t):
    if isinstance(t, list):
        return any(_type_ok(value, x) for x in t)
    if t == "object":
        return isinstance(value, dict)
    if t == "array":
        return isinstance(value, list)
    if t == "string":
        return isinstance(value, str)
    if t == "boolean":
        return isinstance(value, bool)
    if t == "null":
        return value is None
    if t == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, float) and value.is_integer())
    if t == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    raise ValueError("unknown type %r in schema" % t)


def schema_errors(value, schema, root=None, path="$"):
    """A list of messages, empty when `value` validates against `schema`."""
    root = root if root is not None else schema
    unknown = set(schema) - _ANNOTATIONS - _KEYWORDS
    if unknown:
        raise ValueError("schema keyword(s) this checker does not implement: %s" % sorted(unknown))
    errs = []
    if "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/$defs/"):
            raise ValueError("only local $ref into $defs is supported: " + ref)
        errs += schema_errors(value, root["$defs"][ref[len("#/$defs/"):]], root, path)
    if "type" in schema and not _type_ok(value, schema["type"]):
        return errs + ["%s: expected %s, got %s" % (path, schema["type"], type(value).__name__)]
    if "enum" in schema and value not in schema["enum"]:
        errs.append("%s: %r not in %s" % (path, value, schema["enum"]))
    if "const" in schema and value != schema["const"]:
        errs.append("%s: %r != %r" % (path, value, schema["const"]))
    if isinstance(value, dict):
        for k in schema.get("required", []):
            if k not in value:
                errs.append("%s: missing required %r" % (path, k))
        for k, sub in schema.get("properties", {}).items():
            if k in value:
                errs += schema_errors(value[k], sub, root, "%s.%s" % (path, k))
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            errs += schema_errors(item, schema["items"], root, "%s[%d]" % (path, i))
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errs.append("%s: %r does not match %s" % (path, value, schema["pattern"]))
        if "minLength" in schema and len(value) < schema["minLength"]:
            errs.append("%s: shorter than %d" % (path, schema["minLength"]))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errs.append("%s: %r < %r" % (path, value, schema["minimum"]))
        if "maximum" in schema and value > schema["maximum"]:
            errs.append("%s: %r > %r" % (path, value, schema["maximum"]))
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            errs.append("%s: %r <= %r" % (path, value, schema["exclusiveMinimum"]))
    for sub in schema.get("allOf", []):
        errs += schema_errors(value, sub, root, path)
    if "anyOf" in schema and not any(not schema_errors(value, sub, root, path) for sub in schema["anyOf"]):
        errs.append("%s: matches none of anyOf" % path)
    if "oneOf" in schema:
        n = sum(1 for sub in schema["oneOf"] if not schema_errors(value, sub, root, path))
        if n != 1:
            errs.append("%s: matches %d of oneOf, expected exactly 1" % (path, n))
    if "not" in schema and not schema_errors(value, schema["not"], root, path):
        errs.append("%s: matches a 'not' schema" % path)
    return errs


def assert_schema(value, topic):
    errs = schema_errors(value, load_schema(topic))
    assert not errs, "record does not match schemas/%s.schema.json:\n  %s\n%s" % (
        topic, "\n  ".join(errs), json.dumps(value)[:1000])


# ---------------------------------------------------------------------------------------------
# PostgreSQL: a throwaway server (scripts/pg_temp.sh: Debian's server, a temporary directory, a
# loopback port), queried with psql.

class TempPostgres:
    """A PostgreSQL cluster in a temporary directory; stop()/start() simulate an outage."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="spotstream-pg-"))
        self.script = str(REPO / "scripts" / "pg_temp.sh")
        out = subprocess.run([self.script, "start", str(self.dir)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             timeout=120)
        text = out.stdout.decode(errors="replace")
        m = re.search(r"PGPORT=(\d+) PGUSER=(\S+) PGDATABASE=(\S+)", text)
        if out.returncode != 0 or not m:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise AssertionError("cannot start PostgreSQL:\n" + text)
        self.port, self.user = int(m.group(1)), m.group(2)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def conninfo(self, dbname):
        return "host=127.0.0.1 port=%d user=%s dbname=%s" % (self.port, self.user, dbname)

    def create_db(self, dbname):
        self.psql("CREATE DATABASE %s" % dbname, dbname="postgres")
        return self.conninfo(dbname)

    def psql(self, sql, dbname="postgres"):
        """Rows of the query's result as lists of strings."""
        r = subprocess.run(["psql", "-X", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user,
                            "-d", dbname, "-tA", "-F", "\t", "-c", sql],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        if r.returncode != 0:
            raise AssertionError("psql failed: %s\n%s" % (sql, r.stderr.decode(errors="replace")))
        return [line.split("\t") for line in r.stdout.decode().splitlines() if line]

    def stop(self):
        subprocess.run([self.script, "stop", str(self.dir)], check=True, timeout=120)

    def start(self):
        subprocess.run([self.script, "restart", str(self.dir)], check=True, timeout=120, stdout=subprocess.DEVNULL)

    def close(self):
        subprocess.run([self.script, "stop", str(self.dir)], timeout=120)
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Mosquitto: Debian's broker on a loopback port, its state (persistence: retained messages and
# sessions survive stop()/start()) in a temporary directory.

def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TempMosquitto:
    """A Mosquitto broker in a temporary directory; stop()/start() simulate an outage (same port).
    `extra` lines go into its configuration (TLS, password file)."""

    def __init__(self, extra=""):
        self.dir = Path(tempfile.mkdtemp(prefix="spotstream-mqtt-"))
        self.port = free_port()
        self.log = self.dir / "mosquitto.log"
        self.conf = self.dir / "mosquitto.conf"
        self.conf.write_text("listener %d 127.0.0.1\n%s\npersistence true\npersistence_location %s/\n"
                             "log_dest file %s\nlog_type all\nset_tcp_nodelay true\n" % (
                                 self.port, extra or "allow_anonymous true", self.dir, self.log))
        if os.geteuid() == 0:  # started as root it becomes user mosquitto, who must own its directory
            shutil.chown(self.dir, "mosquitto")
        self.proc = None
        self.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def path(self, name):
        return self.dir / name

    def start(self):
        import socket
        self.proc = subprocess.Popen(["mosquitto", "-c", str(self.conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.STDOUT)

        def listening():
            if self.proc.poll() is not None:
                raise AssertionError("mosquitto exited with %s:\n%s" % (self.proc.returncode, self.log_text()))
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return True
            except OSError:
                return False
        wait_until(listening, 20, what="mosquitto on port %d" % self.port)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: it saves its state first
            self.proc.wait(timeout=20)

    def log_text(self):
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def close(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=20)
        shutil.rmtree(self.dir, ignore_errors=True)


def run_main(main):
    """Runs a test's main(): prints the time taken and exits non-zero on failure."""
    t0 = time.monotonic()
    try:
        main()
    except Exception:
        import traceback
        traceback.print_exc()
        print("FAILED after %.1f s" % (time.monotonic() - t0))
        sys.exit(1)
    print("OK in %.1f s" % (time.monotonic() - t0))

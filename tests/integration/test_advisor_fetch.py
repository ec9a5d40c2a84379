"""`spotstream advisor fetch` and `run`'s periodic refresh against a local HTTP server serving the real
Spot Advisor file from ../shared/data (read in place).

The server answers like S3: an ETag and a Last-Modified on 200, 304 to a matching If-None-Match.
Checked: a first download (200) writes the file byte for byte; a second is conditional and gets 304;
a broken body, an HTTP 500 and a dead server each exit 1 and leave the last good file as it was;
inside `run`, a changed file on the server is downloaded and hot-reloaded (spot_advisor_reloads_total
on /metrics).
"""

import http.server
import json
import re
import sys
import threading
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from spotstream_harness import SHARED_DATA, ProcessGroup, run_main, wait_until  # noqa: E402

ADVISOR = SHARED_DATA / "spot-advisor" / "spot-advisor-data.json"
REST_LINE = r"rest api listening on http://([0-9.]+):(\d+)"


class Server:
    """Serves `self.body` at /advisor.json (ETag = its version), a truncated body at /broken, 500 at /error."""

    def __init__(self, body):
        self.body, self.version, self.requests = body, 1, []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                outer.requests.append((self.path, dict(self.headers)))
                etag = '"v%d"' % outer.version
                if self.path == "/error":
                    return self.answer(500, b"internal error")
                if self.path == "/broken":
                    return self.answer(200, outer.body[: len(outer.body) // 2], etag)
                if self.headers.get("If-None-Match") == etag:
                    return self.answer(304, b"", etag)
                return self.answer(200, outer.body, etag)

            def answer(self, status, body, etag=None):
                self.send_response(status)
                if etag:
                    self.send_header("ETag", etag)
                    self.send_header("Last-Modified", "Sun, 01 Jun 2025 00:00:00 GMT")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def fetch(pg, name, url, out):
    p = pg.spotstream(name, "advisor", "fetch", "--url", url, "--out", out)
    rc = p.wait(60)
    return rc, p.stdout(), p.stderr()


def changed_advisor(body):
    """The real file with one entry's band moved: valid, and different."""
    data = json.loads(body)
    entry = data["spot_advisor"]["us-east-1"]["Linux"]["m5.large"]
    entry["r"] = (entry["r"] + 1) % 5
    return json.dumps(data).encode()


def command_checks(pg, server, real):
    out = pg.path("advisor.json")
    rc, stdout, err = fetch(pg, "first", server.url + "/advisor.json", out)
    assert rc == 0 and "updated" in stdout, stdout + err
    assert out.read_bytes() == real
    meta = json.loads(Path(str(out) + ".meta.json").read_text())
    assert meta["etag"] == '"v1"' and meta["url"] == server.url + "/advisor.json", meta

    rc, stdout, err = fetch(pg, "again", server.url + "/advisor.json", out)
    assert rc == 0 and "304" in stdout, stdout + err
    assert server.requests[-1][1].get("If-None-Match") == '"v1"', server.requests[-1]
    assert server.requests[-1][1].get("If-Modified-Since") == "Sun, 01 Jun 2025 00:00:00 GMT"

    for name, url, why in (("broken", server.url + "/broken", "not a Spot Advisor file"),
                           ("error", server.url + "/error", "HTTP 500"),
                           ("dead", "http://127.0.0.1:1/advisor.json", "no answer")):
        rc, stdout, err = fetch(pg, name, url, out)
        assert rc == 1, (name, stdout, err)
        assert why in err and "the last good file stays" in err, (name, err)
        assert out.read_bytes() == real, "%s changed the file" % name
    assert not [p for p in pg.dir.iterdir() if ".tmp." in p.name], "a temporary file was left behind"


def metric(base, name):
    with urllib.request.urlopen(base + "/metrics", timeout=5) as r:
        m = re.search(r"^%s (\S+)$" % name, r.read().decode(), re.M)
    return float(m.group(1)) if m else None


def refresh_inside_run(pg, server, real):
    out = pg.path("run-advisor.json")  # does not exist yet: the run downloads it before it starts
    run, _ = pg.start_run("run", "--set", "risk.spot_advisor_file=%s" % out, "--set",
                          "advisor.url=%s/advisor.json" % server.url, "--set", "advisor.refresh_interval_ms=300",
                          "--set", "model.reload_interval_ms=100")
    host, port = run.wait_stdout(REST_LINE, 30).groups()
    base = "http://%s:%s" % (host, port)
    assert out.read_bytes() == real
    server.body, server.version = changed_advisor(real), 2
    wait_until(lambda: out.read_bytes() == server.body, 30, what="the run to download the changed file")
    wait_until(lambda: (metric(base, "spot_advisor_reloads_total") or 0) >= 1, 30,
               what="the changed file to be reloaded")
    assert metric(base, "spot_advisor_fetch_failures_total") == 0
    assert metric(base, "spot_advisor_fetches_total") >= 2
    run.signal()
    assert run.wait(60) == 0, run.describe()


def main():
    real = ADVISOR.read_bytes()
    server = Server(real)
    try:
        with ProcessGroup("spotstream-advisor-") as pg:
            command_checks(pg, server, real)
            refresh_inside_run(pg, server, real)
    finally:
        server.close()


if __name__ == "__main__":
    run_main(main)

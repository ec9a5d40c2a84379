#!/usr/bin/env python3
"""`make bench`: every benchmark row in one run, one table, written to bench/RESULTS.md.

Runs the Release build's harnesses (bench/*.cpp, and the `spotstream` binary for the file
replays), checks each row's own outputs (counts, checksums, exit codes: a fast wrong answer is a
failed row, not a figure), prints the table and writes it with the machine, date and commit.
Exits 1 when a row's check failed. Timings are figures, never assertions: a missed target is
reported as missed, not as a failure.
"""
import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTEXT = {}  # Google Benchmark's context (library build type, CPU), from the last program run


class Row:
    def __init__(self, number, name):
        self.number, self.name = number, name
        self.figures = []  # (label, value text)
        self.target = ""
        self.met = None  # True / False / None (no target)
        self.checks = []  # (description, passed)
        self.seconds = 0.0

    def figure(self, label, text):
        self.figures.append((label, text))

    def check(self, description, passed):
        self.checks.append((description, bool(passed)))
        if not passed:
            log(f"  CHECK FAILED: {description}")

    @property
    def passed(self):
        return all(p for _, p in self.checks) and bool(self.checks)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, env=None, timeout=600, cwd=None):
    """Runs cmd; returns (exit code, stdout, stderr, wall seconds, peak RSS MiB of the child)."""
    full_env = dict(os.environ, **(env or {}))
    start = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen(cmd, stdout=out, stderr=err, env=full_env, cwd=cwd)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                p.kill()
                pid, status, usage = os.wait4(p.pid, 0)
                break
            time.sleep(0.02)
        wall = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        code = os.waitstatus_to_exitcode(status)
        return code, out.read().decode(errors="replace"), err.read().decode(errors="replace"), wall, usage.ru_maxrss / 1024


def gbench(build, name, filt, extra_env=None, min_time=None, repetitions=1):
    """Runs a Google Benchmark program, its JSON written to a file (the programs may log on
    stdout); returns ({benchmark name: entry}, context). With repetitions, the medians."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cmd = [str(build / "bench" / f"bench_{name}"), f"--benchmark_filter={filt}", f"--benchmark_out={out.name}",
               "--benchmark_out_format=json", "--benchmark_format=console"]
        if min_time:
            cmd.append(f"--benchmark_min_time={min_time}")
        if repetitions > 1:
            cmd += [f"--benchmark_repetitions={repetitions}", "--benchmark_report_aggregates_only=true"]
        code, _, err, _, _ = run(cmd, extra_env)
        if code != 0:
            raise RuntimeError(f"bench_{name} exited {code}: {err[-2000:]}")
        doc = json.load(open(out.name))
    CONTEXT.update(doc["context"])
    got = {}
    for b in doc["benchmarks"]:
        if repetitions > 1 and b.get("aggregate_name") != "median":
            continue
        got[b.get("run_name", b["name"])] = b
    return got, doc["context"]


def mps(x):
    return f"{x / 1e6:.2f} M/s"


def row_decode(build):
    r = Row(1, "Decode rate per input format (one core)")
    got, _ = gbench(build, "decode", ".", min_time=0.3, repetitions=3)
    for name, b in got.items():
        r.check(f"{name}: decoded without error", not b.get("error_occurred"))
        r.check(f"{name}: at least one event per message", b.get("events_per_msg", 0) >= 1)
        r.figure(name.removeprefix("BM_"), f"{mps(b['items_per_second'])} ({int(b['msg_bytes'])} B)")
    return r


def row_chain(build):
    r = Row(2, "In-process chain: decode -> window -> features -> score -> emission (one core)")
    got, _ = gbench(build, "price_path", "BM_DecodeToEmission|BM_FeaturesPerTick|BM_WindowAndFeatures$",
                    min_time=0.5, repetitions=3)
    chain = got["BM_DecodeToEmission"]
    r.check("the decoded chain emits the same records (count, score sum) as the ticks scored directly",
            not chain.get("error_occurred") and chain["emitted"] == chain["reference_emitted"])
    r.check("records were emitted", chain.get("emitted", 0) > 0)
    rate = chain["items_per_second"]
    r.figure("decode -> emission", mps(rate))
    r.figure("without decoding (window, features, score, emission)", mps(got["BM_FeaturesPerTick"]["items_per_second"]))
    r.figure("window + features alone", mps(got["BM_WindowAndFeatures"]["items_per_second"]))
    r.target, r.met = ">= 5 M ticks/s", rate >= 5e6
    return r


def make_ticks(tmp, pools, days, name):
    path = tmp / name
    code, out, err, _, _ = run([sys.executable, str(ROOT / "bench" / "make_ticks.py"), "--pools", str(pools), "--days",
                                str(days), "--out", str(path)])
    if code != 0:
        raise RuntimeError(f"make_ticks.py failed: {err}")
    return path, pools * days * 288


def write_floor(path, copy):
    """Seconds to write path's bytes, already in memory, to a new file (page cache, as risk writes)."""
    data = path.read_bytes()
    start = time.monotonic()
    with open(copy, "wb") as f:
        f.write(data)
    seconds = time.monotonic() - start
    copy.unlink()
    return len(data), seconds


def row_file_replay(build, tmp):
    r = Row(3, "File replay end to end (spotstream risk --every-tick; backtest)")
    spot = str(build / "spotstream")
    ticks, n = make_ticks(tmp, 240, 15, "ticks1m.jsonl")
    out = tmp / "risk.jsonl"
    code, _, err, wall, rss = run([spot, "risk", "--every-tick", "--input", str(ticks), "--output", str(out)])
    if code != 0:
        log(err[-2000:])
    lines = sum(1 for _ in open(out)) if out.exists() else 0
    r.check(f"risk exits 0 (got {code})", code == 0)
    r.check(f"risk --every-tick wrote one record per tick ({lines:,} of {n:,})", lines == n)
    rate = n / wall
    r.figure(f"risk --every-tick, {n:,} ticks to a file", f"{mps(rate)} ({wall:.1f} s, peak {rss:.0f} MiB)")
    if lines:
        size, write_s = write_floor(out, tmp / "copy.jsonl")
        r.figure("this machine writing the same bytes from memory to a file (the floor for the records alone)",
                 f"{size / write_s / 1e9:.2f} GB/s, so at most {mps(lines / write_s)} of {size / lines:,.0f}-byte records")
    out.unlink(missing_ok=True)
    ticks.unlink()
    r.target, r.met = ">= 2 M ticks/s (risk)", rate >= 2e6

    ticks, n = make_ticks(tmp, 24, 405, "ticks28m.jsonl")
    bt = tmp / "bt"
    code, _, err, wall, rss = run([spot, "backtest", "--input", str(ticks), "--nodes", "10", "--out", str(bt)])
    if code != 0:
        log(err[-2000:])
    report = json.loads((bt / "report.json").read_text()) if (bt / "report.json").exists() else {}
    inputs = report.get("inputs", {})
    r.check(f"backtest exits 0 (got {code})", code == 0)
    replayed, at_end = inputs.get("price_ticks", 0), inputs.get("price_ticks_at_or_after_end", 0)
    r.check(f"backtest accounted for every tick ({replayed:,} replayed + {at_end:,} at the period's end = {n:,}), "
            "no bad line, no dead letter",
            replayed + at_end == n and inputs.get("bad_lines") == 0 and inputs.get("dead_letters") == 0)
    r.figure(f"backtest, {n:,} ticks, 10 nodes", f"{mps(n / wall)} ({wall:.1f} s, peak {rss:.0f} MiB)")
    ticks.unlink()
    return r


def row_kafka(build):
    r = Row(4, "Through Kafka (embedded broker): pipeline against a bare consumer")
    got, _ = gbench(build, "pipeline", ".")
    bare = got["BM_ConsumeOnly/iterations:1/manual_time"]
    for name, b in got.items():
        r.check(f"{name}: every message read and processed", not b.get("error_occurred"))
    bare_rate = bare["items_per_second"]
    # CPU while reading, of the whole process (the embedded broker and librdkafka included): on a
    # machine this small the cores, not the wait for data, set the rate.
    def cpu(b):
        return f"; {b['cpu_us_per_msg']:.2f} us of CPU per message, {b['cores_busy']:.2f} cores busy"
    r.figure("bare consumer (same settings)", mps(bare_rate) + cpu(bare))
    best, pipeline_cpu = 0.0, None
    for shards in (1, 2):
        b = got[f"BM_PipelineEndToEnd/{shards}/iterations:1/manual_time"]
        n = b["messages"]
        through = n / b["finished_s"]
        best = max(best, through)
        pipeline_cpu = min(pipeline_cpu or b["cpu_us_per_msg"], b["cpu_us_per_msg"])
        r.figure(f"pipeline, {shards} shard(s): read / processed / outputs delivered and committed",
                 f"{mps(b['items_per_second'])} / {mps(n / b['processed_s'])} / {mps(through)} "
                 f"({int(b['outputs']):,} outputs){cpu(b)}")
    src = got.get("BM_PipelineSourceOnly/1/iterations:1/manual_time")
    if src:
        # The runtime without the operators: what the read rate owes to the source, Kafka and the machine.
        r.figure("runtime alone (shards that do nothing), 1 shard: read / processed",
                 f"{mps(src['items_per_second'])} / {mps(src['messages'] / src['processed_s'])}{cpu(src)}")
    # Live ticks that arrive once the fleet and signals partitions are read to their end wait
    # runtime.control_grace_ms (2 s) for a late signal: a fixed latency at the end of this short
    # run, not a limit on the rate of a continuing stream. The same run without it:
    no_grace, _ = gbench(build, "pipeline", "PipelineEndToEnd/1/", {"BENCH_SET": "runtime.control_grace_ms=0"})
    b = no_grace.get("BM_PipelineEndToEnd/1/iterations:1/manual_time", {})
    r.check("without the grace: every message read and processed", b and not b.get("error_occurred"))
    if b:
        r.figure("pipeline, 1 shard, runtime.control_grace_ms=0: read / processed / delivered and committed",
                 f"{mps(b['items_per_second'])} / {mps(b['messages'] / b['processed_s'])} / "
                 f"{mps(b['messages'] / b['finished_s'])}")
    r.figure("best, to outputs, against the bare rate", f"{best / bare_rate:.0%}")
    cores = os.cpu_count() or 1
    r.figure(f"the most {cores} busy cores allow at the pipeline's CPU per message (the lower of the two runs)",
             f"{mps(cores / pipeline_cpu * 1e6)}, {cores / pipeline_cpu * 1e6 / bare_rate:.0%} of the bare rate")
    r.target, r.met = ">= 60% of the bare consumer", best >= 0.6 * bare_rate
    return r


LATENCY = re.compile(r"(\d+) of (\d+) answered; p50 ([\d.]+) ms, p99 ([\d.]+) ms, p99.9 ([\d.]+) ms, max ([\d.]+) ms")
READ = re.compile(r"the (?:pipeline|bare consumer) read (\d+) messages/s")
INSIDE = re.compile(r"inside the pipeline .*?mean ([\d.]+) ms")


def row_latency(build, tick_rate):
    r = Row(5, f"Signal -> decision latency (500 notices at 50/s, each for its own node of 500)")
    met = True
    # The last run shortens the pipeline's fetch wait: the embedded broker answers a fetch that
    # waits for data only when the whole wait (10 ms) has passed, where Kafka answers it as soon as
    # a message arrives; with 2 ms the rest of the path shows. The bare run answers each notice with
    # a plain consumer and producer (the same settings) in spotstream's place: the floor that the
    # clients, the embedded broker and this machine's cores give under the same load.
    short_wait = "kafka.fetch.wait.max.ms=2"
    runs = [("kafka", "kafka", tick_rate, "", "spotstream"), ("kafka", "kafka", tick_rate, "", "bare"),
            ("mqtt", "mqtt", tick_rate, "", "spotstream"), ("kafka", "kafka", tick_rate // 2, "", "spotstream"),
            ("kafka", "kafka", 1000, "", "spotstream"), ("kafka", "kafka", 1000, short_wait, "spotstream")]
    for signals_in, decisions_out, rate, settings, answer in runs:
        env = {"TICK_RATE": str(rate), "SIGNALS": "500", "SIGNAL_RATE": "50", "SIGNALS_IN": signals_in,
               "DECISIONS_OUT": decisions_out, "BENCH_SET": settings, "ANSWER": answer}
        code, out, err, _, _ = run([str(build / "bench" / "bench_signal_latency")], env)
        m, read, inside = LATENCY.search(out), READ.search(out), INSIDE.search(out)
        label = f"{signals_in} in, {decisions_out} out, {rate:,} ticks/s" + (f", {settings}" if settings else "")
        if answer == "bare":
            label = f"no spotstream: a bare consumer answers each notice with a producer, {rate:,} ticks/s"
        r.check(f"{label}: every notice answered by its EVACUATE (exit {code})", code == 0 and m is not None)
        if not m:
            log(out + err[-2000:])
            continue
        read_rate = int(read.group(1)) if read else 0
        kept_up = "" if read_rate >= 0.9 * rate else f"; fell behind: read {read_rate:,} msg/s"
        where = f"inside the pipeline: mean {inside.group(1) if inside else '?'} ms" if answer != "bare" else "the floor"
        r.figure(label, f"p50 {m.group(3)} ms, p99 {m.group(4)} ms, p99.9 {m.group(5)} ms, max {m.group(6)} ms "
                        f"({where}{kept_up})")
        if (signals_in, rate, settings, answer) == ("kafka", tick_rate, "", "spotstream"):
            met = float(m.group(4)) < 5.0
    r.target, r.met = f"p99 < 5 ms (Kafka, {tick_rate:,} ticks/s)", met
    return r


def row_memory(build):
    r = Row(6, "Memory of warm pools (7 days of 5-minute ticks each)")
    got, _ = gbench(build, "pool_window", "BM_WarmPoolsMemory")
    b = next(iter(got.values()))
    r.check(f"100,000 pools warmed with a full window each ({int(b['pools']):,} pools, {int(b['ticks_in_window'])} "
            "ticks in a window)", b["pools"] == 100000 and b["ticks_in_window"] == 2016)
    r.figure("resident bytes per pool", f"{b['rss_per_pool'] / 1024:.1f} KiB (accounted {b['bytes_per_pool'] / 1024:.1f} KiB)")
    r.figure("100,000 pools", f"{b['rss_MiB']:.0f} MiB")
    r.target, r.met = "< 16 KiB per pool", b["rss_per_pool"] < 16 * 1024
    return r


def row_postgres(build):
    r = Row(7, "PostgreSQL history sink (COPY, batched; new rows)")
    got, _ = gbench(build, "pg_sink", "BM_SinkNewRows/50000|BM_SinkDemoMix", {"BENCH_PG_ROWS": "500000"})
    best = 0.0
    for name, b in got.items():
        r.check(f"{name}: every row written", not b.get("error_occurred"))
        label = "price ticks, 50,000 per batch" if "NewRows" in name else "demo mix (ticks and risk records)"
        r.figure(label, f"{b['items_per_second'] / 1e3:,.0f} k rows/s")
        if "NewRows" in name:
            best = b["items_per_second"]
    r.target, r.met = ">= 300,000 rows/s", best >= 300000
    return r


WARM = re.compile(r"warm start: (\d+) ticks re-read in ([\d.]+) s .*?(\d+) risk records published during it.*?RSS at "
                  r"the end (\d+) MiB")


def row_warm_start(build):
    r = Row(8, "Warm start: 10,000 pools x 7 days re-read from the topic")
    code, out, err, _, _ = run([str(build / "bench" / "bench_warm_start")], {"PHASES": "warm"}, timeout=900)
    m = WARM.search(out)
    r.check(f"bench_warm_start exits 0 (got {code})", code == 0 and m is not None)
    if not m:
        log(out + err[-2000:])
        return r
    ticks, secs = int(m.group(1)), float(m.group(2))
    r.check(f"every tick re-read ({ticks:,} of 20,160,000) and nothing published during it",
            ticks == 20160000 and m.group(3) == "0")
    r.figure("20.16 M ticks", f"{secs:.1f} s ({mps(ticks / secs)}, RSS {m.group(4)} MiB)")
    r.target, r.met = "< 20 s", secs < 20
    return r


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    mem = next((int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
    return f"{cpu}, {os.cpu_count()} cores, {mem / 1048576:.0f} GiB, {platform.system()} {platform.release()}"


def commit():
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    # The results file itself (a previous run's) does not make the code measured differ from HEAD.
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no", "--", ".",
                            ":(exclude)bench/RESULTS.md"], capture_output=True, text=True).stdout.strip()
    return head.stdout.strip() + (" (with uncommitted changes)" if dirty else "")


def table(rows):
    lines = ["| # | measure | figure | target | met | checks | row time |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        checks = "pass" if r.passed else "**FAILED**: " + "; ".join(d for d, p in r.checks if not p)
        met = "" if r.met is None else ("yes" if r.met else "**no**")
        first = True
        for label, text in r.figures or [("", "no figure")]:
            lines.append(f"| {r.number if first else ''} | {r.name + ': ' if first else ''}{label} | {text} | "
                         f"{r.target if first else ''} | {met if first else ''} | {checks if first else ''} | "
                         f"{f'{r.seconds:.0f} s' if first else ''} |")
            first = False
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=str(ROOT / "build-release"), help="Release build directory (default: %(default)s)")
    ap.add_argument("--rows", default="1,2,3,4,5,6,7,8", help="rows to run, e.g. 1,2,5 (default: all)")
    ap.add_argument("--tick-rate", type=int, default=200000, help="background ticks/s for row 5 (default: %(default)s)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "RESULTS.md"), help="where to write the table")
    a = ap.parse_args()
    build = Path(a.build)
    wanted = {int(x) for x in a.rows.split(",")}
    started = time.monotonic()
    rows = []
    subprocess.run(["sync"])
    time.sleep(5)  # the build's writes settle before anything is timed
    with tempfile.TemporaryDirectory(prefix="spotstream-bench-") as tmp:
        steps = [(1, lambda: row_decode(build)), (2, lambda: row_chain(build)),
                 (3, lambda: row_file_replay(build, Path(tmp))), (4, lambda: row_kafka(build)),
                 (5, lambda: row_latency(build, a.tick_rate)), (6, lambda: row_memory(build)),
                 (7, lambda: row_postgres(build)), (8, lambda: row_warm_start(build))]
        for number, step in steps:
            if number not in wanted:
                continue
            log(f"[{number}/8] {time.monotonic() - started:.0f} s in")
            t0 = time.monotonic()
            try:
                r = step()
            except Exception as e:  # a harness that cannot run is a failed row, with its reason
                r = Row(number, f"row {number}")
                r.check(f"the harness ran ({e})", False)
            r.seconds = time.monotonic() - t0
            rows.append(r)
    total = time.monotonic() - started
    if not CONTEXT:  # no Google Benchmark row ran: ask one program for its library's build
        gbench(build, "decode", "BM_CanonicalTick$", min_time=0.01)
    header = (f"Machine: {machine()}\n\nDate: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; commit "
              f"{commit()}; build: Release ({build}); the whole run took {total:.0f} s.\n\n"
              f"Google Benchmark: Debian's libbenchmark (its own code built {CONTEXT.get('library_build_type', '?')}, "
              "without NDEBUG; the timed loop is inlined into our Release code, so the figures are not affected).")
    text = table(rows)
    print(header + "\n\n" + text)
    Path(a.out).write_text("# Benchmark results\n\n`make bench` (bench/run.py) writes this file; bench/README.md "
                           "says what each row measures.\n\n" + header + "\n\n" + text + "\n")
    failed = [r for r in rows if not r.passed]
    if failed:
        log(f"{len(failed)} row(s) failed their checks: " + ", ".join(str(r.number) for r in failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

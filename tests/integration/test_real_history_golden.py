"""Features on the real AWS price histories equal an independent reference (issue 3).

`spotstream risk --every-tick` runs the live topology over every file in
../shared/data/price-history; the records at the golden points must equal the values in
tests/golden/real_history_features.json, computed independently by
tests/golden/make_real_history_golden.py (standard-library Python, same written definitions).
And every pool pinned at its on-demand price must show discount_depth 0 on every tick."""

import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from spotstream_harness import run_main, spotstream_bin  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "price-history"
GOLDEN = ROOT / "tests" / "golden" / "real_history_features.json"
TOL = 1e-9


def main():
    files = sorted(str(p) for p in DATA.rglob("*.json"))
    assert len(files) == 32, files
    args = [spotstream_bin(), "risk", "--every-tick", "--log-level", "warn"]
    for f in files:
        args += ["--input", f]
    out = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    records = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    assert len(records) == 10822, len(records)  # one per tick: every row of the files
    by_key = {(r["pool"], r["ts_ms"]): r for r in records}

    golden = json.loads(GOLDEN.read_text())
    assert len(golden) >= 20
    for g in golden:
        r = by_key.get((g["pool"], g["ts_ms"]))
        assert r is not None, "no record for %s at %d" % (g["pool"], g["ts_ms"])
        f = r["features"]
        for name in ("price", "window_min", "window_max", "price_position", "volatility_24h",
                     "family_stress_mean", "family_stress_max", "hour_sin", "hour_cos"):
            assert abs(f[name] - g[name]) <= TOL, (g["pool"], g["ts_ms"], name, f[name], g[name])
        for name in ("ticks_in_window", "family_pools", "is_weekend", "is_business_hours"):
            assert f[name] == g[name], (g["pool"], g["ts_ms"], name, f[name], g[name])
        if g["on_demand_price"] is None:
            assert f["on_demand_price"] is None and f["discount_depth"] is None and f["on_demand_source"] == "absent", f
        else:
            assert abs(f["on_demand_price"] - g["on_demand_price"]) <= TOL, (g, f)
            assert abs(f["discount_depth"] - g["discount_depth"]) <= TOL, (g, f)

    # Pools pinned at on-demand (the data README: "several pools sit flat at the on-demand rate").
    pinned = {}
    for r in records:
        f = r["features"]
        if f["on_demand_price"] is not None and abs(f["price"] - f["on_demand_price"]) < 1e-9:
            pinned.setdefault(r["pool"], []).append(f["discount_depth"])
    assert len(pinned) >= 5, sorted(pinned)
    for pool, depths in pinned.items():
        assert all(d == 0 for d in depths), (pool, depths[:5])


if __name__ == "__main__":
    run_main(main)

#!/usr/bin/env python3
"""Independent reference for the features of the real AWS price histories (issue 3).

Recomputes, from ../shared/data/price-history with nothing but the standard library, the features
spotstream publishes on spot.risk at a handful of chosen ticks, with the definitions written in
operators/pool_window.hpp and operators/feature_builder.hpp:
- ticks are processed in the order `spotstream risk` publishes them: by time, ties by pool id;
- pane-aligned 7-day window: pane(t) = t // 300000, P = pane(latest), window panes (P-2016, P],
  plus the price carried in (the last tick of a pane <= P-2016); min/max over both;
- volatility_24h: population std dev of integer micro-dollar prices in panes (P-288, P];
- price_position = (price-min)/(max-min), 0.5 when flat; family stress over the pools of the same
  family in the same AZ that have ticked, each at its latest price_position;
- discount_depth = 1 - spot/on-demand with AWS's published on-demand prices (the rates below);
- time features in the region's local standard time (no DST).
Writes tests/golden/real_history_features.json. Run it again only when a definition changes, and
check the diff by hand.
"""
import json
import math
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "price-history"
OUT = Path(__file__).resolve().parent / "real_history_features.json"

PANE, N, V = 300_000, 2016, 288
UTC_OFFSET_MIN = {"us-east-1": -300, "us-east-2": -300, "us-west-2": -480, "eu-west-1": 0, "eu-west-2": 0,
                  "eu-central-1": 60}
# AWS on-demand, Linux, USD/h: per-vCPU rates of the families in the histories (p2.xlarge = 4 vCPU).
VCPU = {"p2.xlarge": 4, "p2.8xlarge": 32, "p2.16xlarge": 64, "p3.2xlarge": 8, "p3.8xlarge": 32, "p3.16xlarge": 64}
RATE = {("us-east-1", "p2"): 0.225, ("us-west-2", "p2"): 0.225, ("eu-west-1", "p2"): 0.243,
        ("us-east-1", "p3"): 0.3825, ("us-west-2", "p3"): 0.3825, ("eu-west-1", "p3"): 0.413125}
# (pool, time of the tick) -> the golden points: a volatile p3 pool and its family, flat pools
# pinned at on-demand (discount_depth 0), a pool with no on-demand price known, late-window ticks.
CHOSEN_POOLS = ["us-east-1b/p3.2xlarge", "us-east-1b/p3.8xlarge", "us-east-1c/p2.16xlarge",
                "us-east-1f/p2.xlarge", "eu-west-1c/p3.16xlarge", "eu-central-1a/p3.2xlarge",
                "us-west-2b/p3.2xlarge", "eu-west-1b/p2.xlarge"]
CHOSEN_TIMES = ["2019-12-01T00:00:00Z", "2020-01-01T00:00:00Z", "2020-01-20T12:00:00Z", "2020-02-15T00:00:00Z"]


def ms(text):
    return int(datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp() * 1000)


def load():
    rows = []
    for f in DATA.rglob("*.json"):
        for it in json.loads(f.read_text())["SpotPriceHistory"]:
            pool = it["AvailabilityZone"] + "/" + it["InstanceType"] + "/" + it["ProductDescription"]
            rows.append((ms(it["Timestamp"]), pool, it["AvailabilityZone"], it["InstanceType"], it["SpotPrice"]))
    rows.sort(key=lambda r: (r[0], r[1]))
    return rows


def micros(price_text):
    return round(float(price_text) * 1e6)


def features(ticks, t_now, price_micro):
    """Window figures of one pool from all its ticks so far (list of (t, micro))."""
    P = t_now // PANE
    window = [m for t, m in ticks if P - N < t // PANE <= P]
    before = [(t, m) for t, m in ticks if t // PANE <= P - N]
    lo, hi = min(window), max(window)
    if before:
        carried = max(before, key=lambda x: x[0])[1]  # ties: the later one added wins below
        carried = [m for t, m in before if t == max(b[0] for b in before)][-1]
        lo, hi = min(lo, carried), max(hi, carried)
    vol = [m for t, m in ticks if P - V < t // PANE <= P]
    n, s, q = len(vol), sum(vol), sum(m * m for m in vol)
    volatility = math.sqrt(float(n * q - s * s)) / n / 1e6 if n >= 2 else 0.0
    pos = 0.5 if hi == lo else (price_micro - lo) / (hi - lo)
    return lo / 1e6, hi / 1e6, volatility, pos, len(window)


def main():
    rows = load()
    history, position = {}, {}
    chosen_ms = [int(datetime.strptime(c, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp() * 1000)
                 for c in CHOSEN_TIMES]
    wanted = {}  # (pool prefix, chosen time) -> the first tick of the pool at or after that time
    golden = []
    for t, pool, az, itype, price in rows:
        m = micros(price)
        history.setdefault(pool, []).append((t, m))
        lo, hi, vol, pos, n_window = features(history[pool], t, m)
        family = itype.split(".")[0]
        position[pool] = pos
        fam = [position[p] for p in sorted(position) if p.split("/")[0] == az and p.split("/")[1].split(".")[0] == family]
        key = az + "/" + itype
        for c in chosen_ms:
            if key in CHOSEN_POOLS and t >= c and (key, c) not in wanted:
                wanted[(key, c)] = True
                region = az[:-1]
                od = RATE.get((region, family))
                od = round(od * VCPU[itype], 4) if od is not None else None
                local_ms = t + UTC_OFFSET_MIN[region] * 60_000
                hour = (local_ms % 86_400_000) / 3_600_000
                weekday = (local_ms // 86_400_000 + 4) % 7  # 1970-01-01 was a Thursday (4); 0 = Sunday
                golden.append({
                    "pool": pool, "ts_ms": t, "price": m / 1e6, "window_min": lo, "window_max": hi,
                    "price_position": pos, "volatility_24h": vol, "ticks_in_window": n_window,
                    "family_stress_mean": sum(fam) / len(fam), "family_stress_max": max(fam), "family_pools": len(fam),
                    "on_demand_price": od, "discount_depth": (1 - (m / 1e6) / od) if od else None,
                    "hour_sin": math.sin(2 * math.pi * hour / 24), "hour_cos": math.cos(2 * math.pi * hour / 24),
                    "is_weekend": weekday in (0, 6), "is_business_hours": weekday not in (0, 6) and 9 <= hour < 18,
                })
    golden.sort(key=lambda g: (g["pool"], g["ts_ms"]))
    OUT.write_text(json.dumps(golden, indent=1) + "\n")
    print("wrote %d golden points to %s" % (len(golden), OUT))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes a canonical price file (JSON lines) of POOLS pools x DAYS days of 5-minute ticks.

Each pool's price is a seeded random walk between 20% and 90% of a made-up on-demand price, so
windows, family stress and scores all move. Used by the replay tests and `bench/replay.sh`.
  bench/make_ticks.py --pools 180 --days 20 --out ticks.jsonl
"""
import argparse
import datetime
import random

AZS = ["us-east-1a", "us-east-1b", "us-east-1c", "eu-west-1a", "eu-west-1b", "eu-west-1c"]
FAMILIES = ["c5", "m5", "r5", "c6g", "m6g", "r6g", "c6i", "m6i", "r6i", "t3"]
SIZES = ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"]


def pools(n):
    out = []
    for fam in FAMILIES:
        for size in SIZES:
            for az in AZS:
                out.append((az, f"{fam}.{size}"))
    if n > len(out):
        raise SystemExit(f"at most {len(out)} pools")
    return out[:n]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pools", type=int, default=180)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--start", default="2025-01-01T00:00:00")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    chosen = pools(a.pools)
    base = {p: 0.05 + rnd.random() * 2.0 for p in chosen}
    level = {p: 0.3 + rnd.random() * 0.3 for p in chosen}
    start = datetime.datetime.fromisoformat(a.start)
    steps = a.days * 288
    with open(a.out, "w") as f:
        for step in range(steps):
            ts = (start + datetime.timedelta(minutes=5 * step)).strftime("%Y-%m-%dT%H:%M:%SZ")
            for p in chosen:
                level[p] = min(0.9, max(0.2, level[p] * (1 + rnd.gauss(0, 0.01))))
                f.write('{"ts":"%s","az":"%s","instance_type":"%s","product":"Linux/UNIX","spot_price":%.6f}\n'
                        % (ts, p[0], p[1], base[p] * level[p]))


if __name__ == "__main__":
    main()

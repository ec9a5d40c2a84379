#!/usr/bin/env python3
"""Builds the fuzzers' seed corpus from real AWS samples, read where they live (../shared/data) and
never copied into the repository, plus the project's own example files (config/, data/, models).

    seed_corpus.py --out DIR [--replay FUZZ_REPLAY]

writes DIR/<target>/<seed> for every target (the layout fuzz_replay and `make fuzz` read) and, with
--replay, runs fuzz_replay over it: `make test` does so, so every real sample passes every target
without a crash or a broken invariant."""
import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SPOTSTREAM_SHARED_DATA", ROOT.parent / "shared" / "data"))
KEY_SEP = b"\x00"  # "key\0value": fuzz_target.hpp split_at_nul


class Corpus:
    def __init__(self, out: Path):
        self.out = out
        self.count = 0

    def add(self, target: str, name: str, data) -> None:
        if isinstance(data, str):
            data = data.encode()
        d = self.out / target
        d.mkdir(parents=True, exist_ok=True)
        (d / name).write_bytes(data)
        self.count += 1


def compact(obj) -> str:
    return json.dumps(obj, separators=(",", ":"))


def price_items():
    """(file stem, items) for every describe-spot-price-history response in the shared data."""
    files = sorted((SHARED / "price-history").rglob("*.json"))
    files.append(SHARED / "aws-events" / "describe-spot-price-history.awscli-example.json")
    for f in files:
        yield f, json.loads(f.read_text())["SpotPriceHistory"]


def canonical_tick(item) -> dict:
    return {"ts": item["Timestamp"], "az": item["AvailabilityZone"], "instance_type": item["InstanceType"],
            "product": item["ProductDescription"], "spot_price": float(item["SpotPrice"])}


def add_prices(c: Corpus) -> None:
    azs = set()
    for f, items in price_items():
        stem = f"{f.parent.name}-{f.stem}"
        c.add("price_file", f"{stem}.json", f.read_bytes())
        c.add("price_file", f"{stem}.jsonl", "\n".join(compact(i) for i in items[:50]) + "\n")
        for n, item in enumerate(items[:3]):
            c.add("prices", f"{stem}-item{n}.json", compact(item))
            c.add("prices", f"{stem}-tick{n}.json", compact(canonical_tick(item)))
            azs.add(item["AvailabilityZone"])
        c.add("prices", f"{stem}-page.json", compact({"SpotPriceHistory": items[:4], "NextToken": "x"}))
    # Archives keyed by AZ id rather than AZ name.
    for n, az in enumerate(["use1-az2", "usw2-az1", "euw1-az3", "apne1-az4"]):
        c.add("prices", f"azid-{n}.json", compact({"ts": 1700000000000, "az": az, "instance_type": "m5.large",
                                                   "product": "Linux/UNIX", "spot_price": 0.034, "on_demand_price": 0.096}))
        azs.add(az)
    for n, az in enumerate(sorted(azs) + ["us-west-2-lax-1a", "us-east-1-bos-1a", "cn-north-1a"]):
        c.add("az_region", f"az{n}", az)


def add_signals(c: Corpus) -> None:
    events = SHARED / "aws-events"
    for f in sorted(events.glob("*.json")):
        if f.name.startswith("describe-"):
            continue
        body = f.read_bytes()
        c.add("signals", f.name, body)
        c.add("signals", "keyed-" + f.name, b"i-1234567890abcdef0" + KEY_SEP + body)
        c.add("event_file", f.name, body)
        if f.name.startswith("imds-"):
            kind = "instance-action" if "instance-action" in f.name else "rebalance"
            c.add("mqtt_payload", f.name, f"spot/signals/i-0abc/{kind}".encode() + KEY_SEP + body)
            c.add("mqtt_payload", "wrong-kind-" + f.name, b"spot/signals/i-0abc/rebalance" + KEY_SEP + body)
        else:
            c.add("mqtt_payload", f.name, b"nodes/i-1234567890abcdef0/signal" + KEY_SEP + body)
    canonical = [
        {"ts": 1700000000000, "kind": "interruption", "instance_id": "i-8", "action": "terminate",
         "action_time": 1700000120000, "az": "us-east-1a", "instance_type": "m5.large"},
        {"ts": "2024-01-02T03:04:05Z", "kind": "rebalance", "instance_id": "i-9", "az": "use1-az2"},
    ]
    for n, s in enumerate(canonical):
        c.add("signals", f"canonical{n}.json", compact(s))
    c.add("event_file", "canonical.jsonl", "\n".join(compact(s) for s in canonical) + "\n")


def add_fleet(c: Corpus) -> None:
    join = {"ts": "2024-01-02T03:04:05Z", "action": "join", "fleet": "f", "node_id": "n-1",
            "instance_id": "i-1", "az": "us-east-1c", "instance_type": "m6i.2xlarge", "vcpu": 8,
            "memory_gib": 32, "arch": "x86_64"}
    leave = {"ts": 1704164645000, "action": "leave", "node_id": "n-1", "instance_id": "i-1"}
    c.add("fleet", "join.json", compact(join))
    c.add("fleet", "leave.json", compact(leave))
    c.add("event_file", "fleet.jsonl", compact(join) + "\n" + compact(leave) + "\n")


def add_models(c: Corpus) -> None:
    models = ROOT / "tests" / "golden" / "models"
    c.add("model_file", "logistic.json", (models / "logistic-synth.json").read_bytes())
    xgb = json.loads((models / "xgboost-synth" / "model.json").read_text())
    c.add("model_file", "xgboost-file.json", compact(xgb))
    booster_file = xgb.get("xgboost", {}).get("booster_file")
    if booster_file:
        xgb["xgboost"] = {"booster": json.loads((models / "xgboost-synth" / booster_file).read_text())}
        c.add("model_file", "xgboost-inline.json", compact(xgb))
    c.add("model_file", "heuristic.json", compact({"spotstream_model": 1, "kind": "heuristic", "version": "2"}))


def add_reference_files(c: Corpus) -> None:
    advisor_path = SHARED / "spot-advisor" / "spot-advisor-data.json"
    c.add("spot_advisor", "spot-advisor-data.json", advisor_path.read_bytes())
    advisor = json.loads(advisor_path.read_text())
    types = ["m5.large", "c5.xlarge", "p3.2xlarge", "r6g.large"]
    small = {"ranges": advisor["ranges"],
             "instance_types": {t: advisor["instance_types"][t] for t in types if t in advisor["instance_types"]},
             "spot_advisor": {r: {os_: {t: v for t, v in by_type.items() if t in types}
                                  for os_, by_type in advisor["spot_advisor"][r].items()}
                              for r in ["us-east-1", "eu-west-1"]}}
    c.add("spot_advisor", "small.json", compact(small))
    catalog_path = ROOT / "data" / "on-demand-prices.json"
    c.add("on_demand_catalog", "on-demand-prices.json", catalog_path.read_bytes())
    for f in sorted((ROOT / "config").glob("*.yaml")):
        c.add("config_yaml", f.name, f.read_bytes())
    c.add("config_set", "assignments", "runtime.shards=4\nkafka.security.protocol=SSL\ndecisions.safety_gate=0.8\n"
                                       "mqtt.signal_topics=a/+/b\nrest.token=x\n")
    c.add("rest_body", "evaluate.json", compact({"instance_type": "m5.large", "availability_zone": "us-east-1a",
                                                 "requirements": {"vcpu": 2, "memory_gib": 8, "arch": "x86_64"}}))
    c.add("rest_body", "azid.json", compact({"instance_type": "p3.2xlarge", "availability_zone": "use1-az2",
                                             "product": "Linux/UNIX", "instance_id": "i-1"}))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, type=Path, help="folder to write (emptied first)")
    ap.add_argument("--replay", help="fuzz_replay binary to run over the corpus afterwards")
    args = ap.parse_args()
    if not SHARED.is_dir():
        print(f"seed_corpus: no shared data at {SHARED} (set SPOTSTREAM_SHARED_DATA)", file=sys.stderr)
        return 1
    shutil.rmtree(args.out, ignore_errors=True)
    corpus = Corpus(args.out)
    for add in (add_prices, add_signals, add_fleet, add_models, add_reference_files):
        add(corpus)
    print(f"seed_corpus: {corpus.count} seeds in {args.out}")
    if args.replay:
        return subprocess.run([args.replay, str(args.out)]).returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())

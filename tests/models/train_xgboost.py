#!/usr/bin/python3
"""Trains an XGBoost risk model on the rows `spotstream train --export-features` wrote, and writes
what a data person ships: the booster (Booster.save_model("booster.json")) and a spotstream model
file that points at it (kind xgboost, feature list, trained_until, threshold, metrics).

Runs with Debian's python3-xgboost, which installs for /usr/bin/python3 (a pyenv `python3` on
PATH may not see it): /usr/bin/python3 tests/models/train_xgboost.py ROWS.csv OUT_DIR

Writes OUT_DIR/booster.json, OUT_DIR/model.json and OUT_DIR/predictions.csv (Python's predict for
every row, in the CSV's order: what the C++ scorer must reproduce to 1e-6).
"""
import argparse
import csv
import json
import os
import sys

import numpy as np
import xgboost as xgb

META = ("ts_ms", "pool", "split", "label")


def read_rows(path):
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    cols = {name: i for i, name in enumerate(header)}
    features = [h for h in header if h not in META and not h.startswith("score:")]
    x = np.array([[float(r[cols[n]]) for n in features] for r in rows], dtype=np.float64)
    y = np.array([int(r[cols["label"]]) for r in rows], dtype=np.int32)
    split = np.array([r[cols["split"]] for r in rows])
    ts = np.array([int(r[cols["ts_ms"]]) for r in rows], dtype=np.int64)
    pools = [r[cols["pool"]] for r in rows]
    return features, x, y, split, ts, pools


def auc(p, y):
    """Mann-Whitney AUC, ties counted half (independent of the C++ implementation)."""
    order = np.argsort(p, kind="mergesort")
    ps, ys = p[order], y[order]
    pos = ys.sum()
    neg = len(ys) - pos
    if pos == 0 or neg == 0:
        return 0.5
    pairs, below, i = 0.0, 0.0, 0
    while i < len(ps):
        j = i
        while j < len(ps) and ps[j] == ps[i]:
            j += 1
        gp = ys[i:j].sum()
        gn = (j - i) - gp
        pairs += gp * (below + 0.5 * gn)
        below += gn
        i = j
    return pairs / (pos * neg)


def prf(p, y, t):
    pred = p >= t
    tp = int(np.sum(pred & (y == 1)))
    fp = int(np.sum(pred & (y == 0)))
    fn = int(np.sum(~pred & (y == 1)))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"rows": int(len(y)), "positives": int(y.sum()), "auc": auc(p, y), "threshold": float(t),
            "precision": precision, "recall": recall, "f1": f1}


def best_f1_threshold(p, y):
    """The score whose `p >= score` has the highest F1 (walking the distinct scores downwards)."""
    total_pos = int(y.sum())
    if total_pos == 0:
        return 0.5
    order = np.argsort(-p, kind="mergesort")
    ps, ys = p[order], y[order]
    tp = np.cumsum(ys)
    predicted = np.arange(1, len(ps) + 1)
    last_of_group = np.r_[ps[1:] != ps[:-1], True]  # a threshold includes every tie
    f1 = np.where(last_of_group, 2.0 * tp / (predicted + total_pos), -1.0)
    return float(ps[int(np.argmax(f1))])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("rows")
    ap.add_argument("out_dir")
    ap.add_argument("--features", help="comma-separated subset (default: every exported feature)")
    ap.add_argument("--rounds", type=int, default=120)
    ap.add_argument("--depth", type=int, default=4)
    ap.add_argument("--eta", type=float, default=0.1)
    ap.add_argument("--name", default="xgboost")
    ap.add_argument("--version", default=None)
    ap.add_argument("--trained-until", required=True, help="ISO-8601 start of the test slice (spotstream train prints it)")
    ap.add_argument("--inline", action="store_true", help="put the booster inside model.json instead of a booster_file")
    ap.add_argument("--sample", type=int, default=0,
                    help="also write sample.csv: N rows (every exported feature) with Python's prediction, for a golden test")
    a = ap.parse_args()

    names, x, y, split, ts, pools = read_rows(a.rows)
    catalogue_names, catalogue = list(names), x
    if a.features:
        keep = a.features.split(",")
        x = x[:, [names.index(k) for k in keep]]
        names = keep
    train, val, test = split == "train", split == "validation", split == "test"
    params = {"objective": "binary:logistic", "max_depth": a.depth, "eta": a.eta, "eval_metric": "auc",
              "nthread": 1, "seed": 7}
    bst = xgb.train(params, xgb.DMatrix(x[train], label=y[train], missing=np.nan), num_boost_round=a.rounds)
    p = bst.predict(xgb.DMatrix(x, missing=np.nan))
    threshold = best_f1_threshold(p[val], y[val])
    os.makedirs(a.out_dir, exist_ok=True)
    booster_path = os.path.join(a.out_dir, "booster.json")
    bst.save_model(booster_path)
    doc = {"spotstream_model": 1, "kind": "xgboost", "name": a.name, "version": a.version or a.trained_until,
           "features": names, "trained_until": a.trained_until, "threshold": threshold,
           "metrics": {"test": prf(p[test], y[test], threshold), "validation": prf(p[val], y[val], threshold),
                       "train_rows": int(train.sum())},
           "xgboost": {"booster_file": "booster.json"}}
    if a.inline:
        with open(booster_path) as f:
            doc["xgboost"] = {"booster": json.load(f)}
    with open(os.path.join(a.out_dir, "model.json"), "w") as f:
        json.dump(doc, f, indent=2)
    with open(os.path.join(a.out_dir, "predictions.csv"), "w") as f:
        f.write("ts_ms,pool,split,p\n")
        for i in range(len(p)):
            f.write("%d,%s,%s,%.9g\n" % (ts[i], pools[i], split[i], p[i]))
    if a.sample:
        rng = np.random.default_rng(11)
        pick = np.sort(rng.choice(len(p), size=min(a.sample, len(p)), replace=False))
        with open(os.path.join(a.out_dir, "sample.csv"), "w") as f:
            f.write(",".join(catalogue_names + ["p"]) + "\n")
            for i in pick:
                f.write(",".join("nan" if np.isnan(v) else repr(float(v)) for v in catalogue[i]) + ",%.9g\n" % p[i])
    json.dump({"model": os.path.join(a.out_dir, "model.json"), "metrics": doc["metrics"]}, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()

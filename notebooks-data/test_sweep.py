#!/usr/bin/env python3
"""CI check: a gathered sweep (sgdmft sweep ... --out DIR) loads with NumPy and matches its points.

Run as /usr/bin/python3 notebooks-data/test_sweep.py DIR [DIR2]. Prints 'N passed, M failed'.
Checks, through load_curves.load_sweep: every gathered array is float64 with the grid's shape
(n1, ..., T) or (n1, ...); the axis files hold the values of axes.json and of each point's
meta.json params; each done point's own curves (points/NNNN/<obs>.npy) are the gathered slice,
bit for bit, and <obs>_final is their last value; points not done hold NaN; the status counts
are those of meta.json. With DIR2, the two sweeps' gathered arrays must be identical, bit for
bit (the local and the Slurm executor on the same sweep).
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from load_curves import load_sweep  # noqa: E402

passed, failed = 0, 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


def same(a, b):
    """Bit-identical float64 arrays (NaN equal to NaN)."""
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def check_sweep(path):
    sw = load_sweep(path)
    meta, shape = sw["meta"], sw["shape"]
    n = int(np.prod(shape))
    check(len(meta["points"]) == n, "%s: %d points for shape %s" % (path, len(meta["points"]), shape))
    check(list(shape) == meta["shape"], "%s: axes.json shape %s, meta.json %s" % (path, shape, meta["shape"]))
    counts = {s: int(np.sum(sw["status"] == s)) for s in ("done", "failed", "pending")}
    check(counts == {"done": meta["done"], "failed": meta["failed"], "pending": meta["pending"]},
          "%s: status counts %s, meta.json %s" % (path, counts, meta))
    for a in sw["axes"]:
        v = a["values"]
        check(len(v) == shape[a["dim"]], "%s: axis %s has %d values along a dim of %d" % (path, a["param"], len(v), shape[a["dim"]]))
        if isinstance(v, np.ndarray):
            check(v.dtype == np.float64 and v.shape == (shape[a["dim"]],), "%s: %s.npy dtype %s shape %s" % (path, a["param"], v.dtype, v.shape))
    t = sw["t"]
    shared = meta["shared_time"]
    if sw["curves"]:
        T = meta["times"]
        check(t.dtype == np.float64 and t.shape == ((T,) if shared else shape + (T,)), "%s: t shape %s" % (path, t.shape))
    for o, arr in sw["curves"].items():
        check(arr.dtype == np.float64 and arr.shape == shape + (meta["times"],), "%s: %s.npy shape %s" % (path, o, arr.shape))
    for o, arr in sw["final"].items():
        check(arr.dtype == np.float64 and arr.shape == shape, "%s: %s_final.npy shape %s" % (path, o, arr.shape))
    for p in meta["points"]:
        idx = np.unravel_index(p["index"], shape)
        d = os.path.join(path, p["dir"])
        if p["status"] != "done":
            for o, arr in sw["final"].items():
                check(np.isnan(arr[idx]), "%s point %d (%s): %s_final = %g, want NaN" % (path, p["index"], p["status"], o, arr[idx]))
            continue
        with open(os.path.join(d, "meta.json")) as f:
            pm = json.load(f)
        for a in sw["axes"]:
            want = a["values"][idx[a["dim"]]]
            got = pm["params"][a["param"]]
            check(got == want, "%s point %d: --%s = %r in its meta.json, axis value %r" % (path, p["index"], a["param"], got, want))
        if shared and t is not None:
            check(same(np.load(os.path.join(d, "t.npy")), t), "%s point %d: its t.npy differs from t.npy" % (path, p["index"]))
        for o, arr in sw["curves"].items():
            own = np.load(os.path.join(d, o + ".npy"))
            k = len(own)
            check(same(arr[idx][:k], own) and np.all(np.isnan(arr[idx][k:])),
                  "%s point %d: %s differs from its own curve" % (path, p["index"], o))
            check(same(sw["final"][o][idx], own[-1]), "%s point %d: %s_final is not its last value" % (path, p["index"], o))
    return sw


if len(sys.argv) < 2:
    print(__doc__)
    sys.exit(2)
a = check_sweep(sys.argv[1])
if len(sys.argv) > 2:
    b = check_sweep(sys.argv[2])
    check(a["curves"].keys() == b["curves"].keys(), "the sweeps have different observables")
    for name in sorted(set(a["curves"]) & set(b["curves"])):
        check(same(a["curves"][name], b["curves"][name]) and same(a["final"][name], b["final"][name]),
              "%s differs between %s and %s" % (name, sys.argv[1], sys.argv[2]))
    check(same(a["t"], b["t"]), "t differs between the sweeps")
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)

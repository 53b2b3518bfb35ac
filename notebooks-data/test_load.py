#!/usr/bin/env python3
"""CI check: every .npy in notebooks-data loads with NumPy and matches its meta.json.

Run as /usr/bin/python3 notebooks-data/test_load.py [root]. Prints 'N passed, M failed'.
Checks: every file is float64 and finite; shapes follow the recorded times
(T/(eta*every) + 1) and the simulated dims; t runs from 0 to T; the initial DMFT
values equal m0 and C0; error rates lie in [0, 1]; and the d -> infinity
extrapolation recomputed here from the stored simulation curves reproduces the
deviation each check in meta.json reports (to 1e-8 relative), so the data and
the verdicts are the same run.
"""
import json
import os
import sys

import numpy as np

root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
passed, failed = 0, 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


def extrapolate(dims, mean, se):
    """Weighted least squares mean = A + B/d (the Go validation.Extrapolate)."""
    se = np.where(se > 0, se, se[se > 0].min() if np.any(se > 0) else 1.0)
    w = 1 / se**2
    x = 1 / dims
    s, sx, sxx, sy, sxy = w.sum(), (w * x).sum(), (w * x * x).sum(), (w * mean).sum(), (w * x * mean).sum()
    return (sxx * sy - sx * sxy) / (s * sxx - sx * sx)


scen = sorted(d for d in os.listdir(root) if os.path.isfile(os.path.join(root, d, "meta.json")))
check(len(scen) > 0, "no scenario directories in " + root)
seen = set()
for name in scen:
    base = os.path.join(root, name)
    meta = json.load(open(os.path.join(base, "meta.json")))
    check(meta["Scenario"] == name, name + ": meta names " + meta["Scenario"])
    dims = np.array(meta["Dims"], dtype=float)
    for vm in meta["Variants"]:
        vd = os.path.join(base, vm["Dir"])
        p = vm["Problem"]
        ld = lambda stem: np.load(os.path.join(vd, stem + ".npy"))
        nt = int(round(p["T"] / (p["eta"] * meta["Every"]))) + 1
        t = ld("t")
        check(t.dtype == np.float64 and t.shape == (nt,), "%s/%s: t shape %s, want (%d,)" % (name, vm["Dir"], t.shape, nt))
        check(t[0] == 0 and abs(t[-1] - p["T"]) < 1e-9 * p["T"], "%s/%s: t from %g to %g, want 0 to %g" % (name, vm["Dir"], t[0], t[-1], p["T"]))
        check(np.array_equal(ld("dims"), dims), "%s/%s: dims differ from meta" % (name, vm["Dir"]))
        for o in meta["Observables"]:
            dm, ds = ld("dmft_" + o), ld("dmft_" + o + "_se")
            sm, ss = ld("sim_" + o), ld("sim_" + o + "_se")
            for arr, shape, what in ((dm, (nt,), "dmft"), (ds, (nt,), "dmft_se"), (sm, (len(dims), nt), "sim"), (ss, (len(dims), nt), "sim_se")):
                check(arr.dtype == np.float64 and arr.shape == shape and np.all(np.isfinite(arr)),
                      "%s/%s %s_%s: dtype %s shape %s, want float64 %s, finite" % (name, vm["Dir"], what, o, arr.dtype, arr.shape, shape))
            check(np.all(ds >= 0) and np.all(ss >= 0), "%s/%s %s: negative standard error" % (name, vm["Dir"], o))
            if o.endswith("_err"):
                check(np.all((dm >= 0) & (dm <= 1)) and np.all((sm >= 0) & (sm <= 1)), "%s/%s %s outside [0, 1]" % (name, vm["Dir"], o))
        check(abs(ld("dmft_m")[0] - p["m0"]) < 1e-12, "%s/%s: DMFT m(0) = %g, want m0 = %g" % (name, vm["Dir"], ld("dmft_m")[0], p["m0"]))
        check(abs(ld("dmft_Ctt")[0] - p["C0"]) < 1e-12, "%s/%s: DMFT Ctt(0) = %g, want C0 = %g" % (name, vm["Dir"], ld("dmft_Ctt")[0], p["C0"]))
        for c in vm["Checks"]:
            o = c["Observable"]
            j = int(np.argmin(abs(t - c["ExtrapTime"])))
            a = extrapolate(dims, ld("sim_" + o)[:, j], ld("sim_" + o + "_se")[:, j])
            if c["Reference"] == "dmft":
                ref = ld("dmft_" + o)[j]
            elif c["Reference"] == "theory":
                ref = ld("theory_" + o)[j]
            else:
                ref = vm["ERM"][o]
            dev = a - ref
            check(abs(dev - c["ExtrapDev"]) <= 1e-8 * max(1.0, abs(ref)),
                  "%s/%s %s vs %s: recomputed deviation %g, meta says %g" % (name, vm["Dir"], o, c["Reference"], dev, c["ExtrapDev"]))
    seen.add(name)

# Every .npy anywhere under root must have been covered by a scenario's meta.
for dirpath, _, files in os.walk(root):
    for f in files:
        if f.endswith(".npy"):
            rel = os.path.relpath(os.path.join(dirpath, f), root)
            a = np.load(os.path.join(dirpath, f))
            check(rel.split(os.sep)[0] in seen and a.dtype == np.float64, rel + ": not described by a meta.json or not float64")

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)

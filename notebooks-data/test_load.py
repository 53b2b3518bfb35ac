#!/usr/bin/env python3
"""CI check of notebooks-data: every scenario directory loads with NumPy, matches its
meta.json, passed its verdict, and was written by the current numerics.

Run as /usr/bin/python3 notebooks-data/test_load.py [root] [--level LEVEL] [--unstamped]
(root defaults to this directory, LEVEL to full). Prints 'N passed, M failed'
and exits 1 on a failure. --unstamped accepts outputs that name no commit or a
work tree with uncommitted changes, as the Go test of the layout writes.

Checks, per scenario directory (one per meta.json):
- provenance: NumericsVersion equals the constant in validation/version.go (the
  Go source beside this directory), the level is LEVEL, and the program version
  with the commit it was built from (a clean work tree), the exact command, the
  master seed and every ensemble's and DMFT's seed are recorded;
- verdicts: the scenario, every variant and every check passed, each check's
  p-value is at least its level FamilyAlpha/Comparisons;
- files: every .npy is float64 and finite with the shapes of the recorded times
  (T/(eta*every) + 1) and the simulated dims; t runs from 0 to T; the DMFT
  starts at m0 and C0; error rates lie in [0, 1] (mean squared errors, for real labels, are >= 0); standard errors are >= 0;
  report.md and plot.png are there;
- the numbers behind the verdicts: the d -> infinity extrapolation recomputed
  here from the stored curves (least squares in 1/d with weights seeds*d)
  reproduces each check's deviation, standard error and z (to 1e-8 relative),
  so the data and the verdicts are the same run.
Every .npy under root must belong to a scenario directory.
"""
import json
import math
import os
import re
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
args = [a for a in sys.argv[1:]]
level = "full"
unstamped = "--unstamped" in args
if unstamped:
    args.remove("--unstamped")
if "--level" in args:
    i = args.index("--level")
    level = args[i + 1]
    del args[i:i + 2]
root = args[0] if args else HERE
passed, failed = 0, 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


def close(a, b, rel=1e-8):
    a, b = float(a), float(b)
    if math.isinf(a) or math.isinf(b) or math.isnan(a) or math.isnan(b):
        return a == b or (math.isnan(a) and math.isnan(b))
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


def numerics_version():
    src = open(os.path.join(HERE, "..", "validation", "version.go")).read()
    m = re.search(r"^const NumericsVersion = (\d+)$", src, re.M)
    return int(m.group(1))


def coefficients(dims, seeds):
    """Intercept coefficients of the fit mean = A + B/d with weights seeds*d (validation.Coefficients)."""
    w = seeds * dims
    x = 1 / dims
    s, sx, sxx = w.sum(), (w * x).sum(), (w * x * x).sum()
    return w * (sxx - x * sx) / (s * sxx - sx * sx)


version = numerics_version()
scen = sorted(d for d in os.listdir(root) if os.path.isfile(os.path.join(root, d, "meta.json")))
check(len(scen) > 0, "no scenario directories in " + root)
seen = set()
for name in scen:
    base = os.path.join(root, name)
    meta = json.load(open(os.path.join(base, "meta.json")))
    check(meta.get("Scenario") == name, name + ": meta names " + str(meta.get("Scenario")))
    check(meta.get("NumericsVersion") == version,
          "%s: written by numerics version %s, the Go source is at %d: regenerate (see README.md)" % (name, meta.get("NumericsVersion"), version))
    check(meta.get("Level") == level, "%s: level %s, want %s" % (name, meta.get("Level"), level))
    check(unstamped or re.fullmatch(r".*\+[0-9a-f]{12}", str(meta.get("Version"))) is not None,
          "%s: version %s names no commit, or a work tree with uncommitted changes: regenerate from a clean, committed work tree" % (name, meta.get("Version")))
    check(bool(meta.get("Version")) and str(meta.get("Command", "")).startswith("sgdmft validate")
          and isinstance(meta.get("Seed"), int) and meta.get("Seed") > 0,
          "%s: provenance (Version, Command, Seed) missing" % name)
    check(meta.get("Pass") is True, name + ": the scenario's verdict is not a pass")
    for f in ("report.md", "plot.png"):
        p = os.path.join(base, f)
        check(os.path.isfile(p) and os.path.getsize(p) > 0, "%s: %s missing" % (name, f))
    png = os.path.join(base, "plot.png")
    check(os.path.isfile(png) and open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n", name + ": plot.png is not a PNG")
    try:
        dims = np.array(meta["Dims"], dtype=float)
        seeds = np.array(meta["Seeds"], dtype=float)
        c = coefficients(dims, seeds)
        for vm in meta["Variants"]:
            vd = os.path.join(base, vm["Dir"])
            what = "%s/%s" % (name, vm["Dir"])
            p = vm["Problem"]
            real_labels = p.get("data") == "teacher-student" and p.get("link") != "sign"
            ld = lambda stem: np.load(os.path.join(vd, stem + ".npy"))
            check(vm["Pass"] is True, what + ": the variant's verdict is not a pass")
            check(len(vm["SimSeeds"]) == len(dims) and all(isinstance(s, int) for s in vm["SimSeeds"]) and isinstance(vm["DMFTSeed"], int),
                  what + ": ensemble and DMFT seeds not recorded")
            # Records every Every steps of η; a coarsened flow scenario
            # (meta "Coarsen") steps Factor·η from time From on.
            k = int(round(p["T"] / p["eta"]))
            gaps = np.full(k // meta["Every"], p["eta"] * meta["Every"])
            co = meta.get("Coarsen")
            if co:
                k1 = int(round(co["From"] / p["eta"]))
                late = (k - k1) // co["Factor"]
                gaps = np.concatenate((np.full(k1 // meta["Every"], p["eta"] * meta["Every"]),
                                       np.full(late // meta["Every"], p["eta"] * meta["Every"] * co["Factor"])))
            want_t = np.concatenate(([0.0], np.cumsum(gaps)))
            nt = len(want_t)
            t = ld("t")
            check(t.dtype == np.float64 and t.shape == (nt,), "%s: t shape %s, want (%d,)" % (what, t.shape, nt))
            check(t.shape == want_t.shape and np.allclose(t, want_t, rtol=1e-9, atol=1e-9),
                  "%s: recorded times differ from the schedule of meta.json (every %d steps%s)" % (what, meta["Every"], ", coarsened %s" % co if co else ""))
            check(t[0] == 0 and abs(t[-1] - p["T"]) < 1e-9 * p["T"], "%s: t from %g to %g, want 0 to %g" % (what, t[0], t[-1], p["T"]))
            check(np.array_equal(ld("dims"), dims), what + ": dims differ from meta")
            compared = set(ch["Observable"] for ch in vm["Checks"])
            for o in meta["Observables"]:
                dm, ds = ld("dmft_" + o), ld("dmft_" + o + "_se")
                sm, ss = ld("sim_" + o), ld("sim_" + o + "_se")
                if o not in compared:
                    # Not compared in this scenario (the displacement of a
                    # gradient-flow scenario): the DMFT's curve is NaN throughout.
                    check(np.all(np.isnan(dm)) and np.all(np.isnan(ds)), "%s %s: not compared, but a DMFT curve is stored" % (what, o))
                    dm, ds = np.zeros_like(dm), np.zeros_like(ds)
                for arr, shape, kind in ((dm, (nt,), "dmft"), (ds, (nt,), "dmft_se"), (sm, (len(dims), nt), "sim"), (ss, (len(dims), nt), "sim_se")):
                    check(arr.dtype == np.float64 and arr.shape == shape and np.all(np.isfinite(arr)),
                          "%s %s_%s: dtype %s shape %s, want float64 %s, finite" % (what, kind, o, arr.dtype, arr.shape, shape))
                check(np.all(ds >= 0) and np.all(ss >= 0), "%s %s: negative standard error" % (what, o))
                if o.endswith("_err") and real_labels:
                    # Real labels (a linear or ReLU teacher): the errors are mean squared errors.
                    check(np.all(dm >= 0) and np.all(sm >= 0), "%s %s (a squared error) negative" % (what, o))
                elif o.endswith("_err"):
                    check(np.all((dm >= 0) & (dm <= 1)) and np.all((sm >= 0) & (sm <= 1)), "%s %s outside [0, 1]" % (what, o))
            check(abs(ld("dmft_m")[0] - p["m0"]) < 1e-12, "%s: DMFT m(0) = %g, want m0 = %g" % (what, ld("dmft_m")[0], p["m0"]))
            check(abs(ld("dmft_Ctt")[0] - p["C0"]) < 1e-12, "%s: DMFT Ctt(0) = %g, want C0 = %g" % (what, ld("dmft_Ctt")[0], p["C0"]))
            n = vm["Comparisons"]
            for ch in vm["Checks"]:
                o, ref = ch["Observable"], ch["Reference"]
                cw = "%s %s vs %s" % (what, o, ref)
                check(ch["Pass"] is True and ch["P"] >= ch["Alpha"], cw + ": the check failed")
                check(close(ch["Alpha"], meta["FamilyAlpha"] / n), cw + ": level %g is not FamilyAlpha/%d" % (ch["Alpha"], n))
                j = int(np.argmin(abs(t - ch["Time"])))
                ym, ys = ld("sim_" + o)[:, j], ld("sim_" + o + "_se")[:, j]
                a = (c * ym).sum()
                va = (c * c * ys * ys).sum()
                if ref == "dmft":
                    r, rse = ld("dmft_" + o)[j], ld("dmft_" + o + "_se")[j]
                elif ref == "theory":
                    r, rse = ld("theory_" + o)[j], 0.0
                else:
                    r, rse = vm["ERM"][o], 0.0
                dev, se = a - r, math.sqrt(va + rse * rse)
                check(close(dev, ch["Dev"]), "%s: recomputed deviation %g, meta says %s" % (cw, dev, ch["Dev"]))
                check(close(se, ch["SE"]), "%s: recomputed standard error %g, meta says %s" % (cw, se, ch["SE"]))
                if se > 0:
                    check(close(dev / se, ch["Z"], 1e-6), "%s: recomputed z %g, meta says %s" % (cw, dev / se, ch["Z"]))
    except (KeyError, OSError, TypeError, ValueError) as e:
        check(False, "%s: %s: %s (a stale layout? regenerate, see README.md)" % (name, type(e).__name__, e))
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

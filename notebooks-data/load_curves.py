#!/usr/bin/env python3
"""Load (and plot) the validation curves of sgdmft.

Each scenario directory holds meta.json and one folder per variant (v0, v1, ...)
with float64 .npy files; see README.md. Only NumPy is needed to load;
matplotlib, when present, draws the DMFT line and the simulations (±1 se).

    python3 load_curves.py                       # list scenarios
    python3 load_curves.py two-cluster-logistic-gd [out.png]

    from load_curves import load
    sc = load("two-cluster-logistic-gd")
    v = sc["variants"][0]
    v["t"], v["dmft"]["m"], v["dmft_se"]["m"], v["sim"]["m"][i_d], v["dims"]
"""
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def scenarios(root=HERE):
    """Names of the scenario directories under root."""
    return sorted(d for d in os.listdir(root) if os.path.isfile(os.path.join(root, d, "meta.json")))


def load(name, root=HERE):
    """Return a dict: meta (the parsed meta.json) and variants, a list of dicts
    with label, t (T,), dims (D,), dmft / dmft_se / theory: {obs: (T,)},
    sim / sim_se: {obs: (D, T)}."""
    base = os.path.join(root, name)
    with open(os.path.join(base, "meta.json")) as f:
        meta = json.load(f)
    out = {"meta": meta, "variants": []}
    for vm in meta["Variants"]:
        vd = os.path.join(base, vm["Dir"])
        ld = lambda stem: np.load(os.path.join(vd, stem + ".npy"))
        v = {"label": vm["Label"], "problem": vm["Problem"], "t": ld("t"), "dims": ld("dims"),
             "dmft": {}, "dmft_se": {}, "theory": {}, "sim": {}, "sim_se": {}}
        for o in meta["Observables"]:
            v["dmft"][o], v["dmft_se"][o] = ld("dmft_" + o), ld("dmft_" + o + "_se")
            v["sim"][o], v["sim_se"][o] = ld("sim_" + o), ld("sim_" + o + "_se")
            if os.path.exists(os.path.join(vd, "theory_" + o + ".npy")):
                v["theory"][o] = ld("theory_" + o)
        out["variants"].append(v)
    return out


def plot(name, path=None, root=HERE):
    """Plot a scenario, one panel per observable (needs matplotlib)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sc = load(name, root)
    obs = sc["meta"]["Observables"]
    fig, axes = plt.subplots(2, (len(obs) + 1) // 2, figsize=(15, 8))
    markers = "os^Dv<>"
    for ax, o in zip(axes.flat, obs):
        for vi, v in enumerate(sc["variants"]):
            c = "C%d" % vi
            lbl = v["label"] + " " if len(sc["variants"]) > 1 else ""
            ax.plot(v["t"], v["dmft"][o], "-", color=c, label=lbl + "DMFT")
            if o in v["theory"]:
                ax.plot(v["t"], v["theory"][o], "--", color="k", label=lbl + "exact")
            for i, d in enumerate(v["dims"]):
                ax.errorbar(v["t"], v["sim"][o][i], yerr=v["sim_se"][o][i], fmt=markers[i % len(markers)],
                            color=c, ms=3, alpha=0.7, label="%ssim d=%d" % (lbl, d) if vi == 0 or lbl else None)
        ax.set_title(o)
        ax.set_xlabel("t")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle(name)
    fig.tight_layout()
    if path:
        fig.savefig(path, dpi=100)
    else:
        plt.show()


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print("\n".join(scenarios()))
        sys.exit(0)
    sc = load(sys.argv[1])
    for v in sc["variants"]:
        print(v["label"], "t:", v["t"].shape, "dims:", v["dims"].astype(int).tolist(),
              "final DMFT test error: %.4f" % v["dmft"]["test_err"][-1])
    try:
        plot(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else sys.argv[1] + ".png")
    except ImportError:
        print("matplotlib not available: curves loaded, no plot")


# ---- Sweeps: the gathered arrays of `sgdmft sweep` -------------------------
#
#     from load_curves import load_sweep
#     sw = load_sweep("out/sweep")              # a directory of sgdmft sweep (after gather)
#     b = sw["axes"][0]["values"]               # the first swept parameter, (n1,)
#     sw["final"]["test_err"][i, j]             # test error at the last time, point (i, j)
#     sw["curves"]["test_err"][i, j, :], sw["t"]  # its whole curve
#     sw["status"][i, j]                        # "done", "failed" (arrays hold NaN) or "pending"

def load_sweep(path):
    """Load a gathered sweep directory (sgdmft sweep ... --out path, or sgdmft sweep gather path).

    Returns a dict: meta (meta.json: grid, command line, version, each point's status), shape
    (n1, n2, ...), axes (a list of dicts param, dim, values: a float64 array for numeric axes, a
    list of strings for text ones; zipped axes share a dim), t ((T,), or (n1, ..., T) when the
    points recorded different times), curves {obs: (n1, ..., T)} with the _se companions,
    final {obs: (n1, ...)} (each point's value at its last time, and scalar results such as
    theory erm's), and status, an (n1, ...) array of "done", "failed", "pending".
    Points not done hold NaN."""
    with open(os.path.join(path, "meta.json")) as f:
        meta = json.load(f)
    with open(os.path.join(path, "axes.json")) as f:
        ax = json.load(f)
    shape = tuple(ax["shape"])
    ld = lambda name: np.load(os.path.join(path, name + ".npy"))
    axes = []
    for a in ax["axes"]:
        values = np.load(os.path.join(path, a["file"])) if a.get("file") else list(a["values"])
        axes.append({"param": a["param"], "dim": a["dim"], "values": values})
    t = ld("t") if os.path.exists(os.path.join(path, "t.npy")) else None
    curves = {o: ld(o) for o in ax["observables"]}
    final = {o: ld(o + "_final") for o in ax["observables"] + ax.get("scalars", [])}
    status = np.full(shape, "pending", dtype=object)
    for p in meta["points"]:
        status[np.unravel_index(p["index"], shape)] = p["status"]
    return {"meta": meta, "shape": shape, "axes": axes, "t": t, "curves": curves, "final": final, "status": status}

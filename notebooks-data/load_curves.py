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

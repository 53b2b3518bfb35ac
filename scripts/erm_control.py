#!/usr/bin/python3
"""The ERM check of issue 9 with control variates.

Reads the logs of TestFlowMeasureLong (kind erm): one "cvrow" line per batch,
with the batch's m, C(t,t), training loss and test error at T and its control
variates minus their exact means (ermControl in dmft/flow_long_test.go), and
a "cvref" line with the ERM fixed point. For each observable it fits, over all
batches of all logs, the linear regression

    x_b = a + Σ_j β_j f_bj + ε_b

by least squares. The f_bj have mean zero exactly, so the intercept a
estimates the batches' mean without bias from the control variates (up to the
O(1/n) of a fitted β); its standard error is the usual one of least squares.
It prints, per observable, the plain mean over batches with its standard
error, the intercept with its standard error, both relative to the ERM, and
the fraction of the batches' variance the control variates leave. With
--split it also fits β on the even-numbered batches only and applies it to the
odd-numbered ones: a check that the fit does not tune the mean.

With --fit=LOG (repeatable), β is fitted on the batches of those logs alone
and applied, fixed, to the batches of the others: for runs with few, large
batches, too few to fit β on, whose control variates are those of the same
problem (the same cvref). The estimate stays unbiased for any β; its standard
error is then the spread of the adjusted batches, with batches − 1 degrees of
freedom.

    /usr/bin/python3 scripts/erm_control.py LOG... [--split] [--fit=LOG ...]
"""
import sys

import numpy as np

NAMES = ["m", "C(t,t)", "train loss", "test error"]


def read(paths):
    rows, groups, ref = [], [], None
    for g, path in enumerate(paths):
        for line in open(path):
            f = line.split()
            if "cvref" in f:
                r = [float(x) for x in f[f.index("cvref") + 1:]]
                if ref is not None and not np.allclose(r, ref, rtol=1e-12):
                    sys.exit(f"{path}: a different ERM fixed point {r} (not {ref})")
                ref = r
            elif "cvrow" in f:
                i = f.index("cvrow")
                rows.append([float(x) for x in f[i + 3:]])
                groups.append(g)
    if ref is None or not rows:
        sys.exit("no cvref or cvrow lines: run TestFlowMeasureLong with kind erm")
    return np.array(rows), np.array(groups), np.array(ref)


def fit(x, f):
    """Least squares of x on [1, f]: the intercept, its standard error, β."""
    a = np.column_stack([np.ones(len(x)), f])
    coef, _, rank, _ = np.linalg.lstsq(a, x, rcond=None)
    res = x - a @ coef
    dof = len(x) - rank  # rank < columns when every trajectory is in the response (the wr variates repeat)
    s2 = res @ res / dof
    cov = s2 * np.linalg.pinv(a.T @ a)
    return coef[0], np.sqrt(cov[0, 0]), coef[1:], s2


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    split = "--split" in sys.argv
    fitlogs = [a[len("--fit="):] for a in sys.argv[1:] if a.startswith("--fit=")]
    if fitlogs:
        frows, _, fref = read(fitlogs)
        rows, _, ref = read(args)
        if not np.allclose(fref, ref, rtol=1e-12):
            sys.exit(f"--fit logs have the ERM fixed point {fref}, the others {ref}: not the same problem")
        n = len(rows)
        if n < 2:
            sys.exit("--fit: want at least 2 batches to apply β to")
        print(f"β fitted on {len(frows)} batches of {len(fitlogs)} logs, applied to {n} batches of {len(args)} logs")
        print(f"{'':12} {'plain mean (rel. to ERM)':>28} {'with control variates':>28} {'variance left':>14}")
        for k, name in enumerate(NAMES):
            _, _, beta, _ = fit(frows[:, k], frows[:, 4:])
            x = rows[:, k]
            y = x - rows[:, 4:] @ beta
            m, s = x.mean(), x.std(ddof=1) / np.sqrt(n)
            a, sa = y.mean(), y.std(ddof=1) / np.sqrt(n)
            print(f"{name:12} {(m / ref[k] - 1):+13.2e} ± {s / abs(ref[k]):8.1e}    "
                  f"{(a / ref[k] - 1):+13.2e} ± {sa / abs(ref[k]):8.1e}    {y.var(ddof=1) / x.var(ddof=1):10.1e}")
        return
    rows, groups, ref = read(args)
    obs, f = rows[:, :4], rows[:, 4:]
    n = len(rows)
    print(f"{n} batches from {len(args)} logs; {f.shape[1]} control variates")
    print(f"{'':12} {'plain mean (rel. to ERM)':>28} {'with control variates':>28} {'variance left':>14}")
    for k, name in enumerate(NAMES):
        x = obs[:, k]
        mean, se = x.mean(), x.std(ddof=1) / np.sqrt(n)
        a, sa, beta, s2 = fit(x, f)
        print(f"{name:12} {(mean / ref[k] - 1):+13.2e} ± {se / abs(ref[k]):8.1e}    "
              f"{(a / ref[k] - 1):+13.2e} ± {sa / abs(ref[k]):8.1e}    {s2 / x.var(ddof=1):10.1e}")
    if split:
        idx = np.arange(n)
        tr, te = idx % 2 == 0, idx % 2 == 1
        if tr.sum() <= f.shape[1] + 2 or te.sum() < 2:
            sys.exit("--split: too few batches")
        print(f"β fitted on the even batches ({tr.sum()}), applied to the odd ({te.sum()}):")
        for k, name in enumerate(NAMES):
            _, _, beta, _ = fit(obs[tr, k], f[tr])
            y = obs[te, k] - f[te] @ beta
            m, s = y.mean(), y.std(ddof=1) / np.sqrt(te.sum())
            print(f"{name:12} {(m / ref[k] - 1):+13.2e} ± {s / abs(ref[k]):8.1e}")


if __name__ == "__main__":
    main()

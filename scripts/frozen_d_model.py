#!/usr/bin/python3
"""The adaptive gradient-flow DMFT's discrete fixed point, modelled with each
trajectory's D = L'' frozen at its ERM value (a measurement aid for
dmft/flow_long_test.go, TestFlowMeasureLong kind erm; not used by the
library or its tests).

It solves the ERM of spec/theory.md §3 for the two-cluster logistic problem
(α = 2, Δ = 0.5, ρ = 0.5, λ = 0.05 by default) by damped iteration with
Gauss–Hermite averages, independently of theory.ERM; prints its training
loss, the loss's sensitivity to m, q and V, and the kernels ν = αΔ⟨D⟩ and
∫Γ_reg; then, for each (h, θ), marches the solver's discrete equations
(dmft/flow.go: the exponential trapezoid step of G with the kernel row held
for the predictor, the response recursion with its implicit own-time term,
the pruning rule of flow_prune.go) on a uniform grid of step h with D frozen
(an infinite batch at stationarity), and prints ∫₀ᵀ G(T,s) ds on the
history, by the trapezoid rule as historyChi does, against χ = V/Δ.

    /usr/bin/python3 scripts/frozen_d_model.py 300 1:0.1 1:0 0.5:0 0.25:0.1

Arguments: T, then h:θ pairs (θ = 0: no pruning). Needs NumPy
(apt-get install -y python3-numpy). A run at T = 300 takes seconds without
pruning at h = 1 and about a minute at h = 0.5.
"""
import sys

import numpy as np

ALPHA, DELTA, RHO, LAM = 2.0, 0.5, 0.5, 0.05

X, WQ = np.polynomial.hermite_e.hermegauss(201)  # weight e^{-x²/2}
WQ = WQ / WQ.sum()


def dloss(z):
    """ℓ'(z), ℓ''(z) of the logistic loss ℓ(z) = log(1 + e^{-z})."""
    s = 1 / (1 + np.exp(z))
    return -s, s * (1 - s)


def loss(z):
    return np.logaddexp(0, -z)


def prox(om, y, v):
    """argmin_p (p − ω)²/(2V) + ℓ(y p), by Newton's method (ℓ is convex)."""
    p = om.copy()
    for _ in range(100):
        d1, d2 = dloss(y * p)
        p = p - ((p - om) / v + y * d1) / (1 / v + d2)
    return p


def classes(m, q, v):
    """Per class: y, its weight, the Gauss–Hermite ω, and the prox p."""
    for y, py in ((1, RHO), (-1, 1 - RHO)):
        om = y * m + np.sqrt(DELTA * q) * X
        yield y, py * WQ, om, prox(om, y, v)


def sample_side(m, q, v):
    vh = qh = mh = tl = 0.0
    for y, w, om, p in classes(m, q, v):
        f = (p - om) / v
        _, d2 = dloss(y * p)
        vh += ALPHA * np.sum(w * d2 / (1 + v * d2))
        qh += ALPHA * np.sum(w * f * f)
        mh += ALPHA * np.sum(w * y * f)
        tl += np.sum(w * loss(y * p))
    return vh, qh, mh, tl


def erm():
    m, q, v = 1.0, 1.0, 1.0
    for _ in range(5000):
        vh, qh, mh, _ = sample_side(m, q, v)
        k = 1 / (LAM + DELTA * vh)
        mn, qn, vn = mh * k, (DELTA * qh + mh * mh) * k * k, DELTA * k
        change = max(abs(mn - m), abs(qn - q), abs(vn - v))
        m, q, v = (m + mn) / 2, (q + qn) / 2, (v + vn) / 2
        if change < 1e-14:
            return m, q, v
    raise RuntimeError("the ERM iteration did not converge")


def prunable(hist, theta):
    """The history nodes flow_prune.go drops, left to right, no two adjacent."""
    out, tn = [], hist[-1]
    for j in range(1, len(hist) - 2):
        if out and out[-1] == j - 1:
            continue
        if hist[j + 1] - hist[j - 1] <= theta * min(tn - hist[j + 1], hist[j - 1]):
            out.append(j)
    return out


def trap(t, u, a, b):
    """The trapezoid weight of node u on [t_a, t_b] (flow.go's trap)."""
    if a == b:
        return 0.0
    if u == a:
        return (t[a + 1] - t[a]) / 2
    if u == b:
        return (t[b] - t[b - 1]) / 2
    return (t[u + 1] - t[u - 1]) / 2


def march(d, w, T, h, theta):
    """The discrete G with frozen D (values d, weights w); ∫₀ᵀ G(T,s) ds."""
    ad = ALPHA * DELTA
    nu = ad * np.sum(w * d)
    t, G, gam = [0.0], [np.array([1.0])], [np.array([-DELTA * ad * np.sum(w * d * d)])]
    while t[-1] < T - 1e-9:
        tt = t + [min(T, t[-1] + h)]
        n = len(t)
        i, hh = n - 1, tt[n] - t[n - 1]
        e = np.exp(-(LAM + nu) * hh)

        def grow(gn):
            fi, fn = np.zeros(n), np.zeros(n)
            for u in range(i + 1):
                if u > 0:
                    fi[:u] += trap(tt, u, 0, i) * gam[i][u] * G[u][:u]
                    fn[:u] += trap(tt, u, 0, n) * gn[u] * G[u][:u]
                if u < i:
                    fi[u] += (tt[u + 1] - tt[u]) / 2 * gam[i][u]
                fn[u] += (tt[u + 1] - tt[u]) / 2 * gn[u]
            row = np.empty(n + 1)
            row[:n] = (e * G[i] - hh / 2 * (e * fi + fn)) / (1 + hh * hh / 4 * gn[n])
            row[n] = 1.0
            return row

        def response(gn):
            y, wy = np.zeros((n + 1, len(d))), np.zeros((n + 1, len(d)))
            y[n] = -DELTA * d * d
            wy[n] = (tt[n] - tt[n - 1]) / 2 * y[n]
            for j in range(n - 1, -1, -1):
                s = np.zeros(len(d))
                for u in range(j + 1, n):
                    s += wy[u] * G[u][j]
                hj = (tt[j + 1] - tt[j]) / 2
                y[j] = -DELTA * d * ((d + wy[n]) * gn[j] + s) / (1 + DELTA * d * hj)
                wy[j] = ((tt[j + 1] - tt[j - 1]) / 2 if j > 0 else 0.0) * y[j]
            return ad * (y @ w)

        predicted = grow(np.append(gam[i], gam[i][i]))  # the kernel row held
        row = response(predicted)
        t.append(tt[n])
        G.append(grow(row))
        gam.append(row)
        if theta > 0:
            for k in reversed(prunable(t, theta)):
                del t[k], G[k], gam[k]
                for r in range(k, len(G)):
                    G[r], gam[r] = np.delete(G[r], k), np.delete(gam[r], k)
    hist, g = np.array(t), G[-1]
    return np.sum(np.diff(hist) / 2 * (g[1:] + g[:-1])), len(hist)


def main(argv):
    m, q, v = erm()
    chi = v / DELTA
    tl = sample_side(m, q, v)[3]
    print(f"ERM: m {m:.10f} q {q:.10f} V {v:.10f} χ = V/Δ {chi:.10f} training loss {tl:.10f}")
    for name, dx in (("m", (1e-4 * m, 0, 0)), ("q", (0, 1e-4 * q, 0)), ("V", (0, 0, 1e-4 * v))):
        t1 = sample_side(m + dx[0], q + dx[1], v + dx[2])[3]
        print(f"  δTL/TL per δ{name}/{name}: {(t1 - tl) / tl / 1e-4:+.4f}")
    d, w = [], []
    for y, wy, _, p in classes(m, q, v):
        d.append(dloss(y * p)[1])
        w.append(wy)
    d, w = np.concatenate(d), np.concatenate(w)
    keep = w > 1e-14
    d, w = d[keep], w[keep]
    ad = ALPHA * DELTA
    print(f"  ν = αΔ⟨D⟩ {ad * np.sum(w * d):.6f}, ∫Γ_reg {-ad * DELTA * np.sum(w * d * d * chi / (1 + DELTA * d * chi)):.6f}")
    if len(argv) < 2:
        return
    T = float(argv[1])
    for arg in argv[2:]:
        h, theta = (float(a) for a in arg.split(":"))
        c, nodes = march(d, w, T, h, theta)
        print(f"T {T:g} h {h:g} θ {theta:g}: {nodes} history nodes, ∫G {c:.6f}, relative to χ {c / chi - 1:+.3e}", flush=True)


if __name__ == "__main__":
    main(sys.argv)

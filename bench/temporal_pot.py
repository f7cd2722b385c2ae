"""POT's unbalanced Sinkhorn on the pair written by TemporalScale.java, and max |P_chreode - P_POT|.

usage: /usr/bin/python3 bench/temporal_pot.py DIR n m d epsilon tau cost_scale stopThr
POT convention (ot 0.8.2, sinkhorn_knopp_unbalanced): K = exp(-M/reg), u = (a/Kv)^fi, v = (b/K^T u)^fi with
fi = reg_m/(reg_m + reg); so reg = epsilon and reg_m = lambda = epsilon*tau/(1 - tau) give the same fixed point as
chreode's tau = lambda/(lambda + epsilon) (one reg_m for both sides: tau_a = tau_b).
"""
import json
import sys
import time

import numpy as np
import ot

d_, n, m, d, eps, tau, scale, stop = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), \
    float(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7]), float(sys.argv[8])
xs = np.fromfile(d_ + "/source.f64", dtype="<f8").reshape(n, d)
xt = np.fromfile(d_ + "/target.f64", dtype="<f8").reshape(m, d)
f = np.fromfile(d_ + "/f.f64", dtype="<f8")
g = np.fromfile(d_ + "/g.f64", dtype="<f8")
mu = np.vstack([xs, xt]).mean(axis=0)
xs = xs - mu
xt = xt - mu
M = (xs * xs).sum(1)[:, None] + (xt * xt).sum(1)[None, :] - 2 * xs @ xt.T
np.maximum(M, 0, out=M)
M /= scale
a = np.full(n, 1.0 / n)
b = np.full(m, 1.0 / m)
lam = eps * tau / (1 - tau)
t0 = time.time()
P_pot, log = ot.unbalanced.sinkhorn_unbalanced(a, b, M, eps, lam, method="sinkhorn", numItermax=100000,
                                               stopThr=stop, log=True)
pot_s = time.time() - t0
M -= f[:, None]
M -= g[None, :]
M *= -1.0 / eps
np.exp(M, out=M)  # M now holds chreode's coupling
diff = np.abs(M - P_pot).max()
print(json.dumps({"pot_s": round(pot_s, 3), "pot_iterations": len(log["err"]), "pot_final_err": log["err"][-1],
                  "reg": eps, "reg_m": lam, "max_abs_diff": float(diff), "max_entry": float(P_pot.max()),
                  "relative_max_diff": float(diff / P_pot.max()), "mass_chreode": float(M.sum()),
                  "mass_pot": float(P_pot.sum())}))

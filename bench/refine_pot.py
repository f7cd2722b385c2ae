"""POT peers and lower bounds of bench/refine_pot.sh, on the raw float64 files of bench/refine_points.py.

  python3 refine_pot.py emd      x.f64 y.f64 n d            exact OT (ot.emd), squared Euclidean, uniform weights
  python3 refine_pot.py sinkhorn x.f64 y.f64 n d rel_eps    ot.sinkhorn (scaling form, POT's default method) with
                                                            eps = rel_eps * mean(C), stopThr 1e-6, at most 5000
                                                            iterations; reports the primal cost <C, P>/sum(P) and the
                                                            marginal L1 error of P
  python3 refine_pot.py bounds   x.f64 y.f64 n d k reps     Gelbrich lower bound on W2^2 from the means and
                                                            covariances, and the exact cost (ot.emd) of `reps` random
                                                            k-subsamples of both sides (an UPWARD-biased estimate of
                                                            W2^2 between the full clouds: a subsample's optimal cost
                                                            exceeds the population cost on average)
Each prints one JSON line. Cost = mean over matched mass of the squared distance (= <C, P> with P summing to 1).
Needs POT (Debian python3-pot; /usr/bin/python3 on this machine). BLAS threads as the environment sets them."""
import json
import resource
import sys
import time

import numpy as np
import ot
import scipy.linalg


def load(path, n, d):
    return np.fromfile(path, dtype='<f8').reshape(n, d)


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def emd(x, y):
    n = len(x)
    t0 = time.time()
    c = ot.dist(x, y)                                   # squared Euclidean, n x n
    w = np.full(n, 1.0 / n)
    plan, log = ot.emd(w, w, c, numItermax=10 ** 9, log=True)
    seconds = time.time() - t0
    return {"impl": "pot-emd", "n": n, "seconds": round(seconds, 3), "cost": float(log["cost"]),
            "warning": log.get("warning"), "peak_rss_mib": round(peak_mib(), 1)}


def sinkhorn(x, y, rel_eps):
    n = len(x)
    t0 = time.time()
    c = ot.dist(x, y)
    eps = rel_eps * float(c.mean())
    w = np.full(n, 1.0 / n)
    plan, log = ot.sinkhorn(w, w, c, eps, method='sinkhorn', numItermax=5000, stopThr=1e-6, log=True)
    seconds = time.time() - t0
    marg = float(np.abs(plan.sum(1) - w).sum() + np.abs(plan.sum(0) - w).sum())
    return {"impl": "pot-sinkhorn", "n": n, "rel_eps": rel_eps, "eps": eps, "seconds": round(seconds, 3),
            "cost": float((plan * c).sum() / plan.sum()), "iterations": int(log.get("niter", -1)),
            "marginal_l1_error": marg, "peak_rss_mib": round(peak_mib(), 1)}


def gelbrich(x, y):
    """W2^2 >= |m_x - m_y|^2 + tr(Sx + Sy - 2 (Sx^1/2 Sy Sx^1/2)^1/2)  (Gelbrich 1990; equality for Gaussians)."""
    mx, my = x.mean(0), y.mean(0)
    sx, sy = np.cov(x, rowvar=False, bias=True), np.cov(y, rowvar=False, bias=True)
    rx = scipy.linalg.sqrtm(sx).real
    cross = scipy.linalg.sqrtm(rx @ sy @ rx).real
    return float(((mx - my) ** 2).sum() + np.trace(sx + sy - 2 * cross))


def bounds(x, y, k, reps):
    t0 = time.time()
    lower = gelbrich(x, y)
    rng = np.random.default_rng(12345)
    costs = []
    for _ in range(reps):
        i = rng.choice(len(x), size=k, replace=False)
        j = rng.choice(len(y), size=k, replace=False)
        w = np.full(k, 1.0 / k)
        costs.append(float(ot.emd2(w, w, ot.dist(x[i], y[j]), numItermax=10 ** 9)))
    return {"impl": "bounds", "n": len(x), "gelbrich_lower_bound": lower, "subsample_k": k, "subsample_reps": reps,
            "subsample_exact_costs": costs, "subsample_exact_mean": float(np.mean(costs)),
            "subsample_exact_sd": float(np.std(costs, ddof=1)) if reps > 1 else None,
            "seconds": round(time.time() - t0, 3)}


if __name__ == '__main__':
    mode, xp, yp, n, d = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    x, y = load(xp, n, d), load(yp, n, d)
    if mode == 'emd':
        out = emd(x, y)
    elif mode == 'sinkhorn':
        out = sinkhorn(x, y, float(sys.argv[6]))
    elif mode == 'bounds':
        out = bounds(x, y, int(sys.argv[6]), int(sys.argv[7]))
    else:
        raise SystemExit("unknown mode " + mode + " (emd, sinkhorn, bounds)")
    print(json.dumps(out))

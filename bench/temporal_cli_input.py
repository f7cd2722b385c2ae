"""Writes a two-time-point CSV for bench/temporal_cli_scale.sh: the generator of bench/TemporalScale.java in numpy.

usage: python3 bench/temporal_cli_input.py OUT.csv N M D [seed]
8 cluster centres c_k ~ N(0, 3^2 I_d); day 0: c_k + N(0, I_d), k uniform; day 1: c_k + delta_k + N(0, I_d),
delta_k ~ N(0, 0.5^2 I_d), k with weights 1 + k/4 (clusters grow at different rates). Columns: cell_id, day,
cell_type (C0..C7), f0..f{D-1}.
"""
import sys

import numpy as np

out, n, m, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = np.random.default_rng(int(sys.argv[5]) if len(sys.argv) > 5 else 1)
k = 8
centres = rng.normal(0, 3, (k, d))
drift = rng.normal(0, 0.5, (k, d))
src_k = rng.integers(0, k, n)
w = 1 + np.arange(k) / 4
tgt_k = rng.choice(k, m, p=w / w.sum())
xs = centres[src_k] + rng.normal(0, 1, (n, d))
xt = centres[tgt_k] + drift[tgt_k] + rng.normal(0, 1, (m, d))
with open(out, "w") as f:
    f.write("cell_id,day,cell_type," + ",".join("f%d" % j for j in range(d)) + "\n")
    for day, x, labels, prefix in ((0, xs, src_k, "a"), (1, xt, tgt_k, "b")):
        for i in range(x.shape[0]):
            f.write("%s%d,%d,C%d,%s\n" % (prefix, i, day, labels[i], ",".join("%.6f" % v for v in x[i])))

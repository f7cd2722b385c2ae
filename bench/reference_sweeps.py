"""Peer side of bench/multistage_sweeps.sh: the spec's reference MultistageOT (shared/tools/reference, dense numpy,
equal to the published code to 1e-15) on one input; prints one JSON line with sweeps, seconds per sweep, peak RSS.
Run with OPENBLAS_NUM_THREADS=1 for per-core numbers."""
import json
import os
import resource
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'shared', 'tools', 'reference'))
from multistageot_reference import MSOT  # noqa: E402

path, stages, eps, tol, patience = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
rows = [line.rstrip('\n').split(',') for line in open(path)][1:]
X = np.array([[float(r[1]), float(r[2])] for r in rows])
init = [i for i, r in enumerate(rows) if r[3] == 'initial']
term = [i for i, r in enumerate(rows) if r[3] == 'terminal']
t0 = time.perf_counter(); c0 = time.process_time()
model = MSOT(X, init, term, stages, eps)
setup = time.perf_counter() - t0
t1 = time.perf_counter(); c1 = time.process_time()
model.fit(tol=tol, patience=patience)
wall = time.perf_counter() - t1; cpu = time.process_time() - c1
sweeps = patience * (model.hist_checks - 1) + 1
print(json.dumps({"impl": "reference-numpy", "n": len(rows), "sweeps": sweeps, "checks": model.hist_checks,
                  "setup_s": setup, "solve_s": wall, "solve_cpu_s": cpu, "s_per_sweep": wall / sweeps,
                  "cpu_s_per_sweep": cpu / sweeps,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))

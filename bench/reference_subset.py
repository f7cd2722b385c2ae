"""Peer side of bench/partitioned_scale.sh: the spec's reference MultistageOT (shared/tools/reference, dense numpy)
on one subset written by `PartitionedScale subset` (columns cell_id,role,fate,x1..xD); prints one JSON line with
sweeps, seconds per sweep and peak RSS, like bench/reference_sweeps.py. Run with OPENBLAS_NUM_THREADS=1."""
import json
import os
import resource
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'shared', 'tools', 'reference'))
sys.path.insert(0, '/work/shared/tools/reference')
from multistageot_reference import MSOT  # noqa: E402

path, stages, eps, tol, patience = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
rows = [line.rstrip('\n').split(',') for line in open(path)][1:]
X = np.array([[float(v) for v in r[3:]] for r in rows])
init = [i for i, r in enumerate(rows) if r[1] == 'initial']
term = [i for i, r in enumerate(rows) if r[1] == 'terminal']
t0 = time.perf_counter()
model = MSOT(X, init, term, stages, eps)
setup = time.perf_counter() - t0
t1 = time.perf_counter(); c1 = time.process_time()
model.fit(tol=tol, patience=patience)
wall = time.perf_counter() - t1; cpu = time.process_time() - c1
sweeps = patience * (model.hist_checks - 1) + 1
print(json.dumps({"impl": "reference-numpy", "n": len(rows), "sweeps": sweeps, "setup_s": setup, "solve_s": wall,
                  "solve_cpu_s": cpu, "s_per_sweep": wall / sweeps, "cpu_s_per_sweep": cpu / sweeps,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))

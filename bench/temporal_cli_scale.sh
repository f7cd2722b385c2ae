#!/usr/bin/env bash
# chreode temporal end to end on one large pair (docs/benchmarks.md "Temporal OT at scale"): the whole CLI job
# (read, online solve, growth, cell-type tables, top-k sparse export written as Parquet, fates, run.json) with
# /usr/bin/time -v for wall time and peak RSS. Input: bench/temporal_cli_input.py (the TemporalScale generator,
# 8 clusters in 50-D, cell type = cluster).
#   bench/temporal_cli_scale.sh        env: N (75000 per time point), D (50), OMEGA (1.6), TOL (1e-6), TOPK (10),
#                                       MEM (driver heap, 8g), KEEP=1 keeps the work folder,
#                                       RANK=r: --rank r (balanced FRLC, tau 1) instead of the online entropic solve
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N=${N:-75000}; D=${D:-50}; OMEGA=${OMEGA:-1.6}; TOL=${TOL:-1e-6}; TOPK=${TOPK:-10}
WORK=$(mktemp -d)
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
python3 "$ROOT/bench/temporal_cli_input.py" "$WORK/pair.csv" "$N" "$N" "$D"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(java -version 2>&1 | head -1); N $N x $N, D $D"
echo "uptime before: $(uptime)"
if [ -n "${RANK:-}" ]; then
  SOLVER=(--rank "$RANK")
else
  SOLVER=(--epsilon 0.05 --tau-a 0.95 --tau-b 0.95 --tolerance "$TOL" --kernel online --over-relaxation "$OMEGA")
fi
CHREODE_DRIVER_MEMORY=${MEM:-8g} /usr/bin/time -v "$ROOT/submit/chreode" temporal --input "$WORK/pair.csv" \
    --output "$WORK/out" --feature-prefix f "${SOLVER[@]}" --top-k "$TOPK" >"$WORK/stdout" 2>"$WORK/stderr" || {
  tail -20 "$WORK/stderr"; exit 1; }
grep -E "iter [0-9]+/" "$WORK/stderr" | tail -2 | cut -c1-200 || true
cat "$WORK/stdout"
python3 - "$WORK/out/run.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
p = r["pairs"][0]
print("pair: kernel %s, %d x %d, %d iterations, converged %s, final change %.2e, marginal error %.2e, total mass %.6f"
      % (p["kernel"], p["source_cells"], p["target_cells"], p["iterations"], p["converged"],
         p["final_potential_change"], p["marginal_error"], p["total_mass"]))
print("export: %d entries kept, dropped mass %.4f (%.1f %%)" % (p["entries_kept"], p["dropped_mass"],
      100 * p["dropped_mass_fraction"]))
print("timings: " + ", ".join("%s %.1f" % (k, v) for k, v in r["timings"].items()) + f"; solve in task {p['solve_seconds']:.1f} s")
PY
grep -E "Maximum resident|Elapsed \(wall|User time|Percent of CPU" "$WORK/stderr"
echo "uptime after: $(uptime)"

#!/usr/bin/env bash
# Low-rank OT / Hierarchical Refinement benchmark (issue 4; docs/benchmarks.md): in one run,
#  (1) chreode HiRef vs POT's exact solver (ot.emd) and POT's Sinkhorn at n = 4096 and 16384 points per side
#      (cost ratio, time ratio, peak RSS), and
#  (2) chreode alone at 2^17, 2^18, 2^20 points per side (time, per-level time, peak RSS, primal cost) against a lower
#      bound (Gelbrich) and the exact cost of random k = 4096 subsamples (biased upward),
# all in 30-D on the seeded generator bench/refine_points.py (8-Gaussian mixture -> non-linearly warped Gaussian).
#   bench/refine_pot.sh
#   POT_SIZES="4096" SCALE_SIZES="131072" bench/refine_pot.sh        a subset
# Environment (defaults in brackets):
#   HIREF_OPTS   RefineScale key=value settings [maxBase=512 maxRank=16 depth=6 seed=0 projection=60 threads=$(nproc)]
#   SINKHORN_REL_EPS  POT Sinkhorn epsilon as a fraction of the mean cost [0.01]
#   EMD_TIMEOUT  seconds allowed to one ot.emd run before it is reported as failed (timed out) [1800]
#   BOUND_K, BOUND_REPS  subsample size and repetitions of the exact estimate [4096, 3]
#   JAVA_XMX     heap of the chreode JVM [10g]; KEEP=DIR keeps the point files and JSON lines in DIR
# Needs: /usr/bin/python3 with numpy, scipy and POT (Debian python3-pot), a JDK 17, Maven (compiles the kernels).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
read -r -a POT_N <<< "${POT_SIZES-4096 16384}"      # set to "" to skip a part
read -r -a SCALE_N <<< "${SCALE_SIZES-131072 262144 1048576}"
D=30; SEED=0
HIREF_OPTS=${HIREF_OPTS:-"maxBase=512 maxRank=16 depth=6 seed=0 projection=60 threads=$(nproc)"}
REL_EPS=${SINKHORN_REL_EPS:-0.01}
EMD_TIMEOUT=${EMD_TIMEOUT:-1800}
BOUND_K=${BOUND_K:-4096}; BOUND_REPS=${BOUND_REPS:-3}
PY=/usr/bin/python3
CLASSES="$ROOT/kernels/target/classes"
[ -f "$CLASSES/org/chreode/kernels/lowrank/HierarchicalRefinementSolver.class" ] \
  || (cd "$ROOT" && mvn -B -q -o compile -pl kernels)
if [ -n "${KEEP:-}" ]; then WORK="$KEEP"; mkdir -p "$WORK"; else WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT; fi
# a snapshot of the compiled kernels, so that a rebuild during a long run does not change the code under test
mkdir -p "$WORK/kernels-classes"; cp -r "$CLASSES/." "$WORK/kernels-classes/"; CLASSES="$WORK/kernels-classes"
javac --add-modules jdk.incubator.vector -nowarn -cp "$CLASSES" -d "$WORK" "$ROOT/bench/RefineScale.java" 2>/dev/null
JVM=(java -Xmx"${JAVA_XMX:-10g}" --add-modules jdk.incubator.vector -cp "$CLASSES:$WORK" RefineScale)

# Runs a command under /usr/bin/time -v; prints its JSON line with "wall_s" and "peak_rss_mib" (whole process) added.
measured() {
  local tag=$1; shift
  local err="$WORK/$tag.time"
  local out
  out=$( { /usr/bin/time -v "$@" 2> "$err"; } ) || true
  out=$(printf '%s\n' "$out" | grep '^{' | tail -1)
  [ -n "$out" ] || out='{"impl": "'"$tag"'", "failed": true}'
  $PY - "$out" "$err" <<'PY'
import json, re, sys
r = json.loads(sys.argv[1]); t = open(sys.argv[2]).read()
m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", t); r["peak_rss_mib"] = round(int(m.group(1)) / 1024, 1) if m else None
m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", t)
if m:
    parts = [float(p) for p in m.group(1).split(":")]; r["wall_s"] = round(sum(p * 60 ** i for i, p in enumerate(reversed(parts))), 2)
m = re.search(r"User time \(seconds\): ([\d.]+)", t); u = float(m.group(1)) if m else 0
m = re.search(r"System time \(seconds\): ([\d.]+)", t); r["cpu_s"] = round(u + (float(m.group(1)) if m else 0), 2)
if "Command exited with non-zero status" in t or "Command terminated by signal" in t:
    r["exit"] = [l.strip() for l in t.splitlines() if "Command" in l][:1]
print(json.dumps(r))
PY
}

echo "chreode commit: $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- kernels || echo ' (kernels modified)')"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(java -version 2>&1 | head -1); POT $($PY -c 'import ot; print(ot.__version__)')"
echo "chreode HiRef settings: $HIREF_OPTS; Sinkhorn eps = $REL_EPS x mean(C); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
RESULTS="$WORK/results.jsonl"; : > "$RESULTS"
pot_size() {
  local N=$1 C E S
  $PY "$ROOT/bench/refine_points.py" "$N" $D $SEED "$WORK/p$N"
  C=$(measured chreode "${JVM[@]}" "$WORK/p${N}_x.f64" "$WORK/p${N}_y.f64" "$N" $D $HIREF_OPTS)
  E=$(measured pot-emd timeout "$EMD_TIMEOUT" $PY "$ROOT/bench/refine_pot.py" emd "$WORK/p${N}_x.f64" "$WORK/p${N}_y.f64" "$N" $D)
  S=$(measured pot-sinkhorn $PY "$ROOT/bench/refine_pot.py" sinkhorn "$WORK/p${N}_x.f64" "$WORK/p${N}_y.f64" "$N" $D "$REL_EPS")
  printf '%s\n%s\n%s\n' "$C" "$E" "$S" >> "$RESULTS"
  $PY - "$N" "$C" "$E" "$S" <<'PY'
import json, sys
n = sys.argv[1]; c, e, s = (json.loads(a) for a in sys.argv[2:])
def f(r, k, fmt):
    return fmt % r[k] if r.get(k) is not None else "-"
print("n=%s" % n)
print("  %-18s %10s %10s %9s %10s  %s" % ("implementation", "cost", "seconds", "cpu_s", "peakMiB", "note"))
for r, note in ((c, "schedule %s, bijection %s, levels %s" % (c.get("schedule"), c.get("bijection"), c.get("level_seconds"))),
                (e, "timed out / failed" if e.get("failed") else ""),
                (s, "eps %.4g, %s iterations, marginal L1 error %.2g" % (s["eps"], s["iterations"], s["marginal_l1_error"]) if not s.get("failed") else "failed")):
    cost = r.get("primal_cost", r.get("cost"))
    print("  %-18s %10s %10s %9s %10s  %s" % (r["impl"], "%.4f" % cost if cost is not None else "-", f(r, "wall_s", "%.2f"),
          f(r, "cpu_s", "%.1f"), f(r, "peak_rss_mib", "%.0f"), note))
cc = c.get("primal_cost")
for r in (e, s):
    if r.get("cost") is not None and cc is not None:
        print("  ratio chreode / %-16s cost %.4f   time %.3f   peak memory %.3f" % (r["impl"], cc / r["cost"],
              c["wall_s"] / r["wall_s"], c["peak_rss_mib"] / r["peak_rss_mib"]))
PY
}
scale_size() {
  local N=$1 C B
  $PY "$ROOT/bench/refine_points.py" "$N" $D $SEED "$WORK/p$N"
  echo "n=$N: load before $(cut -d' ' -f1-3 /proc/loadavg)"
  C=$(measured chreode "${JVM[@]}" "$WORK/p${N}_x.f64" "$WORK/p${N}_y.f64" "$N" $D $HIREF_OPTS)
  B=$($PY "$ROOT/bench/refine_pot.py" bounds "$WORK/p${N}_x.f64" "$WORK/p${N}_y.f64" "$N" $D "$BOUND_K" "$BOUND_REPS")
  printf '%s\n%s\n' "$C" "$B" >> "$RESULTS"
  $PY - "$N" "$C" "$B" <<'PY'
import json, sys
n = sys.argv[1]; c, b = (json.loads(a) for a in sys.argv[2:])
print("  chreode HiRef: %.1f s wall (%.0f s CPU), peak RSS %.0f MiB, schedule %s, levels %s s, bijection %s" % (
      c["wall_s"], c["cpu_s"], c["peak_rss_mib"], c.get("schedule"), c.get("level_seconds"), c.get("bijection")))
cost = c["primal_cost"]
print("  primal cost %.4f; Gelbrich lower bound %.4f (ratio %.3f); exact cost of %d random %d-subsamples %.4f +- %.4f"
      " (ratio %.3f, estimate biased upward)" % (cost, b["gelbrich_lower_bound"], cost / b["gelbrich_lower_bound"],
      b["subsample_reps"], b["subsample_k"], b["subsample_exact_mean"], b["subsample_exact_sd"] or 0,
      cost / b["subsample_exact_mean"]))
PY
}
# The scale points run first: the long 2^20 solve should not wait behind a POT run that may time out.
for N in "${SCALE_N[@]}"; do scale_size "$N"; done
for N in "${POT_N[@]}"; do pot_size "$N"; done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg); JSON lines: $RESULTS"

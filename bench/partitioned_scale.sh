#!/usr/bin/env bash
# Partitioned MultistageOT snapshots at 10k / 100k / 1M cells end to end (issue 3 bench; docs/benchmarks.md
# "Partitioned snapshots: 10k/100k/1M"): the demo generator (no simulated futures) writes N cells x DIM features,
# `submit/chreode snapshot` runs the partitioned job (embedded local[2]) under /usr/bin/time -v; prints wall time,
# peak RSS and the per-phase times of run.json. Then the per-core throughput of the subset solver: subset 0 of the
# 10k partition at SIZE, chreode kernel (1 thread) vs the Python reference (single-threaded BLAS), seconds per sweep.
#   bench/partitioned_scale.sh [N ...]          default N = 10000 100000 1000000
# Env: SIZE (500) ROUNDS (2) K (32) PRECISION (float32) DIM (50) FATES (3) SEED (7) MEM (driver heap, 12g)
#      WORK (inputs and outputs, /tmp/chreode-scale) PEER (1: run the throughput comparison; 0: skip)
# Needs a JDK 17, Maven (builds the jars when missing), /usr/bin/time, python3 with numpy/scipy for the peer.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SIZES=("$@"); [ ${#SIZES[@]} -gt 0 ] || SIZES=(10000 100000 1000000)
SIZE=${SIZE:-500}; ROUNDS=${ROUNDS:-2}; K=${K:-32}; PRECISION=${PRECISION:-float32}
DIM=${DIM:-50}; FATES=${FATES:-3}; SEED=${SEED:-7}; MEM=${MEM:-12g}; WORK=${WORK:-/tmp/chreode-scale}; PEER=${PEER:-1}
CP_FILE="$ROOT/spark-jobs/target/launcher-classpath.txt"
jars() { ls "$ROOT"/spark-jobs/target/chreode-spark-jobs-*.jar "$ROOT"/kernels/target/chreode-kernels-*.jar \
  "$ROOT"/partitioning/target/chreode-partitioning-*.jar 2>/dev/null | grep -v -e tests -e sources -e cluster || true; }
if [ ! -f "$CP_FILE" ] || [ -z "$(jars)" ]; then (cd "$ROOT" && mvn -B -q -DskipTests package); fi
CP="$(jars | tr '\n' ':')$(cat "$CP_FILE")"
mkdir -p "$WORK/classes"
javac --add-modules jdk.incubator.vector -nowarn -cp "$CP" -d "$WORK/classes" "$ROOT/bench/PartitionedScale.java"
HELPER=(java -Xmx${MEM} --add-modules jdk.incubator.vector -cp "$CP:$WORK/classes" PartitionedScale)
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(java -version 2>&1 | head -1); load: $(uptime | sed 's/.*load average: //')"
echo "settings: --partition-size $SIZE --rounds $ROUNDS --transitions-per-cell $K --kernel-precision $PRECISION --threads 1; driver heap $MEM; dim $DIM, fates $FATES, seed $SEED"
for N in "${SIZES[@]}"; do
  IN="$WORK/demo_${N}x${DIM}.csv"
  if [ ! -s "$IN" ]; then
    g0=$(date +%s.%N); "${HELPER[@]}" generate "$N" "$FATES" "$DIM" "$SEED" "$IN.tmp" && mv "$IN.tmp" "$IN"
    echo "N=$N: generated $IN ($(du -h "$IN" | cut -f1)) in $(echo "$(date +%s.%N) - $g0" | bc) s"
  fi
  OUT="$WORK/out_${N}_${SIZE}_${ROUNDS}_${K}_${PRECISION}"
  LOG="$OUT.log"
  CHREODE_NO_BUILD=1 CHREODE_DRIVER_MEMORY=$MEM /usr/bin/time -v "$ROOT/submit/chreode" snapshot --input "$IN" \
    --output "$OUT" --overwrite --partition-size "$SIZE" --rounds "$ROUNDS" --transitions-per-cell "$K" \
    --kernel-precision "$PRECISION" --threads 1 > "$LOG" 2>&1 || { echo "N=$N: failed, see $LOG"; tail -5 "$LOG"; exit 1; }
  echo "N=$N: load after the run: $(uptime | sed 's/.*load average: //')"
  python3 "$ROOT/bench/scale_summary.py" "$N" "$OUT/run.json" "$LOG"
done
if [ "$PEER" = "1" ]; then
  SUB="$WORK/subset_${SIZE}.csv"
  "${HELPER[@]}" subset 10000 "$FATES" "$DIM" "$SEED" "$SIZE" "$ROUNDS" 0 "$SUB"
  REF=$(OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 python3 "$ROOT/bench/reference_subset.py" "$SUB" 10 0.05 1e-4 10)
  C64=$("${HELPER[@]}" sweeps "$SUB" 10 0.05 1e-4 10 float64 2>/dev/null)
  C32=$("${HELPER[@]}" sweeps "$SUB" 10 0.05 1e-4 10 float32 2>/dev/null)
  python3 - "$REF" "$C64" "$C32" <<'PY'
import json, sys
ref, *ours = [json.loads(a) for a in sys.argv[1:]]
print("subset solver, n = %d (subset 0 of the 10k partition), T = 11, eps 0.05, tol 1e-4, reference parity mode:" % ref["n"])
print("  %-24s sweeps %4d  s/sweep %.4f  (cpu s/sweep %.4f, peak %.0f MiB)" % (ref["impl"], ref["sweeps"], ref["s_per_sweep"], ref["cpu_s_per_sweep"], ref["peak_rss_mib"]))
for r in ours:
    print("  %-24s sweeps %4d  s/sweep %.4f  (cpu s/sweep %.4f, whole solve incl. setup and fates)  per core vs reference,"
          " CPU seconds per sweep: %.1fx" % (r["impl"], r["sweeps"], r["s_per_sweep"], r["cpu_s_per_sweep"],
                                            ref["cpu_s_per_sweep"] / r["cpu_s_per_sweep"]))
print("  (per core = the reference's CPU s/sweep of its fit / chreode's process CPU s/sweep of a whole solve; CPU time"
      " rather than wall time because the machine is shared)")
PY
fi

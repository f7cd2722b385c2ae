#!/usr/bin/env bash
# MultistageOT per-sweep speed and peak memory: the spec's reference algorithm (numpy, single-threaded BLAS) and the
# chreode kernel on the same inputs in one run, printing the ratios (issue "snapshot" bench; docs/benchmarks.md).
#   bench/multistage_sweeps.sh [N ...]          default N = 1000 3000 5000; T = 11, epsilon 0.05, tol 1e-4, patience 10
# Needs: python3 with numpy/scipy, a JDK 17, Maven (builds the kernels jar when missing).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SIZES=("$@"); [ ${#SIZES[@]} -gt 0 ] || SIZES=(1000 3000 5000)
STAGES=10; EPS=0.05; TOL=1e-4; PATIENCE=10
JAR=$(ls "$ROOT"/kernels/target/chreode-kernels-*.jar 2>/dev/null | grep -v tests | head -1 || true)
if [ -z "$JAR" ]; then (cd "$ROOT" && mvn -B -q -pl kernels -DskipTests package); JAR=$(ls "$ROOT"/kernels/target/chreode-kernels-*.jar | grep -v tests | head -1); fi
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
javac --add-modules jdk.incubator.vector -nowarn -cp "$JAR" -d "$WORK" "$ROOT/bench/MultistageSweeps.java" 2>/dev/null
# The kernel is one long-lived array and a sweep's garbage is a few vectors: a small young generation keeps that
# garbage from inflating the resident set. The last run of each size uses the JVM defaults for comparison.
JVM_OPTS=${BENCH_JVM_OPTS:-"-XX:+UseSerialGC -Xmn24m"}
JVM=(java -Xmx6g $JVM_OPTS --add-modules jdk.incubator.vector -cp "$JAR:$WORK" MultistageSweeps)
JVM_DEFAULT=(java -Xmx6g --add-modules jdk.incubator.vector -cp "$JAR:$WORK" MultistageSweeps)
echo "chreode JVM options: $JVM_OPTS (solves twice per JVM: peak RSS after the first, time from the second)"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(java -version 2>&1 | head -1); numpy $(python3 -c 'import numpy; print(numpy.__version__)')"
printf "%-6s %-26s %7s %10s %10s %10s\n" N implementation sweeps s/sweep peakMiB solve_s
for N in "${SIZES[@]}"; do
  python3 "$ROOT/bench/uniform_points.py" "$N" "$WORK/u$N.csv"
  REF=$(OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 python3 "$ROOT/bench/reference_sweeps.py" "$WORK/u$N.csv" $STAGES $EPS $TOL $PATIENCE)
  C1=$("${JVM[@]}" "$WORK/u$N.csv" $STAGES $EPS $TOL $PATIENCE 1 float64 2>/dev/null)
  C2=$("${JVM[@]}" "$WORK/u$N.csv" $STAGES $EPS $TOL $PATIENCE "$(nproc)" float64 2>/dev/null)
  C3=$("${JVM[@]}" "$WORK/u$N.csv" $STAGES $EPS $TOL $PATIENCE 1 float32 2>/dev/null)
  C4=$("${JVM_DEFAULT[@]}" "$WORK/u$N.csv" $STAGES $EPS $TOL $PATIENCE 1 float64 2>/dev/null | sed 's/-1thread/-1thread-jvmdefaults/')
  python3 - "$N" "$REF" "$C1" "$C2" "$C3" "$C4" <<'PY'
import json, sys
n = sys.argv[1]; runs = [json.loads(a) for a in sys.argv[2:]]
ref = runs[0]
for r in runs:
    print("%-6s %-26s %7d %10.4f %10.1f %10.2f" % (n, r["impl"], r["sweeps"], r["s_per_sweep"], r["peak_rss_mib"], r["solve_s"]))
for r in runs[1:]:
    per_core = r["s_per_sweep"] * int(r["impl"].split("-")[2].replace("thread", ""))
    print("%-6s   ratio %-18s speed/sweep %5.1fx  per core %5.1fx  peak memory 1/%.1f" % (n, r["impl"],
          ref["s_per_sweep"] / r["s_per_sweep"], ref["cpu_s_per_sweep"] / per_core, ref["peak_rss_mib"] / r["peak_rss_mib"]))
PY
done

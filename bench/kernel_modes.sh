#!/usr/bin/env bash
# --kernel stored vs online on the same MultistageOT solve (docs/kernel-modes.md): seconds per sweep, peak RSS, and
# the ratios online/stored. Same inputs and settings as bench/multistage_sweeps.sh (uniform 2-D points, T = 11,
# epsilon 0.05, tol 1e-4, patience 10, reference-parity mode), kernels only (no Spark).
#   bench/kernel_modes.sh [N ...]          default N = 1000 3000; THREADS (default 1) worker threads
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SIZES=("$@"); [ ${#SIZES[@]} -gt 0 ] || SIZES=(1000 3000)
STAGES=10; EPS=0.05; TOL=1e-4; PATIENCE=10; THREADS=${THREADS:-1}
JAR=${KERNELS_JAR:-$(ls "$ROOT"/kernels/target/chreode-kernels-*.jar 2>/dev/null | grep -v tests | head -1 || true)}
if [ -z "$JAR" ]; then (cd "$ROOT" && mvn -B -q -pl kernels -DskipTests package); JAR=$(ls "$ROOT"/kernels/target/chreode-kernels-*.jar | grep -v tests | head -1); fi
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
javac --add-modules jdk.incubator.vector -nowarn -cp "$JAR" -d "$WORK" "$ROOT/bench/MultistageSweeps.java" 2>/dev/null
JVM=(java -Xmx6g -XX:+UseSerialGC -Xmn24m --add-modules jdk.incubator.vector -cp "$JAR:$WORK" MultistageSweeps)
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(java -version 2>&1 | head -1); load $(cut -d' ' -f1-3 /proc/loadavg); threads $THREADS"
printf "%-6s %-8s %7s %10s %10s %10s %12s\n" N kernel sweeps s/sweep peakMiB solve_s kernel_MiB
for N in "${SIZES[@]}"; do
  python3 "$ROOT/bench/uniform_points.py" "$N" "$WORK/u$N.csv"
  S=$("${JVM[@]}" "$WORK/u$N.csv" $STAGES $EPS $TOL $PATIENCE "$THREADS" float64 stored 2>/dev/null)
  O=$("${JVM[@]}" "$WORK/u$N.csv" $STAGES $EPS $TOL $PATIENCE "$THREADS" float64 online 2>/dev/null)
  python3 - "$N" "$S" "$O" <<'PY'
import json, sys
n = sys.argv[1]; s, o = json.loads(sys.argv[2]), json.loads(sys.argv[3])
for r in (s, o):
    print("%-6s %-8s %7d %10.4f %10.1f %10.2f %12.1f" % (n, r["kernel_mode"], r["sweeps"], r["s_per_sweep"],
          r["peak_rss_mib"], r["solve_s"], r["kernel_bytes"] / 2**20))
print("%-6s   ratio online/stored: time per sweep %.1fx, peak RSS %.2fx, same sweeps: %s" % (n,
      o["s_per_sweep"] / s["s_per_sweep"], o["peak_rss_mib"] / s["peak_rss_mib"], s["sweeps"] == o["sweeps"]))
PY
done

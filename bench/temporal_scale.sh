#!/usr/bin/env bash
# Temporal OT at scale (docs/temporal.md "Scale", docs/benchmarks.md): generated 50-D pairs (bench/TemporalScale.java
# documents the generator), squared Euclidean / mean, epsilon 0.05, tau_a = tau_b = 0.95 (lambda = 0.95 in POT's
# reg_m), uniform marginals.
#   1. N1 x N1 (default 10000): chreode online kernel vs POT ot.unbalanced.sinkhorn_unbalanced (same eps, reg_m),
#      seconds, ratio and max |P_chreode - P_POT|;
#   2. N2 x N2 (default 75000): chreode alone, online, with /usr/bin/time -v peak RSS and wall time.
#   bench/temporal_scale.sh            env: N1, N2, THREADS (2), MAX2 (iteration cap for N2, default 10000),
#                                       OMEGA (over-relaxation, default 1.6), TI (ti|plain, default ti),
#                                       TOL (1e-9 for N1, potentials), TOL2 (1e-6 for N2), SKIP1/SKIP2=1 to skip
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N1=${N1:-10000}; N2=${N2:-75000}; THREADS=${THREADS:-2}; MAX2=${MAX2:-10000}; TOL=${TOL:-1e-9}; TOL2=${TOL2:-1e-6}
EPS=0.05; TAU=0.95; D=50; OMEGA=${OMEGA:-1.6}; TI=${TI:-ti}
JAR=${KERNELS_JAR:-$(ls "$ROOT"/kernels/target/chreode-kernels-*.jar 2>/dev/null | grep -v tests | head -1 || true)}
if [ -z "$JAR" ]; then (cd "$ROOT" && mvn -B -q -pl kernels -DskipTests package); JAR=$(ls "$ROOT"/kernels/target/chreode-kernels-*.jar | grep -v tests | head -1); fi
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
javac --add-modules jdk.incubator.vector -nowarn -cp "$JAR" -d "$WORK" "$ROOT/bench/TemporalScale.java" 2>/dev/null
JVM=(java -Xmx4g -XX:+UseSerialGC --add-modules jdk.incubator.vector -cp "$JAR:$WORK" TemporalScale)
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(java -version 2>&1 | head -1); POT $(/usr/bin/python3 -c 'import ot; print(ot.__version__)'); threads $THREADS, $TI, omega $OMEGA"
echo "uptime before: $(uptime)"
if [ "${SKIP1:-0}" != 1 ]; then
  C=$("${JVM[@]}" $N1 $N1 $D $EPS $TAU $TAU $TOL 100000 "$THREADS" online 1 "$WORK/pair" "$TI" 0 "$OMEGA" 2>"$WORK/c.err")
  echo "chreode $N1: $C"
  P=$(/usr/bin/python3 "$ROOT/bench/temporal_pot.py" "$WORK/pair" $N1 $N1 $D $EPS $TAU \
      "$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['cost_scale'])" "$C")" "$TOL")
  echo "POT     $N1: $P"
  python3 - "$C" "$P" <<'PY'
import json, sys
c, p = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print("ratio POT/chreode time %.2fx (chreode %.1f s, %d it; POT %.1f s, %d it); max |dP| %.3e (%.2e of max entry)"
      % (p["pot_s"] / c["solve_s"], c["solve_s"], c["iterations"], p["pot_s"], p["pot_iterations"],
         p["max_abs_diff"], p["relative_max_diff"]))
PY
  echo "uptime after $N1: $(uptime)"
fi
if [ "${SKIP2:-0}" != 1 ]; then
  /usr/bin/time -v "${JVM[@]}" $N2 $N2 $D $EPS $TAU $TAU $TOL2 "$MAX2" "$THREADS" online 1 - "$TI" 0 "$OMEGA" \
      >"$WORK/big.out" 2>"$WORK/big.err" || true
  grep -v WARNING "$WORK/big.err" | grep "iteration" | tail -3
  echo "chreode $N2: $(cat "$WORK/big.out")"
  grep -E "Maximum resident|Elapsed \(wall|User time|System time|Percent of CPU" "$WORK/big.err"
  echo "uptime after $N2: $(uptime)"
fi

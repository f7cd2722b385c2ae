#!/usr/bin/env bash
# HM-OT kernel time against the number of cells (docs/benchmarks.md "HM-OT scaling").
#   bench/hmot_scaling.sh [N ...]          cells per time point (default 1000 4000 16000)
# Env: DIM (30), HEAP (4g). Needs a JDK 17; compiles the kernels (mvn -q -o compile -pl kernels) when missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SIZES=("$@"); [ ${#SIZES[@]} -gt 0 ] || SIZES=(1000 4000 16000)
CLASSES="$ROOT/kernels/target/classes"
[ -f "$CLASSES/org/chreode/kernels/lowrank/HiddenMarkovOtSolver.class" ] || (cd "$ROOT" && mvn -B -q -o compile -pl kernels)
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
javac -nowarn -cp "$CLASSES" -d "$WORK" "$ROOT/bench/HmotScaling.java"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(java -version 2>&1 | head -1)"
java -Xmx${HEAP:-4g} -cp "$CLASSES:$WORK" HmotScaling "${DIM:-30}" "${SIZES[@]}"

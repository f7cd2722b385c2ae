#!/usr/bin/env bash
# Fidelity of the partitioned MultistageOT snapshot job vs one single dense solve (issue 3 item 5; docs/benchmarks.md
# "Partitioned snapshots: fidelity").
#   bench/partition_fidelity.sh [SIZE:ROUNDS:K ...]     K = a number or "all" (no truncation)
# Env: CELLS (10000), FATES (3), DIM (20), SEED (7), FUTURES (10), HEAP (12g).
# Needs a JDK 17 and Maven; builds the jars (mvn package -DskipTests) when missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GRID=("$@"); [ ${#GRID[@]} -gt 0 ] || GRID=(5000:3:128 5000:3:all 2500:3:128)
CP_FILE="$ROOT/spark-jobs/target/launcher-classpath.txt"
jars() { ls "$ROOT"/spark-jobs/target/chreode-spark-jobs-*.jar "$ROOT"/kernels/target/chreode-kernels-*.jar 2>/dev/null | grep -v -e tests -e sources -e cluster || true; }
if [ ! -f "$CP_FILE" ] || [ -z "$(jars)" ]; then (cd "$ROOT" && mvn -B -q -DskipTests package); fi
CP="$(jars | tr '\n' ':')$(cat "$CP_FILE")"
OPENS=$(sed -n 's:.*<chreode.jvm.opens>\(.*\)</chreode.jvm.opens>.*:\1:p' "$ROOT/pom.xml")
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
javac --add-modules jdk.incubator.vector -nowarn -cp "$CP" -d "$WORK" "$ROOT/bench/PartitionFidelity.java"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(java -version 2>&1 | head -1); local[2]"
# shellcheck disable=SC2086
SPARK_LOCAL_IP=127.0.0.1 java -Xmx${HEAP:-12g} $OPENS -cp "$CP:$WORK" PartitionFidelity "${CELLS:-10000}" \
  "${FATES:-3}" "${DIM:-20}" "${SEED:-7}" "${FUTURES:-10}" "${GRID[@]}" 2> "${LOG:-/dev/null}"

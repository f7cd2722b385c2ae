# shellcheck shell=bash
# Shared by submit/chreode-standalone, submit/chreode-yarn and submit/chreode-k8s (docs/launchers.md):
# builds one spark-submit command line for the cluster jar from a profile (conf/profiles/<name>.conf, in
# spark-defaults format), the JDK 17 JVM flags of the parent pom (property chreode.jvm.opens) and the chreode
# arguments, then prints it (--dry-run) or runs it. Each launcher sets LAUNCHER, MASTER, DEPLOY_MODE and its own
# options through the hooks cluster_usage_extra, cluster_parse_extra and cluster_conf_extra.
set -euo pipefail

MAIN_CLASS="org.chreode.jobs.cli.ChreodeCli"

# Repository root: two levels above this file (submit/lib/), following symlinks of the launcher itself.
cluster_root() {
  local here
  here="$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  cd -P "$here/../.." && pwd
}
ROOT="$(cluster_root)"

cluster_die() {
  echo "$LAUNCHER: error: $*" >&2
  exit 2
}

# The project version from the parent pom (the first <version> after the artifactId chreode-parent).
cluster_version() {
  sed -n '/<artifactId>chreode-parent<\/artifactId>/,/<\/version>/s:.*<version>\(.*\)</version>.*:\1:p' \
    "$ROOT/pom.xml" | head -n 1
}

# The JDK 17 JVM flags Spark and chreode need: one list, the parent pom's property chreode.jvm.opens.
cluster_jvm_opens() {
  local opens
  opens="$(sed -n 's:.*<chreode.jvm.opens>\(.*\)</chreode.jvm.opens>.*:\1:p' "$ROOT/pom.xml")"
  [ -n "$opens" ] || cluster_die "cannot read the property chreode.jvm.opens from $ROOT/pom.xml."
  printf '%s' "$opens"
}

# Quotes one word for a POSIX shell only when it needs it, so that the printed line can be pasted back.
cluster_quote() {
  local w="$1"
  if [[ -n "$w" && "$w" =~ ^[A-Za-z0-9_./:=,@%+-]+$ ]]; then
    printf '%s' "$w"
  else
    printf "'%s'" "${w//\'/\'\\\'\'}"
  fi
}

cluster_usage() {
  cat <<USAGE
Usage: submit/$LAUNCHER [launcher options] [--] <chreode command> [chreode options]

Submits chreode (main class $MAIN_CLASS) to $CLUSTER_KIND with spark-submit, using the
cluster jar (chreode-spark-jobs-<version>-cluster.jar: chreode and its small dependencies, Spark provided by
the cluster). The first word that is not a launcher option starts the chreode arguments, which are passed
through unchanged, e.g.

  submit/$LAUNCHER $EXAMPLE_ARGS--profile medium snapshot --input data/cells.parquet --output out/ --stages 10

Launcher options (defaults in brackets):
  --profile NAME        resource profile conf/profiles/NAME.conf: small (<=10k cells per subset),
                        medium (<=30k), large (<=50k); see docs/launchers.md [${PROFILE}]
  --profile-file PATH   a profile file in spark-defaults format instead of --profile
  --conf KEY=VALUE      extra Spark property, after the profile's (repeatable; later wins)
  --jar PATH|URL        the application jar [$JAR_HELP]
  --name NAME           Spark application name [chreode <command>]
  --spark-submit PATH   the spark-submit binary [\$SPARK_HOME/bin/spark-submit, else spark-submit on PATH]
  --dry-run             print the exact spark-submit command line on stdout and exit without running it
  -h, --help            print this help and exit
USAGE
  cluster_usage_extra
  cat <<USAGE

Both spark.driver.extraJavaOptions and spark.executor.extraJavaOptions carry the JDK 17 flags of the parent
pom (property chreode.jvm.opens, including --add-modules=jdk.incubator.vector); extraJavaOptions given in the
profile or with --conf are appended to them.
Environment: SPARK_HOME, CHREODE_NO_BUILD=1 (never build the jar when it is missing).
USAGE
}

# Parses the launcher options; leaves the chreode arguments in CHREODE_ARGS.
cluster_parse() {
  DRY_RUN=0
  PROFILE_FILE=""
  EXTRA_CONF=()
  APP_NAME=""
  SPARK_SUBMIT=""
  CHREODE_ARGS=()
  while [ $# -gt 0 ]; do
    case "$1" in
      -h|--help) cluster_usage; exit 0 ;;
      --dry-run) DRY_RUN=1; shift ;;
      --profile) [ $# -ge 2 ] || cluster_die "--profile needs a name."; PROFILE="$2"; shift 2 ;;
      --profile=*) PROFILE="${1#*=}"; shift ;;
      --profile-file) [ $# -ge 2 ] || cluster_die "--profile-file needs a path."; PROFILE_FILE="$2"; shift 2 ;;
      --profile-file=*) PROFILE_FILE="${1#*=}"; shift ;;
      --conf) [ $# -ge 2 ] || cluster_die "--conf needs KEY=VALUE."; EXTRA_CONF+=("$2"); shift 2 ;;
      --conf=*) EXTRA_CONF+=("${1#*=}"); shift ;;
      --jar) [ $# -ge 2 ] || cluster_die "--jar needs a path."; JAR="$2"; JAR_GIVEN=1; shift 2 ;;
      --jar=*) JAR="${1#*=}"; JAR_GIVEN=1; shift ;;
      --name) [ $# -ge 2 ] || cluster_die "--name needs a value."; APP_NAME="$2"; shift 2 ;;
      --name=*) APP_NAME="${1#*=}"; shift ;;
      --spark-submit) [ $# -ge 2 ] || cluster_die "--spark-submit needs a path."; SPARK_SUBMIT="$2"; shift 2 ;;
      --spark-submit=*) SPARK_SUBMIT="${1#*=}"; shift ;;
      --) shift; CHREODE_ARGS=("$@"); break ;;
      -*)
        if cluster_parse_extra "$@"; then
          shift "$CONSUMED"
        else
          cluster_die "unknown launcher option '$1' (chreode options go after the chreode command); see --help."
        fi ;;
      *) CHREODE_ARGS=("$@"); break ;;
    esac
  done
  [ ${#CHREODE_ARGS[@]} -gt 0 ] || cluster_die "no chreode command given (e.g. snapshot --input ... --output ...); see --help."
  if [ -z "$PROFILE_FILE" ]; then
    PROFILE_FILE="$ROOT/conf/profiles/$PROFILE.conf"
    [ -f "$PROFILE_FILE" ] || cluster_die "no profile '$PROFILE' (looked for $PROFILE_FILE); available: $(cd "$ROOT/conf/profiles" && ls -- *.conf | sed 's/\.conf$//' | tr '\n' ' ')"
  fi
  [ -f "$PROFILE_FILE" ] || cluster_die "the profile file $PROFILE_FILE does not exist."
  [ -n "$APP_NAME" ] || APP_NAME="chreode ${CHREODE_ARGS[0]}"
  if [ -z "$SPARK_SUBMIT" ]; then
    if [ -n "${SPARK_HOME:-}" ]; then SPARK_SUBMIT="$SPARK_HOME/bin/spark-submit"; else SPARK_SUBMIT="spark-submit"; fi
  fi
  for kv in "${EXTRA_CONF[@]+"${EXTRA_CONF[@]}"}"; do
    [[ "$kv" == *=* ]] || cluster_die "--conf '$kv' is not KEY=VALUE."
  done
}

# Reads a spark-defaults file ("key value" or "key=value" per line, # comments) into PROFILE_KEYS / PROFILE_VALUES.
cluster_read_profile() {
  PROFILE_KEYS=()
  PROFILE_VALUES=()
  local line key value
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line%%$'\r'}"
    line="$(printf '%s' "$line" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//')"
    [ -z "$line" ] && continue
    [[ "$line" == \#* ]] && continue
    if [[ "$line" =~ ^([^[:space:]=]+)[[:space:]]*[=[:space:]][[:space:]]*(.*)$ ]]; then
      key="${BASH_REMATCH[1]}"; value="${BASH_REMATCH[2]}"
    else
      cluster_die "$PROFILE_FILE: cannot read the line '$line' (expected 'key value')."
    fi
    PROFILE_KEYS+=("$key")
    PROFILE_VALUES+=("$value")
  done < "$PROFILE_FILE"
}

# Builds CMD: the whole spark-submit command line.
cluster_build() {
  local opens driver_opts executor_opts i key value kv
  opens="$(cluster_jvm_opens)"
  driver_opts="$opens"
  executor_opts="$opens"
  cluster_read_profile
  local confs=()
  for i in "${!PROFILE_KEYS[@]}"; do
    key="${PROFILE_KEYS[$i]}"; value="${PROFILE_VALUES[$i]}"
    case "$key" in
      spark.driver.extraJavaOptions) driver_opts="$driver_opts $value" ;;
      spark.executor.extraJavaOptions) executor_opts="$executor_opts $value" ;;
      *) confs+=("$key=$value") ;;
    esac
  done
  cluster_conf_extra   # launcher-specific properties, appended to confs
  for kv in "${EXTRA_CONF[@]+"${EXTRA_CONF[@]}"}"; do
    case "${kv%%=*}" in
      spark.driver.extraJavaOptions) driver_opts="$driver_opts ${kv#*=}" ;;
      spark.executor.extraJavaOptions) executor_opts="$executor_opts ${kv#*=}" ;;
      *) # --conf replaces the same key from the profile or the launcher
        local kept=() c
        for c in "${confs[@]+"${confs[@]}"}"; do
          [ "${c%%=*}" = "${kv%%=*}" ] || kept+=("$c")
        done
        confs=("${kept[@]+"${kept[@]}"}" "$kv") ;;
    esac
  done
  CMD=("$SPARK_SUBMIT" --master "$MASTER" --deploy-mode "$DEPLOY_MODE" --name "$APP_NAME" --class "$MAIN_CLASS")
  CMD+=("${LAUNCHER_ARGS[@]+"${LAUNCHER_ARGS[@]}"}")
  for kv in "${confs[@]+"${confs[@]}"}"; do
    CMD+=(--conf "$kv")
  done
  CMD+=(--conf "spark.driver.extraJavaOptions=$driver_opts" --conf "spark.executor.extraJavaOptions=$executor_opts")
  CMD+=("$JAR" "${CHREODE_ARGS[@]}")
}

cluster_print() {
  local first=1 w
  for w in "${CMD[@]}"; do
    [ $first -eq 1 ] || printf ' '
    first=0
    cluster_quote "$w"
  done
  printf '\n'
}

# Builds the cluster jar when the default local jar is missing (like submit/chreode does on first use).
cluster_ensure_jar() {
  case "$JAR" in
    *://*) return 0 ;;
  esac
  [ -f "$JAR" ] && return 0
  if [ "${JAR_GIVEN:-0}" = "1" ] || [ "${CHREODE_NO_BUILD:-0}" = "1" ]; then
    cluster_die "the jar $JAR does not exist; build it with 'mvn -B -DskipTests package' in $ROOT."
  fi
  command -v mvn >/dev/null 2>&1 || cluster_die "the jar $JAR is missing and Maven (mvn) is not on PATH to build it; install Maven 3.8+ and JDK 17."
  echo "$LAUNCHER: building the cluster jar (mvn -B -q -DskipTests package) ..." >&2
  (cd "$ROOT" && mvn -B -q -DskipTests package) >&2 || cluster_die "the build failed; run 'mvn -B -DskipTests package' in $ROOT to see why."
  [ -f "$JAR" ] || cluster_die "the build did not produce $JAR."
}

# Entry point of every launcher.
cluster_main() {
  VERSION="$(cluster_version)"
  [ -n "$VERSION" ] || cluster_die "cannot read the project version from $ROOT/pom.xml."
  [ -n "${JAR:-}" ] || JAR="$ROOT/spark-jobs/target/chreode-spark-jobs-$VERSION-cluster.jar"
  cluster_parse "$@"
  cluster_validate
  cluster_build
  if [ "$DRY_RUN" = "1" ]; then
    cluster_print
    exit 0
  fi
  cluster_ensure_jar
  if [[ "$SPARK_SUBMIT" == */* ]]; then
    [ -x "$SPARK_SUBMIT" ] || cluster_die "$SPARK_SUBMIT is not an executable spark-submit; set SPARK_HOME or use --spark-submit."
  else
    command -v "$SPARK_SUBMIT" >/dev/null 2>&1 || cluster_die "spark-submit is not on PATH; set SPARK_HOME or use --spark-submit (Spark 4.0.x, Scala 2.13)."
  fi
  echo "$LAUNCHER: $(cluster_print)" >&2
  exec "${CMD[@]}"
}

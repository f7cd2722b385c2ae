"""Airflow DAG example: run ``chreode snapshot`` on a Spark cluster with SparkSubmitOperator.

The Spark properties are read from the same profile files the launchers use (conf/profiles/<name>.conf, in
spark-defaults format) and the JDK 17 JVM flags from the parent pom's property ``chreode.jvm.opens``, so the
submitted command matches ``submit/chreode-yarn --profile <name> --dry-run ...`` (see docs/launchers.md).

Deploy: copy this file to the DAGs folder, set CHREODE_HOME to a checkout (or an unpacked release) holding
conf/ and pom.xml, put the cluster jar where CHREODE_JAR points, and define an Airflow connection
``spark_chreode`` (type Spark) whose host is the master (``yarn``, ``spark://head:7077`` or
``k8s://https://api:6443``) and whose extra sets ``deploy-mode``/``queue`` as needed.
Needs the provider package apache-airflow-providers-apache-spark.
"""
from __future__ import annotations

import os
import re
from datetime import datetime

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

CHREODE_HOME = os.environ.get("CHREODE_HOME", "/opt/chreode")
CHREODE_VERSION = os.environ.get("CHREODE_VERSION", "0.1.0-SNAPSHOT")
CHREODE_JAR = os.environ.get(
    "CHREODE_JAR", f"{CHREODE_HOME}/spark-jobs/target/chreode-spark-jobs-{CHREODE_VERSION}-cluster.jar")
PROFILE = os.environ.get("CHREODE_PROFILE", "medium")
MAIN_CLASS = "org.chreode.jobs.cli.ChreodeCli"

# Fallback when pom.xml is not deployed next to the DAG: the same list as the pom property.
DEFAULT_JVM_OPENS = " ".join(
    ["--add-modules=jdk.incubator.vector"]
    + [f"--add-opens=java.base/{p}=ALL-UNNAMED" for p in (
        "java.nio", "sun.nio.ch", "java.lang", "java.util", "java.lang.invoke", "java.util.concurrent",
        "sun.nio.cs", "sun.security.action", "java.net", "java.io", "sun.util.calendar")]
    + ["-Djdk.reflect.useDirectMethodHandle=false"])


def read_profile(name: str) -> dict[str, str]:
    """Reads conf/profiles/<name>.conf (spark-defaults format: 'key value' per line, '#' comments)."""
    conf: dict[str, str] = {}
    path = os.path.join(CHREODE_HOME, "conf", "profiles", f"{name}.conf")
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, _, value = re.split(r"(\s+|=)", line, maxsplit=1)
            conf[key] = value.strip()
    return conf


def jvm_opens() -> str:
    """The JDK 17 flags from the parent pom (property chreode.jvm.opens), or the built-in copy."""
    try:
        with open(os.path.join(CHREODE_HOME, "pom.xml"), encoding="utf-8") as f:
            m = re.search(r"<chreode\.jvm\.opens>(.*?)</chreode\.jvm\.opens>", f.read())
            return m.group(1) if m else DEFAULT_JVM_OPENS
    except OSError:
        return DEFAULT_JVM_OPENS


def spark_conf(profile: str) -> dict[str, str]:
    conf = read_profile(profile)
    opens = jvm_opens()
    for key in ("spark.driver.extraJavaOptions", "spark.executor.extraJavaOptions"):
        conf[key] = (opens + " " + conf.get(key, "")).strip()
    return conf


with DAG(
    dag_id="chreode_snapshot",
    description="MultistageOT snapshot inference with chreode",
    start_date=datetime(2025, 1, 1),
    schedule=None,
    catchup=False,
    params={"input": "hdfs:///data/cells.parquet", "output": "hdfs:///results/chreode/{{ ds_nodash }}",
            "stages": 10},
    tags=["chreode"],
) as dag:
    snapshot = SparkSubmitOperator(
        task_id="chreode_snapshot",
        conn_id="spark_chreode",
        application=CHREODE_JAR,
        java_class=MAIN_CLASS,
        name="chreode snapshot",
        conf=spark_conf(PROFILE),
        application_args=[
            "snapshot",
            "--input", "{{ params.input }}",
            "--output", "{{ params.output }}",
            "--stages", "{{ params.stages }}",
            "--overwrite",
        ],
    )

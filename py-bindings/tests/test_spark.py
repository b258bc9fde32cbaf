"""Spark SQL over a partitioned dataset made from several runs, against ttlog-view on the same
files. Installing Spark costs minutes, so this runs only with TTLOG_SPARK=1
(scripts/test-spark installs pyspark and sets it); Java 17 must be on the PATH."""

import os
import subprocess

import pytest

from test_export import fleet, ttlog_view

pytestmark = pytest.mark.skipif(os.environ.get("TTLOG_SPARK") != "1", reason="set TTLOG_SPARK=1 (scripts/test-spark)")


def test_spark_counts_errors_per_target_as_ttlog_view_does(tmp_path):
    pyspark = pytest.importorskip("pyspark.sql")
    files = [str(p) for p in fleet(tmp_path)]
    out = tmp_path / "dataset"
    subprocess.run([ttlog_view(), "convert", *files, "--to", "parquet", "--partition-by", "service,date",
                    "-o", str(out)], check=True)
    # Spark has no nanosecond timestamp type: it reads `ts` as the ns count (a long) with this.
    spark = (pyspark.SparkSession.builder.master("local[1]").appName("ttlog")
             .config("spark.sql.legacy.parquet.nanosAsLong", "true").getOrCreate())
    try:
        spark.read.parquet(str(out)).createOrReplaceTempView("events")
        rows = spark.sql("select service, target, count(*) as n from events where level = 'ERROR' "
                         "group by service, target order by target").collect()
        spark_answer = {(r["service"], r["target"]): r["n"] for r in rows}
    finally:
        spark.stop()
    view = subprocess.run([ttlog_view(), *files, "-f", "level=ERROR", "--format", "json"],
                          capture_output=True, text=True, check=True)
    import json
    from collections import Counter

    view_answer = Counter(("knee", json.loads(line)["target"]) for line in view.stdout.splitlines())
    print("spark:", spark_answer, "ttlog-view:", dict(view_answer))
    assert spark_answer == dict(view_answer)


def test_spark_reads_lists_structs_and_maps_typed(tmp_path):
    """Spark reads a list field as array<double>, a map with a few text keys as a struct and
    one with many as a map<string,double>, values equal to what ttlog reads."""
    pyspark = pytest.importorskip("pyspark.sql")
    import ttlog

    path = tmp_path / "nested.bin"
    with ttlog.Logger(path) as log:
        for i in range(20):
            log.info("plan", waypoints=[i * 0.5, i + 0.25], pose={"x": i * 0.5, "frame": "odom"},
                     gains={f"k{j}": float(i + j) for j in range(70)})
    out = tmp_path / "nested.parquet"
    subprocess.run([ttlog_view(), "convert", str(path), "--to", "parquet", "-o", str(out)], check=True)
    spark = (pyspark.SparkSession.builder.master("local[1]").appName("ttlog")
             .config("spark.sql.legacy.parquet.nanosAsLong", "true").getOrCreate())
    try:
        frame = spark.read.parquet(str(out))
        types = dict(frame.dtypes)
        rows = frame.orderBy("ts").select("waypoints", "pose", "gains").collect()
    finally:
        spark.stop()
    print("spark types:", {k: types[k] for k in ("waypoints", "pose", "gains")})
    assert types["waypoints"] == "array<double>"
    assert types["pose"] == "struct<x:double,frame:string>"
    assert types["gains"] == "map<string,double>"
    source = [e["fields"] for e in ttlog.open(path)]
    assert [r["waypoints"] for r in rows] == [f["waypoints"] for f in source]
    assert [r["pose"].asDict() for r in rows] == [f["pose"] for f in source]
    assert [r["gains"] for r in rows] == [f["gains"] for f in source]

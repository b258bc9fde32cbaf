"""Rows of variables: schemas, numpy values, tracked functions and attributes, columns and DataFrames."""

import threading

import pytest

import ttlog
from conftest import events


def test_schema_rows_and_columns(logdir):
    path = logdir / "s.bin"
    with ttlog.Logger(path) as log:
        knee = log.schema("knee", ["angle", "velocity", "torque"])
        assert knee.fields == ["angle", "velocity", "torque"] and knee.name == "knee"
        for i in range(100):
            knee(i * 0.5, -i, 1.0 / (i + 1))
        knee.record([1.0, 2.0, 3.0])
        with pytest.raises(TypeError):
            knee(1.0, 2.0)
        with pytest.raises(TypeError):  # the same mistake, the same exception as knee(1.0, 2.0)
            knee.record([1.0])
        with pytest.raises(TypeError):
            knee.record(["a", "b", "c"])
        with pytest.raises(ValueError):
            log.schema("dup", ["a", "a"])
        # A thread whose first events are rows still names them after itself.
        sensor = threading.Thread(target=lambda: knee(0.0, 0.0, 0.0), name="sensor")
        sensor.start()
        sensor.join()
    assert [e["thread"] for e in events(path)][-1] == "sensor"
    cols = ttlog.columns(path, "knee")
    assert cols["angle"][:3] == [0.0, 0.5, 1.0]
    assert cols["velocity"][99] == -99
    assert len(cols["ts_ns"]) == 102
    assert cols["ts_ns"] == sorted(cols["ts_ns"])
    with pytest.raises(ttlog.Error):
        ttlog.columns(path, "hip")


def test_numpy_values_rows_and_columns(logdir):
    np = pytest.importorskip("numpy")
    path = logdir / "np.bin"
    with ttlog.Logger(path) as log:
        knee = log.schema("knee", ["angle", "velocity", "torque"])
        knee.record(np.array([0.5, 1.5, 2.5]))
        knee(np.float64(1.0), np.int64(-2), np.float32(0.25))
        log.info("sensors", imu=np.array([[1.0, 2.0], [3.0, 4.0]]), count=np.int32(7), flag=np.bool_(True))
    cols = ttlog.columns(path, "knee", as_numpy=True)
    assert isinstance(cols["angle"], np.ndarray) and cols["angle"].tolist() == [0.5, 1.0]
    assert cols["velocity"].tolist() == [1.5, -2] and cols["ts_ns"].dtype == np.int64
    msg = [e for e in events(path) if e["target"] != "ttlog.track"][0]
    assert msg["fields"] == {"imu": [[1.0, 2.0], [3.0, 4.0]], "count": 7, "flag": True}


def test_pandas_dataframe(logdir):
    pd = pytest.importorskip("pandas")
    path = logdir / "pd.bin"
    with ttlog.Logger(path) as log:
        knee = log.schema("knee", ["angle", "torque"])
        for i in range(50):
            knee(i * 0.1, float(i))
    df = ttlog.dataframe(path, "knee")
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["ts_ns", "angle", "torque"] and len(df) == 50
    assert df["torque"].sum() == sum(range(50))


def test_osl_style_tracking(logdir):
    path = logdir / "u.bin"

    class Actuator:
        def __init__(self):
            self.angle = 0.0
            self.current = 1.0

    act = Actuator()
    with ttlog.Logger(path) as log:
        log.track_attributes(act, ["angle", "current"])
        calls = []
        log.track_function(lambda: len(calls), "n")
        failing = iter([1, 2])
        log.track_function(lambda: next(failing), "flaky")
        for tick in range(5):
            act.angle = tick * 0.1
            calls.append(tick)
            log.update()
    cols = ttlog.columns(path, "tracked")
    assert cols["Actuator.angle"] == [0.0, 0.1, 0.2, pytest.approx(0.3), 0.4]
    assert cols["n"] == [1, 2, 3, 4, 5]
    # A failing getter records null, its error beside it: the columns never shift and the
    # column stays a column of ints.
    assert cols["flaky"] == [1, 2, None, None, None]
    assert list(cols) == ["ts_ns", "Actuator.angle", "Actuator.current", "n", "flaky", "read_errors"]
    assert cols["read_errors"] == [None, None] + [{"flaky": "StopIteration()"}] * 3
    assert len(cols["ts_ns"]) == 5 and all(isinstance(t, int) for t in cols["ts_ns"])


def test_columns_when_the_tracked_set_changes(logdir):
    path = logdir / "changes.bin"
    with ttlog.Logger(path) as log:
        log.track_function(lambda: 1.5, "a")
        log.update()
        log.track_function(lambda: 7, "b")  # from the second row on
        log.update()
        log.untrack("a")  # gone in the third row
        log.update()
        log.track_function(lambda: "text", "a")  # back, with another type
        log.update()
    cols = ttlog.columns(path, "tracked")
    assert cols["a"] == [1.5, 1.5, None, "text"]
    assert cols["b"] == [None, 7, 7, 7]
    np = pytest.importorskip("numpy")
    arrays = ttlog.columns(path, "tracked", as_numpy=True)
    assert arrays["ts_ns"].dtype == np.int64 and len(arrays["ts_ns"]) == 4
    assert arrays["b"].tolist() == [None, 7, 7, 7]


def test_tracked_attributes_read_exactly_as_getattr(logdir):
    # Plain instance attributes are read from the instance dict; properties, slots, a
    # custom __getattribute__ and a deleted attribute must still give getattr's answer.
    class Base:
        shared = "class value"

        @property
        def prop(self):
            return self._p * 2

    class Plain(Base):
        def __init__(self):
            self.x = 1
            self._p = 5

    class Slotted:
        __slots__ = ("s",)

        def __init__(self):
            self.s = 3

    class Custom:
        def __init__(self):
            self.c = 1

        def __getattribute__(self, name):
            return 42 if name == "c" else object.__getattribute__(self, name)

    p, sl, cu = Plain(), Slotted(), Custom()
    path = logdir / "attrs.bin"
    with ttlog.Logger(path) as log:
        log.track_attributes(p, ["x", "prop", "shared"], "p")
        log.track_attributes(sl, ["s"], "sl")
        log.track_attributes(cu, ["c"], "cu")
        log.update()
        p.x, p._p, p.shared, sl.s = 2, 6, "instance value", 4
        log.update()
        del p.x
        Plain.x = "from the class"
        log.update()
    rows = [e["fields"] for e in events(path)]
    assert rows == [
        {"p.x": 1, "p.prop": 10, "p.shared": "class value", "sl.s": 3, "cu.c": 42},
        {"p.x": 2, "p.prop": 12, "p.shared": "instance value", "sl.s": 4, "cu.c": 42},
        {"p.x": "from the class", "p.prop": 12, "p.shared": "instance value", "sl.s": 4, "cu.c": 42},
    ]


def test_tracked_attributes_read_right_while_the_instance_dict_changes(logdir):
    """update() remembers where each attribute sat in the instance dict; attributes
    added, deleted and re-added, a dict that grows past a resize, and a key that is an
    equal but distinct string must still give each column its own value."""

    class Joint:
        pass

    j = Joint()
    j.a, j.b, j.c = 1, 2, 3
    path = logdir / "reshape.bin"
    expected = []
    with ttlog.Logger(path) as log:
        log.track_attributes(j, ["a", "b", "c"], "j")
        for tick in range(40):
            if tick == 5:
                del j.a  # later keys move down; "a" comes back at the end
                j.a = 100
            if tick == 10:
                for i in range(200):  # the dict grows and is rebuilt
                    setattr(j, f"x{i}", i)
            if tick == 15:
                for i in range(0, 200, 2):
                    delattr(j, f"x{i}")
            if tick == 20:
                d = dict(j.__dict__)  # a combined (not split) dict, same object
                j.__dict__.clear()
                j.__dict__.update(d)
            if tick == 25:
                del j.__dict__["b"]
                j.__dict__["".join(["b"])] = -1  # equal key, maybe another object
            j.c = tick
            log.update()
            expected.append({"j.a": j.a, "j.b": j.b, "j.c": j.c})
    assert [e["fields"] for e in events(path)] == expected


def test_numpy_float32_values_read_exactly(logdir):
    """float32 scalars are read in place (ffi::numpy_scalar): every kind of value, and a
    subclass (read through __float__), lands exactly."""
    np = pytest.importorskip("numpy")

    class Sub(np.float32):
        pass

    values = [np.float32(x) for x in (0.1, -0.0, 3.4028235e38, 1e-45, float("inf"), float("-inf"), 25.000006)]
    values.append(Sub(0.75))

    class Joint:
        pass

    joint = Joint()
    path = logdir / "f32.bin"
    with ttlog.Logger(path) as log:
        for i, v in enumerate(values):
            setattr(joint, f"v{i}", v)
        log.track_attributes(joint, [f"v{i}" for i in range(len(values))])
        log.update()
        joint.v0 = np.float32("nan")
        log.update()
    cols = ttlog.columns(path, "tracked")
    got = [cols[f"Joint.v{i}"][0] for i in range(len(values))]
    assert [np.float32(g) for g in got] == values
    assert str(np.float32(got[6])) == "25.000006"
    assert cols["Joint.v0"][1] != cols["Joint.v0"][1]  # NaN


def test_a_tracked_numpy_array_is_one_cell_per_row(logdir):
    """A tracked numpy array gives a column of arrays (one object per row), so columns()
    with numpy and dataframe() work instead of raising."""
    np = pytest.importorskip("numpy")
    pd = pytest.importorskip("pandas")

    class Leg:
        def __init__(self):
            self.q = np.zeros(3)
            self.t = 0.0

    path = logdir / "arr.bin"
    leg = Leg()
    with ttlog.Logger(path) as log:
        log.track_attributes(leg, ["q", "t"])
        for i in range(4):
            leg.q = np.arange(3, dtype=float) + i
            leg.t = float(i)
            log.update()
    cols = ttlog.columns(path, "tracked", as_numpy=True)
    assert cols["Leg.q"].shape == (4,) and list(cols["Leg.q"][2]) == [2.0, 3.0, 4.0]
    df = ttlog.dataframe(path, "tracked")
    assert len(df) == 4 and list(df["Leg.q"][3]) == [3.0, 4.0, 5.0]


def test_a_field_named_as_osl_names_attributes_can_be_filtered(logdir):
    """OSL names tracked attributes after the object's repr: backticks quote such a name."""
    path = logdir / "names.bin"
    name = "<__main__.SimKnee object at 0x7f3a>.winding_temperature"
    with ttlog.Logger(path) as log:
        log.info("hot", **{name: 71.5})
        log.info("cool", **{name: 40.0})
    assert [e["msg"] for e in events(path, filter=f"`{name}` > 70")] == ["hot"]


def _flaky_trial(path):
    """842 ticks of a temperature, a count and a flag whose getters fail on 8 ticks."""

    class Knee:
        def __init__(self):
            self.tick = 0

        @property
        def winding_temperature(self):
            if self.tick % 100 == 7:
                raise RuntimeError("sensor offline")
            return 20.0 + self.tick / 100

        @property
        def count(self):
            if self.tick % 100 == 7:
                raise RuntimeError("bus timeout")
            return self.tick

        @property
        def hot(self):
            if self.tick % 100 == 7:
                raise RuntimeError("bus timeout")
            return self.tick > 400

    knee = Knee()
    with ttlog.Logger(path) as log:
        log.track_attributes(knee, ["winding_temperature", "count", "hot"])
        for tick in range(842):
            knee.tick = tick
            log.update()


def test_a_failed_read_is_null_and_the_column_stays_typed(logdir):
    np = pytest.importorskip("numpy")
    pd = pytest.importorskip("pandas")
    path = logdir / "flaky.bin"
    _flaky_trial(path)
    failed = [t for t in range(842) if t % 100 == 7]
    cols = ttlog.columns(path, "tracked")
    temp = cols["Knee.winding_temperature"]
    assert [temp[t] for t in failed] == [None] * len(failed)
    assert all(isinstance(v, float) for t, v in enumerate(temp) if t not in failed)
    assert cols["read_errors"][7] == {
        "Knee.winding_temperature": "RuntimeError('sensor offline')",
        "Knee.count": "RuntimeError('bus timeout')",
        "Knee.hot": "RuntimeError('bus timeout')",
    }
    assert sum(e is not None for e in cols["read_errors"]) == len(failed)
    # numpy: NaN in a float column, masked in int and bool columns; .mean() works.
    arr = ttlog.columns(path, "tracked", as_numpy=True)
    assert arr["Knee.winding_temperature"].dtype == np.float64
    assert np.isnan(arr["Knee.winding_temperature"][failed]).all()
    assert np.nanmean(arr["Knee.winding_temperature"]) == pytest.approx(
        np.mean([20.0 + t / 100 for t in range(842) if t not in failed]))
    assert arr["Knee.count"].dtype == np.int64 and arr["Knee.count"].mask.sum() == len(failed)
    assert arr["Knee.count"].mean() == pytest.approx(np.mean([t for t in range(842) if t not in failed]))
    assert arr["Knee.hot"].dtype == np.bool_ and arr["Knee.hot"].mask.sum() == len(failed)
    # pandas: float64 with NaN, nullable Int64 and boolean.
    df = ttlog.dataframe(path, "tracked")
    assert str(df["Knee.winding_temperature"].dtype) == "float64"
    assert str(df["Knee.count"].dtype) == "Int64" and df["Knee.count"].isna().sum() == len(failed)
    assert str(df["Knee.hot"].dtype) == "boolean" and df["Knee.hot"].isna().sum() == len(failed)
    assert df["Knee.count"].mean() == pytest.approx(np.mean([t for t in range(842) if t not in failed]))


def test_a_failed_read_stays_null_in_csv_and_parquet_exports(logdir, tmp_path):
    duckdb = pytest.importorskip("duckdb")
    path = logdir / "flaky.bin"
    _flaky_trial(path)
    csv_path = tmp_path / "rows.csv"
    ttlog.to_csv(path, csv_path)
    import csv

    rows = list(csv.DictReader(open(csv_path, newline="")))
    assert rows[7]["Knee.winding_temperature"] == "" and rows[8]["Knee.winding_temperature"] == "20.08"
    assert "sensor offline" in rows[7]["read_errors"] and rows[8]["read_errors"] == ""
    pq = tmp_path / "rows.parquet"
    ttlog.to_parquet(path, pq)
    con = duckdb.connect()
    types = dict(con.execute(f"select column_name, column_type from (describe select * from '{pq}')").fetchall())
    assert types["Knee.winding_temperature"] == "DOUBLE" and types["Knee.count"] == "BIGINT"
    assert types["Knee.hot"] == "BOOLEAN"
    nulls = con.execute(
        f"select count(*) from '{pq}' where \"Knee.winding_temperature\" is null").fetchone()[0]
    assert nulls == 9


def test_opensourceleg_csv_keeps_error_cells(tmp_path, monkeypatch):
    from ttlog import osl

    monkeypatch.chdir(tmp_path)

    class Sensor:
        def __init__(self):
            self.n = 0

        @property
        def value(self):
            if self.n == 1:
                raise RuntimeError("offline")
            return float(self.n)

    s = Sensor()
    logger = osl.Logger(log_path="./logs", file_name="errs", stream_level=osl.LogLevel.CRITICAL)
    try:
        logger.track_function(lambda: s.value, "value")
        for n in range(3):
            s.n = n
            logger.update()
        logger.flush_buffer()
        assert (tmp_path / "logs" / "errs.csv").read_text() == "value\n0.0\nERROR\n2.0\n"
    finally:
        logger.reset()
    # The .bin beside it holds null and the error, so its column stays a float column.
    cols = ttlog.columns(tmp_path / "logs" / "errs.bin", "tracked")
    assert cols["value"] == [0.0, None, 2.0]
    assert cols["read_errors"][1] == {"value": "RuntimeError('offline')"}

#!/usr/bin/env python3
"""Independent oracle for receptor ids (receptors-and-met.md §2).

Implements PYSTILT 0.1.0a4's id rules with Python's own float repr, round(),
json.dumps and hashlib, and writes ids_golden.tsv, which receptor/ids_test.go
compares against the Go implementation. Run: python3 gen_ids.py > ids_golden.tsv
"""
import datetime as dt
import hashlib
import json


def fmt(v: float) -> str:
    # Integral floats as integers, else str(float) (= repr).
    return str(int(v)) if v == int(v) else str(v)


def location_id(kind, lons, lats, alts):
    if kind == "point":
        return f"{fmt(lons[0])}_{fmt(lats[0])}_{fmt(alts[0])}"
    if kind == "column":
        return f"{fmt(lons[0])}_{fmt(lats[0])}_X"
    pts = sorted(zip(lons, lats, alts))
    canon = json.dumps(
        [[round(float(lo), 5), round(float(la), 5), int(al)] for lo, la, al in pts],
        separators=(",", ":"),
    )
    return "multi_" + hashlib.sha256(canon.encode()).hexdigest()[:10], canon


CASES = [
    # kind, time, lons, lats, alts, met
    ("point", "201905301100", [-111.848], [40.766], [5.0], "hrrr"),
    ("point", "201905300800", [-112.0], [40.6], [30.0], "hrrr"),
    ("point", "202301011200", [-111.85], [40.77], [5.0], "hrrr"),
    ("point", "202301011200", [0.1], [1e-05], [0.5], "gfs0p25"),
    ("point", "202301011200", [0.1 + 0.2], [-0.0], [123456789.5], "nam12"),
    ("point", "202301011200", [-180.0], [-90.0], [1.5e16], "a1"),
    ("point", "202301011200", [179.99999999], [89.123456789012], [0.0001], "hrrr"),
    ("point", "202001010000", [-0.00005], [0.00012], [2.5], "x"),
    ("point", "202012312359", [100.0], [45.0], [1e16], "hrrr"),
    ("point", "202012312359", [-73.9857], [40.7484], [381.0], "hrrr"),
    ("column", "201905301100", [-111.848], [40.766], [0.0, 3000.0], "hrrr"),
    ("column", "201905301100", [-112.0], [40.0], [0.5, 10000.25], "hrrr"),
    ("column", "202206150000", [1e-05], [-33.123], [100.0, 200.0], "era5"),
    ("multipoint", "201905301100", [-111.848, -111.9], [40.766, 40.8], [5.0, 10.0], "hrrr"),
    ("multipoint", "201905301100", [-111.9, -111.848], [40.8, 40.766], [10.0, 5.0], "hrrr"),
    ("multipoint", "202001010000", [-112.0, -112.0, -112.0], [40.0, 40.0, 40.0], [0.0, 1000.0, 2000.0], "hrrr"),
    ("multipoint", "202001010000", [1.000005, 2.000015, 0.123455], [12.345675, -0.000001, 3.0], [10.9, 2.5, 1e20], "hrrr"),
    ("multipoint", "202001010000", [-112.0, -111.5], [40.0, 40.5], [-0.5, 99.99], "hrrr"),
    ("multipoint", "202001010000", [1e-05, 0.00001234567], [5e-06, -7.000004999], [0.0, 3.0], "hrrr"),
    ("multipoint", "202101010600", [-100.123456789, -100.12345, -100.123451], [35.5, 35.5, 35.5], [0.0, 0.0, 0.0], "nam12"),
    ("multipoint", "202101010600", [10.0, 10.0], [20.0, 21.0], [0.0, 0.0], "hrrr"),
    ("multipoint", "202101010600", [150.999995, -150.000005], [-45.000015, 45.000025], [12345.6, 7.0], "hrrr"),
]


def main():
    print("kind\ttime\tlons\tlats\talts\tmet\tlocation_id\treceptor_id\tsim_id\thash_input")
    for kind, t, lons, lats, alts, met in CASES:
        res = location_id(kind, lons, lats, alts)
        canon = ""
        if isinstance(res, tuple):
            loc, canon = res
        else:
            loc = res
        stamp = dt.datetime.strptime(t, "%Y%m%d%H%M").strftime("%Y%m%d%H%M")
        rid = f"{stamp}_{loc}"
        sid = f"{met}_{rid}"
        # repr() round-trips exactly, so Go parses the same doubles.
        enc = lambda xs: ",".join(repr(float(x)) for x in xs)
        print("\t".join([kind, t, enc(lons), enc(lats), enc(alts), met, loc, rid, sid, canon]))


if __name__ == "__main__":
    main()

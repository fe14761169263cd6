"""The CPython side of test/stores/cache/pickle-python.test.ts.

  pickle-peer.py make       prints {"pickles": {case: {protocol: hex}}, "texts": {key: text}}
  pickle-peer.py check      reads [{case, from, hex}] and prints the cases whose pickle does not
                            load back to exactly what Python reads from the case pickled with
                            protocol `from` (same types, same dict order)
  pickle-peer.py describe   reads [hex] and prints each pickle's value as tagged JSON
  pickle-peer.py dumps      reads [{case, protocol}] and prints pickle.dumps(case) as hex
"""

import collections
import datetime
import decimal
import fractions
import json
import math
import pickle
import struct
import sys
import types
import uuid
import zoneinfo

shared_list = [1, 2]
shared_str = "shared " * 3
shared_tuple = (shared_list, "t")

CASES = {
    "ints": {
        "zero": 0, "byte": 255, "byte+1": 256, "u16": 65535, "u16+1": 65536, "minus1": -1,
        "i32min": -(2**31), "i32max": 2**31 - 1, "i32max+1": 2**31, "safe": 2**53 - 1,
        "unsafe": 2**53, "i64max": 2**63 - 1, "2^63": 2**63, "-2^63": -(2**63),
        "-2^63-1": -(2**63) - 1, "2^64": 2**64, "10^30": 10**30, "-10^30": -(10**30),
        "-128": -128, "-129": -129, "-256": -256, "-32768": -32768, "huge": 7**400,
    },
    "floats": {
        "one": 1.0, "1e16": 1e16, "-0.0": -0.0, "nan": float("nan"), "inf": float("inf"),
        "-inf": float("-inf"), "tiny": 5e-324, "pi": math.pi, "third": 1 / 3,
    },
    "unicode": {
        "astral": "😀 𝄞 🇫🇷", "bmp": "é中\u2028", "lone high": "\ud800x", "lone low": "y\udfff",
        "empty": "", "nul": "\x00", "clé": "valeur", "": "empty key", "fffd": "\ufffd",
    },
    # Two surrogate code points that JavaScript reads as one astral character.
    "split pair": {"pair": "\ud83d\ude00", "mixed": "a\ud83d\ude00\U0001f600"},
    "nested": {
        "tuple": (1, (2, (3, ())), [4, (5,)]), "tuple4": (1, 2, 3, 4), "empty tuple": (),
        "empty list": [], "empty dict": {}, "deep": [[[[[["bottom"]]]]]],
        "bools": [True, False, None],
    },
    "shared": {
        "a": shared_list, "b": shared_list, "s1": shared_str, "s2": shared_str,
        "t1": shared_tuple, "t2": shared_tuple,
    },
    "proto keys": {"__proto__": {"__proto__": 1, "constructor": 2}, "constructor": 3,
                   "toString": 4, "hasOwnProperty": 5},
    "numeric keys": {"b": 1, "2": "two", "1": "one", "a": 0, "nested": {"9": 9, "x": 1, "0": 0}},
    "long strings": {"ascii": "x" * 70000, "accented": "é" * 40000, "mid": "m" * 300,
                     "bytes": b"\x00" * 70000},
    "datetimes": {
        "utc": datetime.datetime(2024, 2, 29, 12, 34, 56, 789000, tzinfo=datetime.timezone.utc),
        "offset": datetime.datetime(1999, 12, 31, 23, 59, 59, tzinfo=datetime.timezone(
            datetime.timedelta(hours=-5, minutes=-30))),
        "named": datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone(
            datetime.timedelta(hours=1), "CET")),
        "naive": datetime.datetime(2000, 1, 1),
        "fold": datetime.datetime(2021, 11, 7, 1, 30, fold=1),
        "date": datetime.date(2024, 2, 29),
        "time": datetime.time(1, 2, 3, 4),
        "timedelta": datetime.timedelta(days=-1, seconds=5, microseconds=6),
        "utc zone": datetime.timezone.utc,
        "zoned": datetime.datetime(2024, 7, 1, 12, tzinfo=zoneinfo.ZoneInfo("Europe/Paris")),
        "zone": zoneinfo.ZoneInfo("Europe/Paris"),
    },
    "decimals": {"pi": decimal.Decimal("3.14159265358979323846264338327950288"),
                 "-0": decimal.Decimal("-0"), "exp": decimal.Decimal("1E+10"),
                 "inf": decimal.Decimal("-Infinity"), "in set": {decimal.Decimal("1.5")}},
    "sets and bytes": {"set": {1, "a", (2, 3)}, "frozenset": frozenset({1}),
                       "quoted": b"it's", "str set": {"a'b", 'c"d', "\t\x00\u2028\U0001f600é", 1.5},
                       "empty set": set(), "bytes": b"\x00\xff'\\", "empty bytes": b"",
                       "bytearray": bytearray(b"xy"), "big set": set(range(1500))},
    "other dicts": {"int keys": {1: "a", 2: "b"}, "tuple key": {(1, 2): "t"},
                    "ordered": collections.OrderedDict([("z", 1), ("a", 2)]),
                    "counter": collections.Counter("abca"),
                    "default": collections.defaultdict(list, {"k": [1]})},
    "instances": {"fraction": fractions.Fraction(1, 3),
                  "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
                  "namespace": types.SimpleNamespace(a=1, b=[2]),
                  "class": int, "function": len, "complex": 1 + 2j, "range": range(1, 9, 2)},
    "many keys": {f"k{i}": i for i in range(2500)},
    "long list": {"l": list(range(2500)), "l1001": list(range(1001)), "l1000": list(range(1000))},
    "big frame": {f"k{i}": "v" * 1000 + str(i) for i in range(200)},
    "mixed": {"a": [1, 2.5, "x", None, True, {"n": (1,)}], "b": {"c": {"d": [[]]}}},
}


def same(a, b):
    """Equality that also compares types, float signs, NaN and dict order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        if math.isnan(a):
            return math.isnan(b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a.keys()) == list(b.keys()) and all(same(a[k], b[k]) for k in a) and (
            not isinstance(a, collections.defaultdict) or a.default_factory is b.default_factory)
    if isinstance(a, types.SimpleNamespace):
        return same(vars(a), vars(b))
    if isinstance(a, decimal.Decimal):
        return str(a) == str(b)
    if isinstance(a, datetime.datetime):
        return a == b and a.fold == b.fold and a.tzinfo == b.tzinfo
    return a == b


def describe(value):
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return {"int": str(value)}
    if isinstance(value, float):
        return {"float": struct.pack(">d", value).hex()}
    if isinstance(value, str):
        return {"str": value}
    if isinstance(value, list):
        return [describe(item) for item in value]
    if isinstance(value, dict):
        return {"dict": [[describe(k), describe(v)] for k, v in value.items()]}
    return {"other": repr(value)}


def texts():
    """What PythonObject.toString() should show: isoformat() for dates and times, str() for
    timedelta, timezone and Decimal, repr() for bytes, sets and dicts."""
    out = {}
    for name in ("datetimes", "decimals", "sets and bytes", "other dicts"):
        for key, value in CASES[name].items():
            if isinstance(getattr(value, "tzinfo", None), zoneinfo.ZoneInfo):
                # A named zone's offset needs the tz database: coatcheck shows the name.
                out[key] = f"{value.replace(tzinfo=None).isoformat()}[{value.tzinfo.key}]"
            elif isinstance(value, (datetime.date, datetime.time)):
                out[key] = value.isoformat()
            elif isinstance(value, (datetime.timedelta, datetime.tzinfo, decimal.Decimal)):
                out[key] = str(value)
            elif type(value) in (bytes, bytearray, set, frozenset, dict):
                out[key] = repr(value)
    return out


def main():
    mode = sys.argv[1]
    if mode == "make":
        # One process for both: set iteration order, and so repr(), depends on the hash seed.
        out = {"pickles": {name: {str(p): pickle.dumps(case, protocol=p).hex() for p in (2, 3, 4, 5)}
                           for name, case in CASES.items()},
               "texts": texts()}
    elif mode == "check":
        out = []
        for item in json.load(sys.stdin):
            try:
                loaded = pickle.loads(bytes.fromhex(item["hex"]))
                # Compared with what Python itself reads back from the protocol the case was
                # written with: protocols 2 and 3 cannot carry a datetime's fold, for one.
                reference = pickle.loads(pickle.dumps(CASES[item["case"]], int(item["from"])))
                ok = same(reference, loaded)
            except Exception as error:  # noqa: BLE001 - reported to the test
                ok = False
                item["error"] = repr(error)
            if not ok:
                out.append(item)
    elif mode == "describe":
        out = [describe(pickle.loads(bytes.fromhex(text))) for text in json.load(sys.stdin)]
    elif mode == "dumps":
        out = [pickle.dumps(CASES[item["case"]], protocol=item["protocol"]).hex()
               for item in json.load(sys.stdin)]
    json.dump(out, sys.stdout, ensure_ascii=True)


main()

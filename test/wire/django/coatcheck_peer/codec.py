"""Tagged JSON: the values plain JSON cannot carry between JavaScript and Python.

    {"$bytes_hex": "e7ff"}            bytes
    {"$float": "nan" | "inf" | "-inf" | "-0.0"}
    {"$datetime": "2023-11-14T23:13:20+00:00"}   (decoded as PinnedDatetime)
    {"$timedelta_seconds": 3600}

A tag is a dict with exactly that one key; anything else is plain JSON.
"""

import datetime
import math
import time


class PinnedDatetime(datetime.datetime):
    """A datetime whose utcnow() follows the pinned time.time().

    set_cookie(expires=<datetime>) computes `expires - expires.utcnow()`; utcnow() reads the C
    clock, which patching time.time does not reach, so the class of `expires` supplies it.
    """

    @classmethod
    def utcnow(cls):
        return datetime.datetime.utcfromtimestamp(time.time())


def decode(value):
    if isinstance(value, list):
        return [decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (tag, payload), = value.items()
        if tag == '$bytes_hex':
            return bytes.fromhex(payload)
        if tag == '$float':
            return float(payload)
        if tag == '$datetime':
            parsed = datetime.datetime.fromisoformat(payload)
            return PinnedDatetime(*parsed.timetuple()[:6], parsed.microsecond, tzinfo=parsed.tzinfo)
        if tag == '$timedelta_seconds':
            return datetime.timedelta(seconds=payload)
    return {key: decode(item) for key, item in value.items()}


def encode(value):
    if isinstance(value, (bytes, bytearray)):
        return {'$bytes_hex': bytes(value).hex()}
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value) or (value == 0 and math.copysign(1, value) < 0)):
        return {'$float': repr(value)}
    if isinstance(value, (list, tuple)):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        return {key: encode(item) for key, item in value.items()}
    return value

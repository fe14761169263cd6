#!/usr/bin/env python3
"""Runs operations with the real Django and prints their outcomes: the Django side of coatcheck's
wire tests.

Reads one JSON request on stdin:

    {"settings": {...}, "ops": [{"op": "signing.dumps", "time": 1700000000, ...}, ...]}

and writes one JSON document on stdout:

    {"django": "3.2.25", "python": "3.11.2", "results": [{"ok": ...} | {"error": ..., "message": ...}]}

one result per operation, in order. Values travel as tagged JSON (see coatcheck_peer/codec.py).
An operation that raises becomes {"error": <exception class>, "message": str(exc)}; a request
the peer cannot understand (an unknown op, a missing argument) exits with status 2 instead, so
a broken test never passes as "both sides raised".

Run it with Debian's interpreter: /usr/bin/python3 -B test/wire/django/peer.py < request.json
"""

import json
import sys

from coatcheck_peer import handle_request


def main():
    request = json.load(sys.stdin)
    try:
        response = handle_request(request)
    except Exception as exc:  # A malformed request: the test's fault, not Django's behaviour.
        print('peer: %s: %s' % (type(exc).__name__, exc), file=sys.stderr)
        return 2
    sys.stdout.write(json.dumps(response, ensure_ascii=True, allow_nan=False))
    return 0


if __name__ == '__main__':
    sys.exit(main())

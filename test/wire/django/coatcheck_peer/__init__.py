"""The Django side of coatcheck's wire tests.

`settings` configures a standalone Django, `codec` is the tagged JSON both sides speak, and each
`*_ops` module maps operation names to functions of one decoded operation. `database` turns a
URL into DATABASES, for the peer and for the small Django project in `../project/`.
"""

import platform
from contextlib import ExitStack
from unittest import mock

from .errors import RequestError
from .settings import configure


def handle_request(request):
    configure(request.get('settings') or {})

    import django
    from django.test.utils import override_settings

    from . import cache_ops, codec, cookie_ops, db_ops, messages_ops, session_ops, signing_ops

    ops = {
        **signing_ops.OPS,
        **cookie_ops.OPS,
        **session_ops.OPS,
        **db_ops.OPS,
        **messages_ops.OPS,
        **cache_ops.OPS,
    }
    results = []
    for index, raw in enumerate(request['ops']):
        op = codec.decode(raw)
        run = ops.get(op.get('op'))
        if run is None:
            raise RequestError('operation %d: unknown op %r' % (index, op.get('op')))
        with ExitStack() as stack:
            if op.get('time') is not None:
                # django.core.signing, django.http.response and email.utils read the clock through
                # time.time(), looked up on the module at call time, so one patch pins them all.
                stack.enter_context(mock.patch('time.time', return_value=op['time']))
            if op.get('settings'):
                stack.enter_context(override_settings(**op['settings']))
            try:
                results.append({'ok': run(op)})
            except RequestError as exc:
                raise RequestError('operation %d (%s): %s' % (index, op['op'], exc)) from exc
            except Exception as exc:
                results.append({'error': type(exc).__name__, 'message': str(exc)})
    return {
        'django': django.get_version(),
        'python': platform.python_version(),
        'results': codec.encode(results),
    }

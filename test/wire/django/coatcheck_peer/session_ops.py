"""django.contrib.sessions with the engine the settings name (SESSION_ENGINE): a request through
SessionMiddleware around a view that works on request.session, and the store calls the file
engine's wire tests compare (load, exists, decode, clearsessions).

The settings that matter travel with the request (SESSION_ENGINE, SESSION_FILE_PATH,
SESSION_COOKIE_NAME, SECRET_KEY); the clock is not pinned, because the file engine reads file
mtimes and datetime.now(), which a patched time.time() does not reach.
"""

import json
import os
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.handlers.wsgi import WSGIRequest
from django.core.management import call_command
from django.http import HttpResponse

from .errors import RequestError, arg


def _session_store():
    """The engine's SessionStore, with the file engine's cached storage path forgotten, so an
    operation's SESSION_FILE_PATH is the one used."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if '_storage_path' in vars(store):
        del store._storage_path
    return store


def _apply(session, action):
    do = arg(action, 'do')
    if do == 'set':
        session[arg(action, 'key')] = arg(action, 'value')
    elif do == 'delete':
        del session[arg(action, 'key')]
    elif do == 'update':
        session.update(arg(action, 'values'))
    elif do == 'update_json':
        # Python values plain JSON from JavaScript cannot spell (1.0, ints beyond 2**53), given
        # as the JSON text json.loads reads them from.
        session.update(json.loads(arg(action, 'json')))
    elif do == 'clear':
        session.clear()
    elif do == 'flush':
        session.flush()
    elif do == 'cycle_key':
        session.cycle_key()
    elif do == 'set_expiry':
        session.set_expiry(arg(action, 'value'))
    else:
        raise RequestError('unknown session action %r' % do)


def _python_json(data):
    """The data as Python's compact JSON, so types JavaScript cannot tell apart (1.0 and 1, an
    int beyond 2**53) and dict key order reach the test as text. None for data JSON cannot hold
    (a cache engine's session may keep bytes, a datetime, any picklable object)."""
    if data is None:
        return None
    try:
        return json.dumps(data, separators=(',', ':'))
    except TypeError:
        return None


def request(op):
    """One request through SessionMiddleware. `cookie` is the Cookie header (or absent), `actions`
    what the view does to request.session, in order. Returns what the response carries and what
    the view saw after its actions."""
    actions = arg(op, 'actions', [])
    seen = {}

    def view(request):
        for action in actions:
            _apply(request.session, action)
        seen['data'] = dict(request.session.items())
        seen['expiry_age'] = request.session.get_expiry_age()
        return HttpResponse(status=arg(op, 'status', 200))

    _session_store()
    environ = {'REQUEST_METHOD': 'GET', 'PATH_INFO': '/', 'wsgi.input': None}
    if arg(op, 'cookie', None) is not None:
        environ['HTTP_COOKIE'] = op['cookie']
    http_request = WSGIRequest(environ)
    response = SessionMiddleware(view)(http_request)
    morsel = response.cookies.get(settings.SESSION_COOKIE_NAME)
    return {
        'status': response.status_code,
        'data': seen.get('data'),
        'data_json': _python_json(seen.get('data')),
        'expiry_age': seen.get('expiry_age'),
        'session_key': http_request.session.session_key,
        'set_cookie': morsel.OutputString() if morsel is not None else None,
        'vary': response.get('Vary'),
    }


def load(op):
    """SessionStore(key).load(), and what the store says afterwards."""
    key = arg(op, 'key')
    session = _session_store()(key)
    data = session.load()
    return {
        'data': data,
        'session_key': session.session_key,
        'exists': session.exists(key),
    }


def expiry_age(op):
    """SessionStore(key).get_expiry_age(): loads the session, then Django's rule."""
    return _session_store()(arg(op, 'key')).get_expiry_age()


def exists(op):
    return _session_store()().exists(arg(op, 'key'))


def decode(op):
    return _session_store()().decode(arg(op, 'text'))


def clearsessions(op):
    """manage.py clearsessions (needs django.contrib.sessions in INSTALLED_APPS); returns the
    file names left in SESSION_FILE_PATH when there is one."""
    _session_store()
    call_command('clearsessions')
    path = getattr(settings, 'SESSION_FILE_PATH', None)
    return sorted(os.listdir(path)) if path else None


OPS = {
    'session.request': request,
    'session.load': load,
    'session.get_expiry_age': expiry_age,
    'session.exists': exists,
    'session.decode': decode,
    'clearsessions': clearsessions,
}

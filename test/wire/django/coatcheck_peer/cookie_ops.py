"""Cookies on django.http: what set_cookie & co. put on the wire, and how requests read them.

Response operations return `response.cookies[name].OutputString()`: the Set-Cookie header value
without the `Set-Cookie: ` prefix (WSGI servers add one leading space to it).
"""

from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse
from django.http.cookie import parse_cookie

from .errors import arg, kwargs_of

SET_COOKIE_ARGS = ('max_age', 'expires', 'path', 'domain', 'secure', 'httponly', 'samesite')
DELETE_COOKIE_ARGS = ('path', 'domain', 'samesite')


def _morsel(response, name):
    morsel = response.cookies[name]
    return {'output': morsel.OutputString(), 'value': morsel.value, 'coded_value': morsel.coded_value}


def set_cookie(op):
    response = HttpResponse()
    name = arg(op, 'name')
    if 'value' in op:
        response.set_cookie(name, op['value'], **kwargs_of(op, SET_COOKIE_ARGS))
    else:
        response.set_cookie(name, **kwargs_of(op, SET_COOKIE_ARGS))
    return _morsel(response, name)


def delete_cookie(op):
    response = HttpResponse()
    name = arg(op, 'name')
    response.delete_cookie(name, **kwargs_of(op, DELETE_COOKIE_ARGS))
    return _morsel(response, name)


def set_signed_cookie(op):
    response = HttpResponse()
    name = arg(op, 'name')
    response.set_signed_cookie(name, arg(op, 'value'), **kwargs_of(op, ('salt',) + SET_COOKIE_ARGS))
    return _morsel(response, name)


def parse(op):
    # Ordered pairs: Django's dict keeps a name's first position when a duplicate overwrites it.
    return list(parse_cookie(arg(op, 'header')).items())


def _request(header):
    """A WSGI request carrying `header` (text, sent as UTF-8, or raw bytes) as its Cookie header.

    PEP 3333: the environ holds the header's bytes as latin-1 text; Django turns them back into
    bytes and decodes UTF-8 (errors="replace"), as it does behind any WSGI server.
    """
    raw = header if isinstance(header, bytes) else header.encode('utf-8')
    environ = {
        'REQUEST_METHOD': 'GET',
        'PATH_INFO': '/',
        'wsgi.input': None,
        'HTTP_COOKIE': raw.decode('latin-1'),
    }
    return WSGIRequest(environ)


def request_cookies(op):
    return list(_request(arg(op, 'header')).COOKIES.items())


def get_signed_cookie(op):
    request = _request(arg(op, 'header'))
    return request.get_signed_cookie(arg(op, 'name'), **kwargs_of(op, ('default', 'salt', 'max_age')))


OPS = {
    'HttpResponse.set_cookie': set_cookie,
    'HttpResponse.delete_cookie': delete_cookie,
    'HttpResponse.set_signed_cookie': set_signed_cookie,
    'parse_cookie': parse,
    'HttpRequest.COOKIES': request_cookies,
    'HttpRequest.get_signed_cookie': get_signed_cookie,
}

"""django.contrib.messages on the session (MESSAGE_STORAGE = SessionStorage, sent with the
request's settings): one request through SessionMiddleware and MessageMiddleware, in Django's
order, around a view that adds, reads and counts messages.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse
from django.utils.safestring import SafeData, mark_safe

from .errors import RequestError, arg


def _described(message):
    return {
        'level': message.level,
        'message': str(message.message),
        'extra_tags': message.extra_tags,
        'tags': message.tags,
        'safe': isinstance(message.message, SafeData),
    }


def _apply(request, action, seen):
    do = arg(action, 'do')
    if do == 'add':
        text = arg(action, 'message')
        if arg(action, 'safe', False):
            text = mark_safe(text)
        kwargs = {}
        if 'extra_tags' in action:
            kwargs['extra_tags'] = action['extra_tags']
        messages.add_message(request, arg(action, 'level'), text, **kwargs)
    elif do == 'read':
        seen.append([_described(m) for m in messages.get_messages(request)])
    elif do == 'count':
        seen.append(len(messages.get_messages(request)))
    else:
        raise RequestError('unknown messages action %r' % do)


def request(op):
    """`cookie` is the Cookie header (or absent), `actions` what the view does, in order. Returns
    what each read or count saw, the session's `_messages` after the response, and the session
    cookie the response set."""
    actions = arg(op, 'actions', [])
    seen = []

    def view(request):
        for action in actions:
            _apply(request, action, seen)
        return HttpResponse()

    environ = {'REQUEST_METHOD': 'GET', 'PATH_INFO': '/', 'wsgi.input': None}
    if arg(op, 'cookie', None) is not None:
        environ['HTTP_COOKIE'] = op['cookie']
    http_request = WSGIRequest(environ)
    response = SessionMiddleware(MessageMiddleware(view))(http_request)
    morsel = response.cookies.get(settings.SESSION_COOKIE_NAME)
    return {
        'seen': seen,
        'stored': http_request.session.get('_messages'),
        'set_cookie': morsel.OutputString() if morsel is not None else None,
    }


OPS = {
    'messages.request': request,
}

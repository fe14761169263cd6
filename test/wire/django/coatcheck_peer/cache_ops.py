"""Django's cache session engine with values JSON cannot carry: a session saved with a datetime,
a Decimal and an instance of a class of this module, and a session read back as the reprs of
its values (what the test compares, since those values do not travel as JSON).

SESSION_ENGINE and CACHES come with the request's settings.
"""

import datetime
import decimal
from importlib import import_module

from django.conf import settings

from .errors import arg


class Ticket:
    """A class Django's pickle stores by reference (coatcheck_peer.cache_ops.Ticket): coatcheck
    cannot build it, only keep it and write it back."""

    def __init__(self, number, seat):
        self.number = number
        self.seat = seat

    def __repr__(self):
        return 'Ticket(%r, %r)' % (self.number, self.seat)


def _store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def store_python_values(op):
    """A new session holding a datetime, a Decimal, a Ticket and a plain string; its key."""
    session = _store()()
    session['py_dt'] = datetime.datetime(2024, 2, 29, 12, 34, 56, 789000, tzinfo=datetime.timezone.utc)
    session['py_decimal'] = decimal.Decimal('3.14159265358979323846264338327950288')
    session['py_ticket'] = Ticket(7, 'row A')
    session['py_plain'] = arg(op, 'plain', 'kept')
    session.create()
    return session.session_key


def session_repr(op):
    """The session under `key`, each value as repr(), with its type's name; None when missing."""
    key = arg(op, 'key')
    session = _store()(key)
    data = session.load()
    if session.session_key is None:
        return None
    return {name: [type(value).__name__, repr(value)] for name, value in data.items()}


OPS = {
    'cache.store_python_values': store_python_values,
    'cache.session_repr': session_repr,
}

"""The db engine's own operations (SESSION_ENGINE = django.contrib.sessions.backends.db): the
sessions app's migration, run the way a Django project runs it. Requests and store calls go
through session_ops, which works for every engine.
"""

from django.core.management import call_command
from django.db import connection

from .errors import arg


def migrate(op):
    """manage.py migrate sessions (with --fake-initial when asked); returns the tables Django
    then sees in the database."""
    call_command('migrate', 'sessions', verbosity=0, interactive=False,
                 fake_initial=arg(op, 'fake_initial', False))
    return sorted(connection.introspection.table_names())


def expire_date(op):
    """The expire_date of a row as Django's ORM reads it (an aware UTC datetime with USE_TZ), as
    ISO 8601, or None when there is no such row."""
    from django.contrib.sessions.models import Session

    row = Session.objects.filter(session_key=arg(op, 'key')).first()
    return None if row is None else row.expire_date.isoformat()


OPS = {
    'db.migrate': migrate,
    'db.expire_date': expire_date,
}

"""Django's DATABASES from one URL, shared by the peer (a request's `DATABASE_URL` setting) and
by the tiny project in `../project/` (its `COATCHECK_DATABASE_URL` variable).

    sqlite:////absolute/path/sessions.sqlite3
    postgres://user[:password]@host[:port]/database[?search_path=schema]
    mysql://user[:password]@host[:port]/database

`search_path` puts Django's tables (django_session, django_migrations) in a schema of the
test's own, so a test never touches another's tables in the shared `test` database.
"""

from urllib.parse import parse_qs, unquote, urlsplit


def server(engine, parts):
    """Django's settings for a database server named by a parsed URL."""
    return {
        'ENGINE': engine,
        'NAME': parts.path.lstrip('/'),
        'USER': unquote(parts.username or ''),
        'PASSWORD': unquote(parts.password or ''),
        'HOST': parts.hostname or '',
        'PORT': str(parts.port or ''),
    }


def databases(url):
    parts = urlsplit(url)
    if parts.scheme == 'sqlite':
        # sqlite:////abs/path: the netloc is empty and the path is the file.
        return {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': unquote(parts.path)}}
    if parts.scheme in ('postgres', 'postgresql'):
        options = {}
        search_path = parse_qs(parts.query).get('search_path')
        if search_path:
            options['options'] = '-c search_path=%s' % search_path[0]
        return {'default': dict(server('django.db.backends.postgresql', parts), OPTIONS=options)}
    if parts.scheme == 'mysql':
        # MariaDB or MySQL through mysqlclient (Debian's python3-mysqldb); a database of the
        # test's own keeps its tables apart.
        return {'default': server('django.db.backends.mysql', parts)}
    raise ValueError('unsupported database URL %r (sqlite:, postgres: or mysql:)' % url)

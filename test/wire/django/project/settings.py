"""The wire tests' Django project, for running Django's own commands by hand against a database
coatcheck uses: the db session engine, the peer's SECRET_KEY, USE_TZ on (so expire_date is UTC,
as coatcheck writes it), and the database named by COATCHECK_DATABASE_URL (see
coatcheck_peer/database.py). The tests themselves send the same settings with each request.
"""

import os

from coatcheck_peer.database import databases
from coatcheck_peer.settings import SECRET_KEY  # noqa: F401 (a setting)

USE_TZ = True
INSTALLED_APPS = ['django.contrib.sessions']
SESSION_ENGINE = 'django.contrib.sessions.backends.db'
DATABASES = databases(os.environ.get(
    'COATCHECK_DATABASE_URL',
    'sqlite:///' + os.path.abspath('.coatcheck/sessions.sqlite3'),
))

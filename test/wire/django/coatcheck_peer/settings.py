"""A standalone Django configuration, no project needed: only what signing and cookies read.

A test may override any setting per request (`{"settings": {...}}`) or per operation. The
request setting `DATABASE_URL` (see `database.py`) stands for DATABASES.
"""

import django
from django.conf import settings

from .database import databases

# The key the recorded vectors (test/fixtures/django-vectors-5.2.json) use, so both agree.
SECRET_KEY = 'interop-secret-key-0123456789'

DEFAULTS = {
    'SECRET_KEY': SECRET_KEY,
    'USE_TZ': False,  # Django 3.2's default, stated so the clock-dependent code paths are clear
    'INSTALLED_APPS': [],
    'DATABASES': {},
}


def configure(overrides):
    overrides = dict(overrides)
    url = overrides.pop('DATABASE_URL', None)
    if url is not None:
        overrides['DATABASES'] = databases(url)
    settings.configure(**{**DEFAULTS, **overrides})
    django.setup()

"""A standalone Django configuration, no project needed: only what signing and cookies read.

A test may override any setting per request (`{"settings": {...}}`) or per operation.
"""

import django
from django.conf import settings

# The key the recorded vectors (test/fixtures/django-vectors-5.2.json) use, so both agree.
SECRET_KEY = 'interop-secret-key-0123456789'

DEFAULTS = {
    'SECRET_KEY': SECRET_KEY,
    'USE_TZ': False,  # Django 3.2's default, stated so the clock-dependent code paths are clear
    'INSTALLED_APPS': [],
    'DATABASES': {},
}


def configure(overrides):
    settings.configure(**{**DEFAULTS, **overrides})
    django.setup()

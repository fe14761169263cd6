#!/usr/bin/env python3
"""manage.py of the wire tests' Django project. Run with Debian's Django 3.2, from anywhere:

    COATCHECK_DATABASE_URL=sqlite:////tmp/sessions.sqlite3 /usr/bin/python3 -B project/manage.py migrate
    COATCHECK_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test /usr/bin/python3 -B project/manage.py clearsessions

With no COATCHECK_DATABASE_URL it uses coatcheck's embedded default, .coatcheck/sessions.sqlite3
under the working directory.
"""

import os
import sys

if __name__ == '__main__':
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'project.settings')
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)

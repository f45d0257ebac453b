#!/usr/bin/env python
import os
import sys

# Commands that only read the code (models against migrations, strings against catalogues)
# and never sign, serve or send anything: they run in a bare checkout, with no secrets set.
CODE_ONLY_COMMANDS = {"makemigrations", "makemessages"}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exitplan.settings")
    if sys.argv[1:2] and sys.argv[1] in CODE_ONLY_COMMANDS:
        os.environ.setdefault("DEBUG", "true")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

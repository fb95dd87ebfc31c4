"""``python -m dynamo_magic.demo [--no-lab] [--port N] [--folder DIR]``: ``dynamo demo``."""

import sys

from ..cli import main

sys.exit(main(["demo", *sys.argv[1:]]))

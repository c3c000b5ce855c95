"""``python -m allmysms_component``: the same command line as ``allmysms-component``."""

import sys

from .cli import main

sys.exit(main())

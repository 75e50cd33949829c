"""``python -m webui.load``: see :mod:`webui.load.runner`."""

import sys

from webui.load.runner import main

if __name__ == "__main__":
    sys.exit(main())

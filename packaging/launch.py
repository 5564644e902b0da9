"""Entry point of the packaged app: the same ``consortium`` command as the pip install."""

import multiprocessing
import sys

from consortium.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a frozen app's worker processes start here too
    sys.exit(main())

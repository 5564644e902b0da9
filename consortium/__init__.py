"""Consortium core: partner registry, tenders, matching, documents and packs.

This package never imports Qt, so everything here runs headless and from the CLI.
"""

__version__ = "0.1.0"

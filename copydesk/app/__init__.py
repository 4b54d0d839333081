"""The dashboard's side of copydesk: what the pages in ``pages/`` read and call.

One module per page (``overview``, ``scores``, ``review``, ``duplicates``) holds typed data
functions — cached reads on short-lived connections, returning dataclasses or DataFrames
whose columns their docstrings name — and the few widgets the page shares with no other.
``common`` is the database access, caching, error display, plain-text and CSV-download
helpers every page uses; ``filters`` the shared sidebar filters kept in the URL.

A page imports only from here, ``copydesk.charts`` and ``copydesk.domain``; it holds no
SQL, query names, caching or connection handling (``tests/test_thin_pages.py`` reads the
pages to keep it so).
"""

"""Start the dashboard: ``python -m copydesk.serve [streamlit run options]`` (``make run`` uses it).

Same as ``streamlit run dashboard.py``, with one difference.  Streamlit treats an app
that has a ``pages/`` folder as an old-style multipage app until the entry script has
called ``st.navigation`` once: a link to a page (``/scores?site=…``, a bookmark) opened
as the first request after a start would run that page alone, without the navigation
and the shared sidebar.  Telling Streamlit up front that the app uses ``st.navigation``
makes every first request go through ``dashboard.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

DASHBOARD = Path(__file__).resolve().parent.parent / "dashboard.py"


def main(argv: list[str] | None = None) -> None:
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", str(DASHBOARD), *(sys.argv[1:] if argv is None else argv)]
    sys.exit(cli.main())


if __name__ == "__main__":
    main()

"""copydesk dashboard: the Streamlit entry point (`streamlit run dashboard.py`)."""

import streamlit as st

from copydesk.app import common, filters

st.set_page_config(page_title="copydesk", page_icon=":memo:", layout="wide")

PAGES = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("pages/scores.py", title="Scores & trends", icon=":material/monitoring:"),
    st.Page("pages/quality.py", title="Quality", icon=":material/fact_check:"),
    st.Page("pages/review_queue.py", title="Review queue", icon=":material/checklist:"),
    st.Page("pages/duplicates.py", title="Duplicates", icon=":material/content_copy:"),
]

nav = st.navigation(PAGES)
with st.sidebar:
    st.caption(f"Database: `{common.database()}`")
with common.stop_on_error():     # the net: a CopydeskError no data function caught is one st.error too
    filters.keep_shared_in_url()     # the shared filters stay in the URL on every page, however it was reached
    nav.run()

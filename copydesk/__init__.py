"""copydesk: editorial review and quality scoring over page dumps in DuckDB."""

__version__ = "0.1.0"

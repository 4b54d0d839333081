"""Time as copydesk stores it: every timestamp in the database is UTC (naive ``TIMESTAMP``
columns documented as UTC), whatever the time zone of the process that writes it."""

from __future__ import annotations

import datetime as dt


def utc_now() -> dt.datetime:
    """Now in UTC, to the second, without tzinfo (how the TIMESTAMP columns hold it)."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


def as_utc(value: dt.datetime) -> dt.datetime:
    """A datetime for a UTC column: aware values are converted to UTC, naive ones are taken as UTC."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value

"""The tuning settings read from the environment (``COPYDESK_*``, README "Import").

A module reads its settings once, when it is imported, with :func:`number`; a value that does
not parse leaves the default in place and is remembered, so that importing a module never fails
because of a setting.  The code that uses the setting calls :func:`check` first, which raises a
:class:`~copydesk.errors.SettingError` naming the variable and its value (the CLI's one-line
``error: …`` and exit 2; the pages' error box).
"""

from __future__ import annotations

import math
import os

from .errors import SettingError

_INVALID: dict[str, str] = {}


def number(name: str, default: int | float, kind: type = float, *, lo: int | float | None = None,
           hi: int | float | None = None) -> int | float:
    """``$name`` as an int or float (``kind``) within [lo, hi], or ``default`` when it is unset or
    blank; a value that does not parse is remembered for :func:`check` and ``default`` returned."""
    _INVALID.pop(name, None)
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(raw)
    except ValueError:
        value = None
    if value is None or (lo is not None and value < lo) or (hi is not None and value > hi):
        what = "a whole number" if kind is int else "a number"
        bounds = (f" from {lo} to {hi}" if hi is not None else f" of at least {lo}") if lo is not None else ""
        _INVALID[name] = f"environment setting {name}={raw!r} is not {what}{bounds}"
        return default
    return value


def check(*names: str) -> None:
    """Raise :class:`SettingError` for the first of ``names`` whose value did not parse."""
    for name in names:
        if name in _INVALID:
            raise SettingError(_INVALID[name])


def size_error(name: str, value: str, exc: Exception) -> SettingError:
    """The error for a memory or file size (``1GB``) that DuckDB refused."""
    reason = " ".join(str(exc).split())
    return SettingError(f"environment setting {name}={value!r} is not a size DuckDB accepts (e.g. 1GB): {reason}")

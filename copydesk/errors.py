"""The errors copydesk reports to its users.

Everything a user can cause and act on (a bad policy file, an unknown export, a decision
without a reviewer, a busy or unreadable database, a path that does not exist) raises a
:class:`CopydeskError`.  The CLI turns every one of them into ``error: <message>`` on one
line and exit status 2 (``copydesk.cli``); the pages show the message with ``st.error``
(``copydesk.app.common.show_error``).  Any other exception is a bug and keeps its
traceback.
"""

from __future__ import annotations


class CopydeskError(Exception):
    """A problem the user can act on; its message is one line of plain text."""

    def __str__(self) -> str:
        text = super().__str__()
        return " ".join(text.split()) if "\n" in text else text


class PolicyError(CopydeskError, ValueError):
    """The policy file is missing, unreadable or holds an invalid value."""


class ExportError(CopydeskError, ValueError):
    """An export that cannot be produced (unknown view, missing table, bad format, unwritable file)."""


class DecisionError(CopydeskError, ValueError):
    """A decision that cannot be recorded (no reviewer, unknown post, missing date ...)."""


class DatabaseBusy(CopydeskError):
    """Another process held the database for longer than we were willing to wait."""


class DatabaseError(CopydeskError):
    """The database file cannot be opened or written (not a DuckDB file, a folder, read-only ...)."""


class InputError(CopydeskError, ValueError):
    """An input the user named cannot be used (a missing path, an option out of range ...)."""


class ImportFailed(CopydeskError):
    """An import that could not finish (disk full, out of memory, the lock lost between two
    batches): its batch is marked ``failed`` with this message."""


class SettingError(CopydeskError, ValueError):
    """An environment setting (``COPYDESK_*``) whose value cannot be used."""

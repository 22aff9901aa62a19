"""One exception tree for everything xlseg can refuse.

Every message names the thing (sheet, row, column or Settings key, value) and
the fix. The CLI prints ``str(error)`` and exits 1; the ribbon shows it in one
alert; UDFs return ``"#xlseg: " + str(error)``. No traceback reaches a user.
"""

from __future__ import annotations


class XlsegError(Exception):
    """Base class of every error xlseg raises on purpose.

    Catch this to handle any input problem; the message already says what to do.
    """


class InputError(XlsegError):
    """The data cannot be classified as it stands (fatal bad input).

    Fix the sheet named in the message: nothing has been written.
    """


class ColumnError(InputError):
    """A required column is missing or two headers claim the same field.

    Rename the header to one of the listed names, or map it explicitly
    (Settings ``column.<field>`` or ``Config(columns={...})``).
    """


class ConfigError(XlsegError):
    """A setting has a value xlseg does not accept.

    The message names the key (and the Settings row) and the allowed values;
    correct that cell and run again.
    """


class RuleError(ConfigError):
    """A tag rule in the Settings rule table cannot be used.

    The message names the rule's Settings row; fix the Field, Operator or Value.
    """


class WorkbookError(XlsegError):
    """The file is not a workbook xlseg can read or safely write.

    Check the path and the format (.xlsx, .xlsm or .csv); the original is untouched.
    """


class WouldLoseDataError(WorkbookError):
    """Saving would drop parts of the user's workbook that openpyxl cannot carry.

    Nothing was overwritten; the message lists what would be lost and where the
    results were written instead.
    """

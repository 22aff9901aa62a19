"""The VBA that xlwings generates for xlseg's worksheet functions, checked against a golden file.

On Windows, "Import Functions" (``ImportPythonUDFsToAddin``) calls
``xlwings.udfs.import_udfs``, which writes one VBA wrapper per function from
the ``__xlfunc__`` metadata that xlwings' decorators attach. Neither runs on
Linux: ``xlwings.udfs`` imports pywin32 (``pythoncom``, ``pywintypes``,
``win32com``), and off Windows ``xw.func``/``xw.arg`` are no-ops. So this test
stubs those three modules, imports the real ``xlwings.udfs``, loads a fresh copy
of ``xlseg.udfs`` with xlwings' real decorators in place of the no-ops, and runs
xlwings' own ``generate_vba_wrapper`` on it - the code path Excel uses. If
xlwings rejected a signature (keyword-only arguments, optional and variable
arguments together, a bad category ...) the load or the generation would fail.

The generated module must equal ``tests/data/udfs_golden.bas``. After a
deliberate change to a signature, or a new xlwings version, review the diff and
regenerate the golden file:

    PYTHONPATH=. python -m tests.test_udfs_golden --update
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import re
import sys
import types
from contextlib import contextmanager
from pathlib import Path


GOLDEN = Path(__file__).resolve().parent / "data" / "udfs_golden.bas"
MODULE = "xlseg.udfs"
ADDIN_NAME = "xlseg.xlam"
WINDOWS_COPY = "_xlseg_udfs_as_on_windows"
UDF_NAMES = ["SEG_ABC", "SEG_CLV", "SEG_EXPLAIN", "SEG_PALIVE", "SEG_RFM", "SEG_SCORE", "SEG_SEGMENT", "SEG_STAGE",
             "SEG_TAGS", "SEG_TIER"]
# VBA keywords and statement names that cannot (or should not) name a parameter.
VBA_RESERVED = {
    "and", "as", "boolean", "byref", "byte", "byval", "call", "case", "close", "const", "currency", "date",
    "declare", "dim", "do", "double", "each", "else", "elseif", "empty", "end", "enum", "eqv", "erase",
    "error", "event", "exit", "false", "for", "friend", "function", "get", "global", "gosub", "goto", "if",
    "imp", "implements", "in", "input", "integer", "is", "let", "like", "line", "lock", "long", "loop", "lset",
    "me", "mod", "name", "new", "next", "not", "nothing", "null", "object", "on", "open", "option", "optional",
    "or", "paramarray", "preserve", "print", "private", "property", "public", "put", "raiseevent", "redim",
    "rem", "resume", "return", "rset", "seek", "select", "set", "single", "static", "step", "stop", "string",
    "sub", "then", "time", "to", "true", "type", "typeof", "until", "variant", "wend", "while", "width", "with",
    "withevents", "write", "xor",
}


class _FakeBook:
    """The one attribute generate_vba_wrapper reads from the workbook: its name (.xlam -> ActiveWorkbook)."""

    Name = ADDIN_NAME


def _stub_pywin32() -> dict:
    class ComError(Exception):
        pass

    pythoncom = types.ModuleType("pythoncom")
    pythoncom.CoInitialize = lambda: None
    pywintypes = types.ModuleType("pywintypes")
    pywintypes.com_error = ComError
    win32com = types.ModuleType("win32com")
    client = types.ModuleType("win32com.client")
    client.Dispatch = lambda *a, **k: None
    win32com.client = client
    return {"pythoncom": pythoncom, "pywintypes": pywintypes, "win32com": win32com, "win32com.client": client}


@contextmanager
def windows_udfs():
    """(xlwings.udfs, a fresh xlseg.udfs decorated as on Windows); sys.modules and xlwings restored after."""
    import xlwings

    stubs = _stub_pywin32()
    saved_modules = {name: sys.modules.get(name) for name in [*stubs, "xlwings.udfs", WINDOWS_COPY]}
    saved_attrs = {name: getattr(xlwings, name) for name in ("func", "arg", "ret")}
    had_udfs_attr = hasattr(xlwings, "udfs")
    saved_udfs_attr = getattr(xlwings, "udfs", None)
    try:
        for name in saved_modules:
            sys.modules.pop(name, None)
        sys.modules.update(stubs)
        xu = importlib.import_module("xlwings.udfs")
        xlwings.func, xlwings.arg, xlwings.ret = xu.xlfunc, xu.xlarg, xu.xlret
        # a second copy of xlseg.udfs under another name: the normal module stays as it is
        spec = importlib.util.spec_from_file_location(WINDOWS_COPY, importlib.util.find_spec(MODULE).origin)
        module = importlib.util.module_from_spec(spec)
        sys.modules[WINDOWS_COPY] = module
        spec.loader.exec_module(module)
        yield xu, module
    finally:
        for name, attr in saved_attrs.items():
            setattr(xlwings, name, attr)
        for name, mod in saved_modules.items():
            if mod is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = mod
        if had_udfs_attr:
            xlwings.udfs = saved_udfs_attr
        elif hasattr(xlwings, "udfs"):
            del xlwings.udfs


def generate_vba() -> str:
    """The VBA module ``import_udfs`` would import into xlseg.xlam (its header lines, then the wrappers)."""
    with windows_udfs() as (xu, module):
        out = io.StringIO()
        vba = xu.VBAWriter(out)
        # the three lines import_udfs writes before the wrappers (xlwings 0.37.8, udfs.py)
        vba.writeln('Attribute VB_Name = "xlwings_udfs"')
        vba.writeln("'Autogenerated code by xlwings - changes will be lost with next import!")
        vba.writeln("""#Const App = "Microsoft Excel" 'Adjust when using outside of Excel""")
        xu.generate_vba_wrapper(MODULE, module, out, _FakeBook())
        return out.getvalue()


# ------------------------------------------------------------------ tests
def test_generated_vba_equals_the_golden_file():
    assert GOLDEN.exists(), f"missing {GOLDEN}: run  PYTHONPATH=. python -m tests.test_udfs_golden --update"
    got = generate_vba()
    want = GOLDEN.read_text(encoding="utf-8")
    assert got == want, ("The VBA xlwings generates for xlseg.udfs changed. If intended, review and run "
                         "PYTHONPATH=. python -m tests.test_udfs_golden --update")


def test_golden_file_declares_every_udf_calling_xlseg_udfs_through_the_active_workbook():
    text = GOLDEN.read_text(encoding="utf-8")
    assert re.findall(r"^Function (\w+)\(", text, re.M) == UDF_NAMES
    assert 'Function SEG_TIER(table, Optional customer, Optional orders, Optional as_of, Optional lang, ' \
           'Optional settings)' in text
    assert 'Function SEG_SCORE(table, metric, Optional customer, ' in text
    assert text.count('XLPy.CallUDF("xlseg.udfs", ') == 2 * len(UDF_NAMES)
    assert text.count(", ActiveWorkbook, Application.Caller)") == len(UDF_NAMES)  # add-in: not ThisWorkbook
    assert "Application.Volatile" not in text  # recalculated only when the table changes
    wizard_off = 'If (Not Application.CommandBars("Standard").Controls(1).Enabled) Then Exit Function'
    assert text.count(wizard_off) == len(UDF_NAMES)  # call_in_wizard=False


def test_every_udf_has_excel_metadata_docs_and_safe_argument_names():
    with windows_udfs() as (_xu, module):
        found = sorted(name for name in dir(module) if hasattr(getattr(module, name), "__xlfunc__"))
        assert found == UDF_NAMES
        for name in found:
            xlf = getattr(module, name).__xlfunc__
            assert xlf["category"] == "xlseg"
            assert xlf["sub"] is False and xlf["volatile"] is False and xlf["async_mode"] is None
            # classifying a table is heavy: not on every keystroke in the function wizard
            assert xlf["call_in_wizard"] is False
            doc = xlf["ret"]["doc"]
            # Excel's function wizard shows the description on one line and keeps 255 characters.
            assert doc == getattr(module, name).__doc__ and "\n" not in doc and 20 < len(doc) <= 255, name
            # native dynamic arrays: no legacy "expand", no converter from a type annotation
            assert xlf["ret"]["options"] == {}, name
            for arg in xlf["args"]:
                assert not arg["doc"].startswith("Positional argument"), (name, arg["name"])
                assert len(arg["doc"]) <= 255, (name, arg["name"])
                assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", arg["name"]) and arg["name"].lower() not in VBA_RESERVED
                assert "convert" not in arg["options"], (name, arg["name"])
            args = {a["name"]: a for a in xlf["args"]}
            # err_to_str: error cells arrive as "#N/A" ... (file mode's reading), not as None
            assert args["table"]["options"] == {"ndim": 2, "err_to_str": True} and "optional" not in args["table"]
            for opt in ("customer", "orders", "settings"):
                assert args[opt]["options"] == {"ndim": 2, "err_to_str": True} and args[opt]["optional"] is None
            assert args["as_of"]["options"] == {} and args["lang"]["options"] == {}


def test_decorated_functions_still_compute_the_same():
    from xlseg import udfs

    table = [["Customer ID", "Orders", "Total Spend"], ["A", 3.0, 100.0], ["B", 1.0, 900.0]]
    with windows_udfs() as (_xu, module):
        assert module.SEG_TIER(table) == udfs.SEG_TIER(table) == [["Medium value"], ["High value"]]


def test_the_stubs_do_not_leak():
    import xlwings

    before = {name: sys.modules.get(name) for name in ("pythoncom", "pywintypes", "win32com", "xlwings.udfs")}
    func = xlwings.func
    generate_vba()
    assert {name: sys.modules.get(name) for name in before} == before
    assert WINDOWS_COPY not in sys.modules and xlwings.func is func


def _main(argv: list[str]) -> int:
    if argv != ["--update"]:
        print("usage: PYTHONPATH=. python -m tests.test_udfs_golden --update", file=sys.stderr)
        return 2
    GOLDEN.write_text(generate_vba(), encoding="utf-8", newline="")
    print(f"wrote {GOLDEN}")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))

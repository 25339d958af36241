"""Expressions come from users and project files: none of them may run Python."""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest

from mapdesk.core.errors import ExpressionError
from mapdesk.core.expression import evaluate, matches

FRAME = pd.DataFrame({"status": ["Open", "closed"], "priority": [1, 2]})
CANARY = Path("/tmp/mapdesk-expression-canary")

PAYLOADS = [
    "__import__('os').system('touch /tmp/mapdesk-expression-canary')",
    "__import__('os')",
    "__import__",
    "eval('1')",
    "exec('x = 1')",
    "compile('1', 'x', 'eval')",
    "open('/etc/passwd')",
    "getattr(status, 'upper')",
    "globals()",
    "locals()",
    "vars()",
    "dir()",
    "breakpoint()",
    "input()",
    "status.__class__",
    "status.upper()",
    "().__class__.__bases__[0].__subclasses__()",
    "[].__class__",
    "{}.keys()",
    "lambda: 1",
    "lambda x: x",
    "f'{status}'",
    "f\"{__import__('os')}\"",
    "status; import os",
    "import os",
    "from os import system",
    "status if 1 else 2",
    "[x for x in status]",
    "status[0]",
    "status['a']",
    "1 if status else 0",
    "priority ** 2",
    "priority // 2",
    "a := 1",
    "`status`",
    "status @ 1",
    "@status",
    "priority << 2",
    "$__class__",
    "pd.eval('1')",
    "np.frompyfunc(print, 1, 1)",
    "frame.query('priority > 1')",
    '"priority"); DROP TABLE parcels; --',
    "upper(status) || __builtins__",
    "os.system('ls')",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_injection_attempts_are_refused_with_a_clear_message(payload):
    CANARY.unlink(missing_ok=True)
    with pytest.raises(ExpressionError) as caught:
        evaluate(payload, FRAME)
    message = str(caught.value)
    assert message.splitlines()[0].strip(), "an error must say what is wrong"
    assert "Traceback" not in message
    assert not CANARY.exists()


def test_there_are_at_least_forty_payloads():
    assert len(set(PAYLOADS)) >= 40


def test_field_names_cannot_reach_python_objects():
    # A field may be called anything; its name is only ever a column lookup.
    frame = pd.DataFrame({"__class__": [1, 2], "eval": [3, 4]})
    assert evaluate('"__class__" + eval', frame).tolist() == [4, 6]
    assert matches('"__class__" > 1', frame).tolist() == [False, True]


def test_the_expression_package_never_calls_an_evaluator():
    package = Path(__file__).resolve().parents[2] / "mapdesk" / "core" / "expression"
    builtins = {"eval", "exec", "compile", "__import__"}  # called by bare name
    methods = {"eval", "query"}  # pd.eval, DataFrame.eval, DataFrame.query
    for source in package.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None)
                method = getattr(node.func, "attr", None)
                where = f"{source.name}:{node.lineno}"
                assert name not in builtins and method not in methods, f"{where} calls {name}"
                if name == "getattr":  # only fixed attribute names, never user text
                    assert isinstance(node.args[1], ast.Constant), where


def test_deep_nesting_is_an_error_not_a_crash():
    for text in ("(" * 80 + "1" + ")" * 80, "NOT " * 80 + "TRUE", "- " * 80 + "1"):
        with pytest.raises(ExpressionError, match="nests more than"):
            evaluate(text, FRAME)
    with pytest.raises(ExpressionError, match="nests more than"):
        evaluate("+".join(["1"] * 1000), FRAME)

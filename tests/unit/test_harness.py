"""Tools import no tests: the server harness the tests, the bench and the blind evaluation share is
tools/harness.py, and every project module outside tests/ imports nothing from tests/."""

import ast

from tests.conftest import ROOT


def imported_modules(path):
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_no_tool_or_server_module_imports_the_tests():
    for folder in ("actions", "addons", "scripts", "webchat", "deploy", "spacy_pipeline"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            from_tests = {m for m in imported_modules(path) if m == "tests" or m.startswith("tests.")}
            assert not from_tests, f"{path.relative_to(ROOT)} imports {sorted(from_tests)}"

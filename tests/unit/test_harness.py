"""Tools import no tests: the server harness the tests, the bench and the blind evaluation share is
tools/harness.py, and every project module outside tests/ imports nothing from tests/. What a server
runs (the servers, the web chat, the content library and the content studio) imports nothing from
tools/ either: tools/ is not in the images."""

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
    for folder in ("actions", "addons", "scripts", "webchat", "deploy", "spacy_pipeline", "content", "studio", "tools"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            from_tests = {m for m in imported_modules(path) if m == "tests" or m.startswith("tests.")}
            assert not from_tests, f"{path.relative_to(ROOT)} imports {sorted(from_tests)}"


SERVER_FOLDERS = ("actions", "addons", "scripts", "webchat", "spacy_pipeline", "content", "studio")


def test_no_server_module_imports_the_tools():
    for folder in SERVER_FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "node_modules" in path.parts:
                continue
            from_tools = {m for m in imported_modules(path) if m == "tools" or m.startswith("tools.")}
            assert not from_tools, f"{path.relative_to(ROOT)} imports {sorted(from_tools)}"

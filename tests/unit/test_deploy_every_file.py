"""Checks over every file of deploy/: none enables Rasa's HTTP API or holds a secret value, and
deploy/README.md documents every variable a deployment reads."""

from __future__ import annotations

import re

from tests.unit.deploy_files import DEPLOY, ROOT, VARIABLE, rasa_variables


def test_no_deploy_file_enables_the_http_api():
    for path in DEPLOY.rglob("*"):
        if path.is_file() and path.suffix not in (".md",):
            code = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("#"))
            assert "--enable-api" not in code, f"{path.relative_to(ROOT)} enables the HTTP API"


def test_every_deployment_variable_is_documented():
    readme = (DEPLOY / "README.md").read_text()
    names = rasa_variables() | {"WEBCHAT_RASA_URL", "CONVERSATION_RETENTION_DAYS", "SANIC_HOST"}
    missing = sorted(name for name in names if name not in readme)
    assert not missing, f"deploy/README.md does not mention {missing}"


def test_no_deploy_file_holds_a_secret_value():
    pattern = re.compile(r"(PASSWORD|SECRET|TOKEN|ACCOUNT_SID)\s*[:=]\s*(\S*)", re.IGNORECASE)
    for path in DEPLOY.rglob("*"):
        if not path.is_file() or path.suffix == ".md" or path.suffix == ".py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if line.lstrip().startswith("#"):
                continue
            line = VARIABLE.sub("$VARIABLE", line)  # ${X:?...} is a reference, not a value
            for match in pattern.finditer(line):
                value = match.group(2).strip("\"'")
                assert value in ("", "true", "false") or value.startswith(
                    "$"
                ), f"{path.relative_to(ROOT)}:{number}: {line.strip()}"

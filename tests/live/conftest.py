"""The real servers (action server + Rasa server, REST channel) on free loopback ports, one pair
per test module. The harness itself is tools/harness.py (shared with the load benchmark and the
blind evaluation); its names are re-exported here for the test modules that import them from here."""

import pytest

from tools.harness import MODEL, ROOT, TEST_CARE_TEAM_PHONE, VENV_BIN, Servers  # noqa: F401  (re-exported)


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    with Servers(tmp_path_factory.mktemp("servers")) as servers:
        yield servers

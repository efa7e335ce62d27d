"""The private stores for tests and the benchmark: a test never installs a package; it is told
what is missing and which command installs it."""

import pytest

from tools.local_services import LocalServices


def test_a_missing_server_is_named_with_the_command_that_installs_it(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no redis-server on it
    with LocalServices() as services, pytest.raises(RuntimeError) as missing:
        services.redis()
    assert "redis-server is not installed" in str(missing.value)
    assert "make test-replica" in str(missing.value)
    assert services.services == []  # nothing half-started to stop

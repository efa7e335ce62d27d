"""A real nginx enforces the per-client rate limits of deploy/nginx/default.conf as its comments
say (tests/unit/test_deploy_limits.py checks both deployments configure the same limits)."""

import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests

from scripts.model_servers import free_port
from scripts.process_group import start_in_own_group, stop_group
from tests.unit.test_deploy_limits import CONFS, ROUTES, location_limit, without_comments


@pytest.fixture(scope="module")
def limited_nginx():
    """A local nginx with the compose file's zones and limits, serving a file behind each (a file,
    not `return`: `return` answers before the limits are checked)."""
    conf = without_comments(CONFS[0].read_text())
    # in /tmp itself: as root, nginx's workers run as `nobody`, who must read the files
    directory = Path(tempfile.mkdtemp(prefix="neutropenia-nginx-limits-"))
    directory.chmod(0o755)
    port = free_port()
    for route in ROUTES:
        (directory / "site" / route.strip("/")).mkdir(parents=True, exist_ok=True)
        (directory / "site" / route.strip("/") / "webhook").write_text("ok\n")
    zone_lines = "\n".join(
        re.findall(r"^\s*(?:limit_req_zone|limit_req_status|set_real_ip_from|real_ip_\w+)\s[^;]*;", conf, re.M)
    )
    locations = "\n".join(
        f"location {route} {{ limit_req zone={zone} burst={burst} nodelay; }}"
        for route, (zone, burst) in ((route, location_limit(conf, route)) for route in ROUTES)
    )
    (directory / "nginx.conf").write_text(f"""
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {directory}/client_body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
{zone_lines}
    server {{
        listen 127.0.0.1:{port};
        root {directory}/site;
{locations}
    }}
}}
""")
    process = start_in_own_group(
        [
            "nginx",
            "-p",
            str(directory),
            "-c",
            str(directory / "nginx.conf"),
            "-e",
            str(directory / "error.log"),
            "-g",
            "daemon off;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.time() + 20
        while True:
            assert process.poll() is None, (directory / "error.log").read_text()
            try:
                requests.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except requests.ConnectionError:
                assert time.time() < deadline, "nginx did not start"
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", conf
    finally:
        stop_group(process, grace=20)  # nginx and its workers
        shutil.rmtree(directory, ignore_errors=True)


@pytest.mark.parametrize("route", ["/webhooks/rest/", "/socket.io/"])
def test_a_burst_from_one_address_passes_up_to_the_burst_then_gets_429(limited_nginx, route):
    url, conf = limited_nginx
    _, burst = location_limit(conf, route)
    with requests.Session() as session:
        codes = [session.get(url + route + "webhook", timeout=5).status_code for _ in range(burst + 10)]
    # the first request plus the burst pass at once (nodelay); the rest are refused at once
    assert codes.count(200) in (burst + 1, burst + 2)  # one more if a token came back meanwhile
    assert set(codes[burst + 2 :]) == {429}


def test_clients_behind_a_trusted_proxy_are_limited_each_on_their_own_address(limited_nginx):
    url, conf = limited_nginx
    _, burst = location_limit(conf, "/webhooks/rest/")
    flood = [
        requests.get(url + "/webhooks/rest/webhook", headers={"X-Forwarded-For": "203.0.113.7"}, timeout=5).status_code
        for _ in range(burst + 5)
    ]
    assert flood[-1] == 429
    # another parent, behind the same proxy (loopback here), is not held back by the flood
    assert (
        requests.get(url + "/webhooks/rest/webhook", headers={"X-Forwarded-For": "198.51.100.9"}, timeout=5).status_code
        == 200
    )

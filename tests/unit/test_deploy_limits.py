"""Per-client rate limits in the public nginx of both deployments (deploy/nginx/default.conf for
compose, deploy/kubernetes/nginx-webchat.conf): every proxied route has a limit keyed by the
client's address (behind a proxy, the one it names in X-Forwarded-For), sized for a clinic behind
one NAT address; and a real nginx enforces the configured numbers as the comments say."""

import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests

from scripts.process_group import start_in_own_group, stop_group
from tools.local_services import ensure_installed, free_port

ROOT = Path(__file__).resolve().parents[2]
CONFS = [ROOT / "deploy" / "nginx" / "default.conf", ROOT / "deploy" / "kubernetes" / "nginx-webchat.conf"]
# location -> the least burst that lets a clinic's parents through at once
ROUTES = {"/socket.io/": 50, "/webhooks/rest/": 20, "/webhooks/": 100}


def without_comments(conf: str) -> str:
    return "\n".join(line.split("#", 1)[0] for line in conf.splitlines())


def zones(conf: str) -> dict:
    """zone name -> (key, requests per second)"""
    return {
        name: (key, float(rate))
        for key, name, rate in re.findall(r"^\s*limit_req_zone\s+(\S+)\s+zone=(\w+):\d+m\s+rate=(\d+)r/s;", conf, re.M)
    }


def location_limit(conf: str, location: str) -> tuple:
    """(zone, burst) of the limit_req in `location`'s block"""
    block = re.search(r"location\s+" + re.escape(location) + r"\s*\{(.*?)\n    \}", conf, re.S).group(1)
    match = re.search(r"^\s*limit_req\s+zone=(\w+)\s+burst=(\d+)\s+nodelay;", block, re.M)
    assert match, f"location {location} has no limit_req"
    return match.group(1), int(match.group(2))


@pytest.mark.parametrize("path", CONFS, ids=lambda p: p.name)
def test_every_proxied_route_is_limited_per_client_address(path):
    conf = without_comments(path.read_text())
    defined = zones(conf)
    proxied = set(re.findall(r"location\s+(\S+)\s*\{[^}]*proxy_pass", conf, re.S))
    assert proxied == set(ROUTES), "a proxied route without a limit test"
    used = {}
    for location, least_burst in ROUTES.items():
        zone, burst = location_limit(conf, location)
        assert zone in defined, f"{location}: zone {zone} is not defined"
        assert defined[zone][0] == "$binary_remote_addr", "limits are per client address"
        assert burst >= least_burst, f"{location}: a burst of {burst} could block a clinic behind one NAT"
        used[location] = zone
    assert len(set(used.values())) == len(used), "each route has a zone of its own"
    # the providers' webhooks carry every parent's messages from a few addresses: most generous
    assert defined[used["/webhooks/"]][1] >= 10 * defined[used["/webhooks/rest/"]][1]
    assert re.search(r"^\s*limit_req_status 429;", conf, re.M)
    # behind the hospital's proxy or the Ingress, the client named in X-Forwarded-For
    assert re.search(r"^\s*real_ip_header X-Forwarded-For;", conf, re.M)
    assert re.search(r"^\s*real_ip_recursive on;", conf, re.M)
    trusted = re.findall(r"^\s*set_real_ip_from (\S+);", conf, re.M)
    assert trusted and "0.0.0.0/0" not in trusted, "a public client must not choose its address"


def test_both_deployments_have_the_same_limits():
    compose, k8s = (without_comments(path.read_text()) for path in CONFS)
    assert zones(compose) == zones(k8s)
    assert all(location_limit(compose, route) == location_limit(k8s, route) for route in ROUTES)


@pytest.fixture(scope="module")
def limited_nginx():
    """A local nginx with the compose file's zones and limits, serving a file behind each (a file,
    not `return`: `return` answers before the limits are checked)."""
    ensure_installed(["nginx"])
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

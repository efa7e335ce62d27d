"""Per-client rate limits in the public nginx of both deployments (deploy/nginx/default.conf for
compose, deploy/kubernetes/nginx-webchat.conf): every proxied route has a limit keyed by the
client's address (behind a proxy, the one it names in X-Forwarded-For), sized for a clinic behind
one NAT address. tests/services/test_nginx_limits.py has a real nginx enforce them."""

import re
from pathlib import Path

import pytest

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
    block = re.findall(r"location\s+" + re.escape(location) + r"\s*\{(.*?)\n    \}", conf, re.S)[0]
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

"""Static checks of deploy/kubernetes/ against the code and the Dockerfiles: every manifest listed
in the kustomization, two Rasa replicas with probes on its port, the images' users, cluster-internal
services and a network policy that lets only the Rasa pods reach the action server, every variable
the code reads provided, settings left empty either required or optional, no secret values, and
pods with resources that run locked down."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import yaml

from tests.unit.deploy_files import (
    ACTIONS_PORT,
    DEPLOY,
    K8S,
    OPTIONAL_SETTINGS,
    RASA_PORT,
    ROOT,
    SECRET_NAME,
    check_nginx_site,
    dockerfile,
    endpoint_variables,
    environment,
    hospital_variables,
    rasa_variables,
    replica_lock_lifetime,
    shell_code,
)


@pytest.fixture(scope="module")
def k8s():
    documents = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        documents.extend(doc for doc in yaml.safe_load_all(path.read_text()) if doc)
    return documents


def of_kind(documents, kind):
    return {doc["metadata"]["name"]: doc for doc in documents if doc["kind"] == kind}


def pod_spec(workload):
    if workload["kind"] == "CronJob":
        return workload["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return workload["spec"]["template"]["spec"]


def containers(spec):
    return spec.get("initContainers", []) + spec["containers"]


def provided(container, documents) -> set:
    names = {item["name"] for item in container.get("env", [])}
    config_maps = of_kind(documents, "ConfigMap")
    for source in container.get("envFrom", []):
        ref = source["configMapRef"]["name"]
        assert ref in config_maps, f"envFrom names ConfigMap {ref}, which the manifests do not define"
        names |= set(config_maps[ref]["data"])
    return names


def test_kustomization_lists_every_manifest():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    assert listed == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    for generator in kustomization["configMapGenerator"]:
        for entry in generator["files"]:
            assert (K8S / entry.split("=")[-1]).is_file()
    images = {image["name"] for image in kustomization["images"]}
    assert images == {"neutropenia-assistant-rasa", "neutropenia-assistant-actions", "neutropenia-assistant-studio"}


def test_k8s_rasa_has_two_replicas_and_probes_on_its_port(k8s):
    deployments = of_kind(k8s, "Deployment")
    assert {"rasa", "actions", "webchat"} <= set(deployments)
    assert deployments["rasa"]["spec"]["replicas"] == 2
    for name, port, path in (("rasa", RASA_PORT, "/"), ("actions", ACTIONS_PORT, "/health")):
        container = pod_spec(deployments[name])["containers"][0]
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert list(ports.values()) == [port]
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            check = container[probe]["httpGet"]
            assert check["path"] == path and ports.get(check["port"], check["port"]) == port, f"{name} {probe}"
    rasa = pod_spec(deployments["rasa"])["containers"][0]
    assert rasa["command"] == ["sh", "/app/deploy/rasa-serve.sh"] and "args" not in rasa
    actions = pod_spec(deployments["actions"])["containers"][0]
    assert actions["command"] == ["sh", "/app/deploy/actions-serve.sh"] and "args" not in actions


def test_k8s_images_and_users_match_the_dockerfiles(k8s):
    users = {}
    for name, image in (
        ("Dockerfile.rasa", "neutropenia-assistant-rasa"),
        ("Dockerfile.actions", "neutropenia-assistant-actions"),
        ("Dockerfile.studio", "neutropenia-assistant-studio"),
    ):
        user = [a for stage, i, a in dockerfile(name) if stage == "final" and i == "USER"][-1]
        users[image] = int(user.split(":")[0])
    for workload in list(of_kind(k8s, "Deployment").values()) + list(of_kind(k8s, "CronJob").values()):
        spec = pod_spec(workload)
        for container in containers(spec):
            if container["image"] in users:
                uid = container.get("securityContext", {}).get(
                    "runAsUser", spec.get("securityContext", {}).get("runAsUser")
                )
                assert (
                    uid == users[container["image"]]
                ), f"{workload['metadata']['name']}/{container['name']}: uid {uid}"


def test_k8s_services_are_cluster_internal_and_the_action_url_resolves(k8s):
    assert not of_kind(k8s, "Ingress"), "an Ingress is the operator's (deploy/README.md)"
    services = of_kind(k8s, "Service")
    for name, service in services.items():
        assert service["spec"].get("type") == "ClusterIP", f"Service {name} must be ClusterIP"
        assert all("nodePort" not in port for port in service["spec"]["ports"])
    config = of_kind(k8s, "ConfigMap")["neutropenia-assistant-config"]["data"]
    url = urlsplit(config["ACTION_SERVER_URL"])
    assert (url.scheme, url.port, url.path) == ("http", ACTIONS_PORT, "/webhook")
    service = services[url.hostname]
    port = next(p for p in service["spec"]["ports"] if p["port"] == url.port)
    deployment = next(
        d
        for d in of_kind(k8s, "Deployment").values()
        if all(d["spec"]["template"]["metadata"]["labels"].get(k) == v for k, v in service["spec"]["selector"].items())
    )
    assert deployment["metadata"]["name"] == "actions"
    container_ports = {p["name"]: p["containerPort"] for p in pod_spec(deployment)["containers"][0]["ports"]}
    assert container_ports[port["targetPort"]] == ACTIONS_PORT
    # the same URL as in compose: the service is called `actions` in both
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    assert environment(compose["services"]["rasa-1"])["ACTION_SERVER_URL"] == config["ACTION_SERVER_URL"]
    # nginx in the webchat pods proxies to the rasa Service's port
    conf = (K8S / "nginx-webchat.conf").read_text()
    assert re.findall(r"^\s*server (\S+);", conf, re.M) == [f"rasa:{RASA_PORT}"]
    assert services["rasa"]["spec"]["ports"][0]["port"] == RASA_PORT
    check_nginx_site(conf)


def test_k8s_network_policy_lets_only_the_rasa_pods_reach_the_action_server(k8s):
    policies = of_kind(k8s, "NetworkPolicy")
    deny = [
        p
        for p in policies.values()
        if p["spec"]["podSelector"] == {} and p["spec"]["policyTypes"] == ["Ingress"] and not p["spec"].get("ingress")
    ]
    assert deny, "no default-deny ingress policy"
    actions_labels = (
        pod_spec(of_kind(k8s, "Deployment")["actions"])
        and of_kind(k8s, "Deployment")["actions"]["spec"]["template"]["metadata"]["labels"]
    )
    rasa_labels = of_kind(k8s, "Deployment")["rasa"]["spec"]["template"]["metadata"]["labels"]
    selecting = [
        p
        for p in policies.values()
        if p["spec"]["podSelector"].get("matchLabels")
        and all(actions_labels.get(k) == v for k, v in p["spec"]["podSelector"]["matchLabels"].items())
    ]
    assert len(selecting) == 1
    rules = selecting[0]["spec"]["ingress"]
    assert len(rules) == 1
    assert [peer["podSelector"]["matchLabels"] for peer in rules[0]["from"]] == [
        {k: rasa_labels[k] for k in ("app.kubernetes.io/name", "app.kubernetes.io/component")}
    ]
    assert rules[0]["ports"] == [{"protocol": "TCP", "port": ACTIONS_PORT}]
    # and no other policy admits anything to the actions pods
    for name, policy in policies.items():
        if policy is selecting[0] or not policy["spec"].get("ingress"):
            continue
        labels = policy["spec"]["podSelector"].get("matchLabels", {})
        assert labels and not all(actions_labels.get(k) == v for k, v in labels.items()), name


def test_k8s_provides_every_variable_the_code_reads(k8s):
    deployments = of_kind(k8s, "Deployment")
    rasa = pod_spec(deployments["rasa"])["containers"][0]
    missing = rasa_variables() - provided(rasa, k8s)
    assert not missing, f"the rasa Deployment lacks {sorted(missing)}"
    assert not hospital_variables() - provided(pod_spec(deployments["actions"])["containers"][0], k8s)
    site = pod_spec(deployments["webchat"])["initContainers"][0]
    assert site["command"] == ["python", "webchat/site.py", "--out", "/srv/webchat"]
    assert not (hospital_variables() | {"WEBCHAT_RASA_URL"}) - provided(site, k8s)
    assert (
        of_kind(k8s, "ConfigMap")["neutropenia-assistant-config"]["data"]["TICKET_LOCK_LIFETIME"]
        == replica_lock_lifetime()
    )
    retention = pod_spec(of_kind(k8s, "CronJob")["retention"])["containers"][0]
    assert not (endpoint_variables() | {"CONVERSATION_RETENTION_DAYS"}) - provided(retention, k8s)
    assert "--endpoints" in retention["command"] and "endpoints.production.yml" in retention["command"]


def test_k8s_empty_settings_are_required_by_the_start_scripts_or_optional(k8s):
    """A value the operator must set is empty in the ConfigMap, and then the pod refuses to start."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("webchat_site", ROOT / "webchat" / "site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    required = set(re.findall(r': "\$\{([A-Z_]+):\?', shell_code(DEPLOY / "rasa-serve.sh"))) | set(module.REQUIRED)
    data = of_kind(k8s, "ConfigMap")["neutropenia-assistant-config"]["data"]
    empty = {key for key, value in data.items() if value == ""}
    site_specific = {
        "POSTGRES_HOST",
        "REDIS_HOST",
        "HOSPITAL_CARE_TEAM_PHONE",
        "HOSPITAL_AFTER_HOURS_PHONE",
        "WEBCHAT_RASA_URL",
    }
    assert empty == site_specific | OPTIONAL_SETTINGS
    assert site_specific <= required, sorted(site_specific - required)
    from clinical.settings import load_settings

    load_settings(environ={key: "" for key in OPTIONAL_SETTINGS})  # the file's values stand in


def test_k8s_has_no_secret_values(k8s):
    assert not of_kind(k8s, "Secret"), "Secrets are created by the operator, never kept in the manifests"
    for name, data in ((n, c["data"]) for n, c in of_kind(k8s, "ConfigMap").items()):
        for key in data:
            assert not SECRET_NAME.search(key), f"ConfigMap {name} holds {key}"
    for workload in list(of_kind(k8s, "Deployment").values()) + list(of_kind(k8s, "CronJob").values()):
        for container in containers(pod_spec(workload)):
            for item in container.get("env", []):
                if SECRET_NAME.search(item["name"]):
                    assert (
                        "value" not in item and "secretKeyRef" in item["valueFrom"]
                    ), f"{workload['metadata']['name']}: {item['name']} must come from a Secret"
                    assert item["valueFrom"]["secretKeyRef"]["key"] == item["name"]


def test_k8s_pods_have_resources_and_run_locked_down(k8s):
    for workload in list(of_kind(k8s, "Deployment").values()) + list(of_kind(k8s, "CronJob").values()):
        spec = pod_spec(workload)
        name = workload["metadata"]["name"]
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["automountServiceAccountToken"] is False, name
        for container in containers(spec):
            where = f"{name}/{container['name']}"
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(container["resources"][kind]), f"{where}: resources.{kind}"
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["capabilities"]["drop"] == ["ALL"], where

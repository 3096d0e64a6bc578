"""Exposure: public LoadBalancer Services (and the Airflow release's services), NSG rules opening admin or database
ports to the internet."""

import pytest
from airflow_aks_policies import load_balancer_exposure, network_security_groups
from pulumi.runtime import proto
from support.policy_analyzer import analyze, servicer
from support.policy_harness import UNKNOWN, UNKNOWN_LIST, violations

LB_POLICY = load_balancer_exposure.no_public_load_balancer
NSG_POLICY = network_security_groups.no_open_admin_ports
SERVICE = "kubernetes:core/v1:Service"
RELEASE = "kubernetes:helm.sh/v3:Release"
NSG = "azure-native:network:NetworkSecurityGroup"
RULE = "azure-native:network:SecurityRule"
INTERNAL = {"service.beta.kubernetes.io/azure-load-balancer-internal": "true"}


def service(spec_type="LoadBalancer", annotations=None, ranges=None):
    spec = {"type": spec_type, "ports": [{"port": 443}], "selector": {"app": "web"}}
    if ranges is not None:
        spec["loadBalancerSourceRanges"] = ranges
    return {"metadata": {"name": "web", "namespace": "airflow", "annotations": annotations or {}}, "spec": spec}


@pytest.mark.parametrize(
    "props",
    [
        service(),
        service(annotations={"service.beta.kubernetes.io/azure-load-balancer-internal": "false"}),
        service(ranges=["0.0.0.0/0"]),
        service(ranges=["0.0.0.0/1", "128.0.0.0/1"]),
        service(annotations={"service.beta.kubernetes.io/azure-allowed-service-tags": "Internet"}),
        service(annotations={"service.beta.kubernetes.io/load-balancer-source-ranges": "0.0.0.0/0"}),
    ],
    ids=["no-ranges", "internal-false", "everyone", "halves", "internet-tag", "annotation-everyone"],
)
def test_a_public_load_balancer_is_rejected(props):
    [message] = violations(LB_POLICY, SERVICE, props)
    assert "public IP" in message and "azure-load-balancer-internal" in message


@pytest.mark.parametrize(
    "props",
    [
        service(annotations=INTERNAL),
        service(annotations={"service.beta.kubernetes.io/azure-load-balancer-internal": "True"}),
        service(ranges=["203.0.113.0/24", "198.51.100.7/32"]),
        service(annotations={"service.beta.kubernetes.io/azure-allowed-ip-ranges": "203.0.113.0/24"}),
        service(annotations={"service.beta.kubernetes.io/azure-allowed-service-tags": "AzureFrontDoor.Backend"}),
        service("ClusterIP"),
        service("NodePort"),
        service(ranges=UNKNOWN_LIST),
        service(UNKNOWN),
    ],
    ids=[
        "internal",
        "internal-case",
        "ranges",
        "ip-annotation",
        "front-door",
        "cluster-ip",
        "node-port",
        "unknown-ranges",
        "unknown-type",
    ],
)
def test_internal_or_restricted_services_pass(props):
    assert violations(LB_POLICY, SERVICE, props) == []


def airflow(api_server_service):
    return {
        "chart": "apache-airflow",
        "name": "airflow",
        "namespace": "airflow",
        "version": "1.20.0",
        "values": {"executor": "KubernetesExecutor", "apiServer": {"service": api_server_service}},
    }


def test_the_airflow_api_server_service_needs_the_same_care():
    [message] = violations(LB_POLICY, RELEASE, airflow({"type": "LoadBalancer"}))
    assert message.startswith("Release 'r': values.apiServer.service.type LoadBalancer")
    assert violations(LB_POLICY, RELEASE, airflow({"type": "LoadBalancer", "annotations": INTERNAL})) == []
    restricted = {"type": "LoadBalancer", "loadBalancerSourceRanges": ["203.0.113.0/24"]}
    assert violations(LB_POLICY, RELEASE, airflow(restricted)) == []
    assert violations(LB_POLICY, RELEASE, airflow({"type": "ClusterIP"})) == []
    other_chart = {**airflow({"type": "LoadBalancer"}), "chart": "ingress-nginx", "values": {"controller": {}}}
    assert violations(LB_POLICY, RELEASE, other_chart) == []


def test_service_lists_and_patches_are_judged():
    assert violations(LB_POLICY, SERVICE + "List", {"items": [service(annotations=INTERNAL), service()]})
    assert violations(LB_POLICY, SERVICE + "Patch", service())


# --- network security groups -------------------------------------------------------------------------------------


def security_rule(source="*", ports="22", **extra):
    rule = {
        "name": "allow",
        "access": "Allow",
        "direction": "Inbound",
        "protocol": "Tcp",
        "priority": 100,
        "sourcePortRange": "*",
        "destinationAddressPrefix": "*",
    }
    rule.update({"sourceAddressPrefix": source} if isinstance(source, str) else {"sourceAddressPrefixes": source})
    rule.update({"destinationPortRange": ports} if isinstance(ports, str) else {"destinationPortRanges": ports})
    return {**rule, **extra}


OPEN = [
    security_rule("*", "22"),
    security_rule("Internet", "3389"),
    security_rule("0.0.0.0/0", "5432"),
    security_rule("Any", "1433"),
    security_rule(["0.0.0.0/1", "128.0.0.0/1"], "3306"),
    security_rule("*", "6000-6500"),
    security_rule("*", "*"),
    security_rule("*", ["443", "27017"]),
    security_rule("*", "5985-5986", protocol="*"),
    security_rule("*", "6379", protocol="Udp"),
]


@pytest.mark.parametrize("rule", OPEN, ids=lambda r: f"{r.get('sourceAddressPrefix')}:{r.get('destinationPortRange')}")
def test_admin_ports_open_to_the_internet_are_rejected(rule):
    [message] = violations(NSG_POLICY, RULE, {**rule, "networkSecurityGroupName": "nsg", "resourceGroupName": "rg"})
    assert "allows inbound from" in message
    [inline] = violations(NSG_POLICY, NSG, {"resourceGroupName": "rg", "securityRules": [rule]})
    assert inline.startswith("NetworkSecurityGroup 'r': securityRules[0] (allow) allows inbound from")


CLOSED = [
    security_rule("*", "443"),
    security_rule("*", ["80", "443"]),
    security_rule("203.0.113.0/24", "22"),
    security_rule("VirtualNetwork", "5432"),
    security_rule("10.0.0.0/8", "*"),
    security_rule("AzureLoadBalancer", "*"),
    security_rule("*", "22", access="Deny"),
    security_rule("*", "22", direction="Outbound"),
    security_rule("*", "*", protocol="Icmp"),
    security_rule(UNKNOWN, "22"),
]


@pytest.mark.parametrize("rule", CLOSED)
def test_restricted_rules_pass(rule):
    assert violations(NSG_POLICY, NSG, {"resourceGroupName": "rg", "securityRules": [rule]}) == []


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_through_the_analyzer(stack):
    analyzer = servicer(stack)
    assert analyze(analyzer, SERVICE, service()) == {"k8s-no-public-load-balancer": proto.MANDATORY}
    assert analyze(analyzer, SERVICE, service(annotations=INTERNAL)) == {}
    nsg = {"resourceGroupName": "rg", "securityRules": [security_rule("Internet", "3389")]}
    assert analyze(analyzer, NSG, nsg) == {"network-no-open-admin-ports": proto.MANDATORY}
    assert (
        analyze(
            analyzer, RULE, {**security_rule("*", "443"), "networkSecurityGroupName": "n", "resourceGroupName": "g"}
        )
        == {}
    )

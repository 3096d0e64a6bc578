"""Closed by default where the pack cannot see: Helm v3 releases, v4 chart components, ARM template deployments;
through offline's PolicyRunner and pulumi_policy's analyzer servicer, with known and preview-unknown inputs."""

import json

import pytest
from airflow_aks_policies import closed_by_default as cbd
from support.policy_analyzer import analyze, servicer
from support.policy_harness import UNKNOWN, policy_resource, stack_violations, violations

OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
NGINX = {"chart": "ingress-nginx", "repository": "https://kubernetes.github.io/ingress-nginx", "version": "4.11.3"}
LISTED = {"allowedHelmReleases": [{**NGINX, "reason": "ingress for the API server"}]}


def release(**changes):
    props = {
        "chart": NGINX["chart"],
        "version": NGINX["version"],
        "repositoryOpts": {"repo": NGINX["repository"]},
        "namespace": "ingress",
        "values": {"controller": {"replicaCount": 2}},
        **changes,
    }
    return {k: v for k, v in props.items() if v is not None}


def helm(props, config=None):
    return violations(cbd.helm_release_allowlist, cbd.HELM_RELEASE, props, config)


# --- Helm v3 releases -------------------------------------------------------------------------------------------


def test_an_unlisted_release_is_rejected_and_says_why():
    (message,) = helm(release())
    assert (
        "ingress-nginx 4.11.3" in message and "no IaC policy sees them" in message and "allowedHelmReleases" in message
    )


def test_a_listed_release_passes_by_chart_repository_and_version():
    assert helm(release(), LISTED) == []
    assert helm(release(repositoryOpts={"repo": NGINX["repository"] + "/"}), LISTED) == []
    assert helm(release(version="4.11.4"), LISTED)
    assert helm(release(repositoryOpts={"repo": "https://mirror.example/charts"}), LISTED)
    oci = {
        "allowedHelmReleases": [
            {
                "chart": "podinfo",
                "repository": "oci://ghcr.io/stefanprodan/charts",
                "version": "6.7.1",
                "reason": "demo",
            }
        ]
    }
    assert (
        helm(release(chart="oci://ghcr.io/stefanprodan/charts/podinfo", repositoryOpts=None, version="6.7.1"), oci)
        == []
    )


@pytest.mark.parametrize(
    "chart,repo",
    [
        ("airflow", "https://airflow.apache.org"),
        ("apache-airflow", "https://airflow.apache.org/"),
        ("oci://acrairflow.azurecr.io/helm/airflow", None),
        ("./charts/airflow-1.20.0.tgz", None),
    ],
)
def test_the_airflow_release_is_judged_by_its_own_rule(chart, repo):
    assert helm(release(chart=chart, repositoryOpts={"repo": repo} if repo else None, version="1.20.0")) == []


def test_an_airflow_named_chart_from_another_https_host_needs_listing():
    assert helm(release(chart="airflow", repositoryOpts={"repo": "https://charts.example.net"}, version="1.20.0"))


def test_values_that_look_like_airflows_do_not_exempt_another_chart():
    airflow_like = {"executor": "KubernetesExecutor", "dagProcessor": {"enabled": True}}
    assert helm(release(values=airflow_like))


def test_unknown_chart_references_are_decided_at_up():
    assert helm(release(version=UNKNOWN)) == []
    assert helm(release(repositoryOpts={"repo": UNKNOWN})) == []


@pytest.mark.parametrize(
    "values",
    [
        {"rbac": {"create": True, "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]}},
        {"clusterRole": {"extraRules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["*"]}]}},
        {"rbac": {"clusterAdmin": True}},
        {"serviceAccount": {"clusterRoleBinding": {"roleRef": "cluster-admin"}}},
    ],
)
def test_values_asking_for_wildcard_rbac_are_rejected_even_when_listed(values):
    (message,) = helm(release(values=values), LISTED)
    assert "no policy sees it" in message


# --- v4 chart components ------------------------------------------------------------------------------------------


def chart(version="4.11.3", repo="https://kubernetes.github.io/ingress-nginx", rendered=True):
    component = policy_resource(
        cbd.CHART_V4, "ingress", {"chart": "ingress-nginx", "version": version, "repositoryOpts": {"repo": repo}}
    )
    child = policy_resource("kubernetes:apps/v1:Deployment", "ingress-controller", {"metadata": {"name": "c"}})
    child.parent = component.urn
    return [component, child] if rendered else [component]


def chart_messages(resources):
    return [m for _, m in stack_violations(cbd.chart_component_pinned, resources)]


def test_a_pinned_rendered_chart_passes():
    assert chart_messages(chart()) == []


@pytest.mark.parametrize(
    "version,repo", [("^4.11", "https://x.example"), (None, "https://x.example"), ("4.11.3", "http://x.example")]
)
def test_chart_components_are_pinned_and_fetched_securely(version, repo):
    assert chart_messages(chart(version, repo))


def test_an_unrendered_chart_is_not_passed_quietly():
    (message,) = chart_messages(chart(rendered=False))
    assert "not rendered" in message


# --- template deployments -------------------------------------------------------------------------------------------

DEPLOYMENT = "azure-native:resources:Deployment"
STACK = "azure-native:resources:DeploymentStackAtResourceGroup"
ASSIGNMENT = {
    "type": "Microsoft.Authorization/roleAssignments",
    "apiVersion": "2022-04-01",
    "name": "[guid(resourceGroup().id)]",
    "properties": {
        "roleDefinitionId": f"[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{OWNER}')]",
        "principalId": "[parameters('principal')]",
    },
}
FIC = {
    "type": "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials",
    "apiVersion": "2023-01-31",
    "name": "id/ci",
    "properties": {
        "issuer": "https://token.actions.githubusercontent.com",
        "subject": "repo:x/y:*",
        "audiences": ["api://AzureADTokenExchange"],
    },
}
OPEN_STORAGE = {
    "type": "Microsoft.Storage/storageAccounts",
    "apiVersion": "2023-05-01",
    "name": "stopen",
    "kind": "StorageV2",
    "properties": {"allowBlobPublicAccess": True, "allowSharedKeyAccess": True},
}
HARDENED_STORAGE = {
    "type": "Microsoft.Storage/storageAccounts",
    "apiVersion": "2023-05-01",
    "name": "stlogs",
    "properties": {
        "supportsHttpsTrafficOnly": True,
        "minimumTlsVersion": "TLS1_2",
        "allowBlobPublicAccess": False,
        "allowSharedKeyAccess": False,
        "publicNetworkAccess": "Disabled",
    },
}


def template(resources, **extra):
    return {
        "properties": {
            "mode": "Incremental",
            "template": {"contentVersion": "1.0.0.0", "resources": resources, **extra},
        }
    }


def deployment(props, config=None, kind=DEPLOYMENT):
    return violations(cbd.template_deployment_grants, kind, props, config)


@pytest.mark.parametrize(
    "props",
    [
        template([ASSIGNMENT]),
        template([FIC]),
        template([{**ASSIGNMENT, "copy": {"name": "loop", "count": 3}}]),
        template({"grant": ASSIGNMENT}, languageVersion="2.0"),
        template([{**ASSIGNMENT, "type": "[concat('Microsoft.Authorization/', 'roleAssignments')]"}]),
        template(
            [
                {
                    "type": "Microsoft.Resources/deployments",
                    "name": "n",
                    "properties": {"template": {"resources": [ASSIGNMENT]}},
                }
            ]
        ),
        template(
            [
                {
                    "type": "Microsoft.Resources/deployments",
                    "name": "n",
                    "properties": {"templateLink": {"uri": "https://x/t.json"}},
                }
            ]
        ),
        template([{"type": "Microsoft.Authorization/policyExemptions", "name": "e", "properties": {}}]),
        template(
            [{"type": "Microsoft.Resources/deploymentScripts", "kind": "AzureCLI", "name": "s", "properties": {}}]
        ),
        template({"app": {"type": "Microsoft.Graph/appRoleAssignedTo@v1.0", "appRoleId": "x"}}, languageVersion="2.0"),
        template(
            {
                "crb": {
                    "import": "kubernetes",
                    "type": "rbac.authorization.k8s.io/ClusterRoleBinding@v1",
                    "properties": {
                        "metadata": {"name": "x"},
                        "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"},
                    },
                }
            },
            languageVersion="2.0",
            imports={"kubernetes": {"provider": "Kubernetes", "version": "1.0.0"}},
        ),
        {"properties": {"template": json.dumps({"resources": [ASSIGNMENT]})}},
        {"properties": {"templateLink": {"uri": "https://example.org/t.json"}}},
    ],
    ids=[
        "assignment",
        "fic",
        "copy",
        "symbolic",
        "concat",
        "nested",
        "nested-link",
        "exemption",
        "script",
        "graph",
        "kubernetes-extension",
        "json",
        "link",
    ],
)
def test_grants_and_unreadable_parts_need_allowed_deployments(props):
    messages = deployment(props)
    assert messages and all("Deployment 'r'" in m and "allowedDeployments" in m for m in messages)
    assert deployment(props, {"allowedDeployments": ["r"]}) == []


def test_deployment_stacks_are_scanned_too():
    props = {"template": {"resources": [ASSIGNMENT]}, "denySettings": {"mode": "None"}}
    assert deployment(props, kind=STACK)


def test_template_resources_are_judged_like_direct_resources():
    messages = deployment(template([OPEN_STORAGE]))
    assert any("allowBlobPublicAccess" in m for m in messages)
    # a reviewed deployment may hold grants, not insecure settings
    assert deployment(template([OPEN_STORAGE]), {"allowedDeployments": ["r"]})
    assert deployment(template([HARDENED_STORAGE])) == []


def test_template_resources_are_held_to_mandatory_rules_not_advisories():
    documented_range = {"networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "203.0.113.0/24"}]}}
    storage = {**HARDENED_STORAGE, "properties": {**HARDENED_STORAGE["properties"], **documented_range}}
    assert deployment(template([storage])) == []  # documentation-ip-ranges is advisory for direct resources too
    wide_open = {
        "networkAcls": {"defaultAction": "Deny", "ipRules": [{"value": "0.0.0.0/1"}, {"value": "128.0.0.0/1"}]}
    }
    storage = {**HARDENED_STORAGE, "properties": {**HARDENED_STORAGE["properties"], **wide_open}}
    assert any("ipRules" in m for m in deployment(template([storage])))


def test_existing_references_and_unknown_templates_pass():
    reference = {**ASSIGNMENT, "existing": True}
    assert deployment(template({"ref": reference}, languageVersion="2.0")) == []
    assert deployment({"properties": {"template": UNKNOWN}}) == []


# --- through pulumi_policy's analyzer servicer (the CLI's path) ----------------------------------------------------


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_analyzer_rejects_an_unlisted_release_and_a_template_grant(stack):
    analyzer = servicer(stack)
    assert "helm-release-allowlist" in analyze(analyzer, cbd.HELM_RELEASE, release())
    assert "azure-template-deployment-grants" in analyze(analyzer, DEPLOYMENT, template([ASSIGNMENT]))
    assert "azure-template-deployment-grants" not in analyze(analyzer, DEPLOYMENT, template([HARDENED_STORAGE]))


def test_the_analyzer_leaves_an_unknown_chart_reference_to_the_update():
    found = analyze(servicer("prod"), cbd.HELM_RELEASE, release(version=UNKNOWN))
    assert "helm-release-allowlist" not in found

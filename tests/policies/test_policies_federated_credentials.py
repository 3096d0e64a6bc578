"""Federated credential rule: exact audience, exact service-account subject, AKS OIDC issuer."""

import pytest
from airflow_aks_policies import federated_credentials as fc
from support.policy_harness import UNKNOWN, UNKNOWN_LIST, violations

ISSUER = "https://westeurope.oic.prod-aks.azure.com/00000000-0000-0000-0000-0000000000aa/1111aaaa-2222-3333/"
GOOD = {
    "resourceGroupName": "rg",
    "resourceName": "id-airflow-scheduler",
    "audiences": ["api://AzureADTokenExchange"],
    "issuer": ISSUER,
    "subject": "system:serviceaccount:airflow:airflow-scheduler",
}


def check(config=None, **changes):
    props = {k: v for k, v in {**GOOD, **changes}.items() if v is not None}
    return violations(fc.credential_trust, fc.FEDERATED_CREDENTIAL, props, config)


def test_exact_trust_passes():
    assert check() == []


def test_unknown_issuer_subject_and_audiences_are_left_to_the_update():
    assert check(issuer=UNKNOWN, subject=UNKNOWN, audiences=UNKNOWN_LIST) == []
    assert check(audiences=[UNKNOWN]) == []


@pytest.mark.parametrize(
    "audiences",
    [None, [], ["api://azureadtokenexchange"], ["api://AzureADTokenExchange", "x"], ["https://management.azure.com"]],
)
def test_audience_must_be_exactly_token_exchange(audiences):
    assert [m for m in check(audiences=audiences) if m.split("': ", 1)[-1].startswith("audiences")]


@pytest.mark.parametrize(
    "subject",
    [
        None,
        "system:serviceaccount:airflow:*",
        "system:serviceaccount:*:scheduler",
        "system:serviceaccount:airflow",
        " system:serviceaccount:airflow:sa",
        "system:serviceaccount:Airflow:sa",
        "repo:org/repo:ref:refs/heads/main",
    ],
)
def test_subject_must_name_one_service_account(subject):
    assert [m for m in check(subject=subject) if m.split("': ", 1)[-1].startswith("subject")]


def test_subject_namespace_must_be_allowed():
    assert check(subject="system:serviceaccount:kube-system:airflow-scheduler")
    assert (
        check(
            {"allowedNamespaces": ["airflow", "kube-system"]},
            subject="system:serviceaccount:kube-system:airflow-scheduler",
        )
        == []
    )


@pytest.mark.parametrize(
    "issuer",
    [
        None,
        ISSUER.replace("https", "http"),
        "not a url",
        "https://token.actions.githubusercontent.com/",
        "https://evil.example/oic.prod-aks.azure.com/",
    ],
)
def test_issuer_must_be_https_aks_oidc(issuer):
    assert [m for m in check(issuer=issuer) if m.split("': ", 1)[-1].startswith("issuer")]


def test_issuer_hosts_are_configurable():
    issuer = "https://chinaeast2.oic.prod-aks.azure.cn/t/x/"
    assert check(issuer=issuer)
    assert check({"issuerHostSuffixes": [".oic.prod-aks.azure.cn"]}, issuer=issuer) == []

"""The federated credential of the Entra sign-in app registration is held to the managed identities' trust rule."""

from support.policy_harness import airflow_aks_policies, violations

fc = airflow_aks_policies.federated_credentials


def test_the_sign_in_apps_federated_credential_is_held_to_the_same_trust():
    issuer = "https://westeurope.oic.prod-aks.azure.com/00000000-0000-0000-0000-0000000000aa/1111aaaa-2222-3333/"
    good = {
        "applicationId": "/applications/0a0a0a0a-0000-4000-8000-000000000001",
        "displayName": "airflow-api-server",
        "audiences": ["api://AzureADTokenExchange"],
        "issuer": issuer,
        "subject": "system:serviceaccount:airflow:airflow-api-server",
    }
    assert violations(fc.credential_trust, fc.APP_FEDERATED_CREDENTIAL, good) == []
    wide = {
        **good,
        "subject": "system:serviceaccount:default:airflow-api-server",
        "issuer": "https://token.example.com",
    }
    found = violations(fc.credential_trust, fc.APP_FEDERATED_CREDENTIAL, wide)
    assert any("namespace 'default'" in message for message in found), found
    assert any("is not an https AKS OIDC issuer" in message for message in found), found

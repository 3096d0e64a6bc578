"""Identity and secrets: workload identities and their federated credentials, role assignments, RBAC
propagation waits, Key Vault and Airflow's generated secrets."""

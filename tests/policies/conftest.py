"""The policy layer imports the pack's rules as the CLI does, top level from the pack folder, before any test module
(ruff sorts `airflow_aks_policies` above `support`, so the harness's own sys.path entry would come too late)."""

from support.policy_harness import PACK_DIR  # noqa: F401 - importing it puts the pack folder on sys.path

"""Entry point of the airflow-aks policy pack: only constructs the PolicyPack.

The PolicyPack constructor serves gRPC to the Pulumi CLI forever, so nothing may import this file; the rules live
in the importable ``airflow_aks_policies`` package. The pack's folder goes first on sys.path. The idle-cost policy
prices resources with the project's pure cost model (``costing``, which reads ``facts``): the published pack carries
copies of both beside ``airflow_aks_policies`` (``make policy-pack`` assembles it), while a pack run from the checkout
finds them at the project root, which is added only when they are not in the folder.
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
if not (HERE / "costing").is_dir():
    sys.path.insert(1, str(HERE.parent))

from airflow_aks_policies import ALL_POLICIES  # noqa: E402
from pulumi_policy import EnforcementLevel, PolicyPack  # noqa: E402

PolicyPack(
    name="airflow-aks",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=ALL_POLICIES,
)

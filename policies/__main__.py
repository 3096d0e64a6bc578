"""Entry point of the airflow-aks policy pack: only constructs the PolicyPack.

The PolicyPack constructor serves gRPC to the Pulumi CLI forever, so nothing may import this file; the rules live
in the importable ``airflow_aks_policies`` package. The pack directory is put on sys.path so the package imports
the same whether the CLI or the offline engine runs this file, and the project root after it, because the cost
policy prices resources with the project's own cost model (``costing``, ``stackconfig.cost``).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

from airflow_aks_policies import ALL_POLICIES
from pulumi_policy import EnforcementLevel, PolicyPack

PolicyPack(
    name="airflow-aks",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=ALL_POLICIES,
)

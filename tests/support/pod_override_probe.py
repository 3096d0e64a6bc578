"""Runs INSIDE .venv-airflow: the pod the KubernetesExecutor would create for a task with a documented override.

Usage: pod_override_probe.py IN.json OUT.json, IN being {"base": <pod template as a dict>, "snippet": <python>,
"name": <the executor_config variable in the snippet>}. The snippet is executed, and its `pod_override` merged into
the base pod by the cncf.kubernetes provider's own PodGenerator.reconcile_pods, as the executor merges it; OUT gets
the resulting pod as a Kubernetes API dict.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from airflow.providers.cncf.kubernetes.pod_generator import PodGenerator
from kubernetes.client import ApiClient

request = json.loads(Path(sys.argv[1]).read_text())
namespace: dict = {}
exec(request["snippet"], namespace)
override = namespace[request["name"]]["pod_override"]
pod = PodGenerator.reconcile_pods(PodGenerator.deserialize_model_dict(request["base"]), override)
Path(sys.argv[2]).write_text(json.dumps(ApiClient().sanitize_for_serialization(pod)))

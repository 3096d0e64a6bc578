"""Runs INSIDE .venv-airflow (the pinned Airflow and its providers): which airflow.cfg options exist, with their defaults.

Usage: airflow_config_probe.py IN.json OUT.json, IN being {"options": [[section, key], ...]}; OUT gets
{"unknown": [[section, key], ...], "defaults": {"section.key": default or null}}. A private AIRFLOW_HOME keeps the
probe from reading any real airflow.cfg.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="airflow-config-probe-")
for name in [name for name in os.environ if name.startswith("AIRFLOW__")]:
    del os.environ[name]

from airflow.configuration import conf  # noqa: E402
from airflow.providers_manager import ProvidersManager  # noqa: E402

ProvidersManager().initialize_providers_configuration()  # adds the providers' sections (kubernetes_executor, ...)
described = conf.configuration_description

wanted = json.loads(Path(sys.argv[1]).read_text())["options"]
known = {(section, key) for section, body in described.items() for key in body.get("options", {})}
result = {
    "unknown": [[section, key] for section, key in wanted if (section, key) not in known],
    "defaults": {
        f"{section}.{key}": described[section]["options"][key].get("default")
        for section, key in wanted
        if (section, key) in known
    },
}
Path(sys.argv[2]).write_text(json.dumps(result))

"""Airflow settings: the chart release, task pod size and DAG delivery."""

from __future__ import annotations

from pydantic import Field

from .base import ConfigSection


class AirflowConfig(ConfigSection):
    namespace: str = Field("airflow", pattern=r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
    release_name: str = Field("airflow", pattern=r"^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$")
    chart_version: str = Field("1.20.0", pattern=r"^[0-9]+\.[0-9]+\.[0-9]+$")

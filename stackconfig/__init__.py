"""Typed, validated stack configuration: `load_stack_config()` parses `airflow-aks:*` once into `StackSettings`."""

from .errors import ConfigError
from .loader import StackSettings, load_stack_config, parse_stack_config
from .root import StackConfig

__all__ = ["ConfigError", "StackConfig", "StackSettings", "load_stack_config", "parse_stack_config"]

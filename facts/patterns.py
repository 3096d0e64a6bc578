"""The text patterns Azure and Kubernetes accept, written once (validation, naming and helpers all use these)."""

from __future__ import annotations

import re

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
"""An Entra ID object id, a tenant or subscription id, a role definition GUID."""

KUBERNETES_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
"""An RFC 1123 label: namespaces, service accounts and most Kubernetes names (at most 63 characters)."""

KUBERNETES_SUBDOMAIN = re.compile(r"^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
"""An RFC 1123 subdomain: Secret and ConfigMap names (at most 253 characters)."""

NODE_POOL_NAME = re.compile(r"^[a-z][a-z0-9]{0,11}$")
"""An AKS Linux node pool name: 1-12 lowercase letters and digits, starting with a letter."""

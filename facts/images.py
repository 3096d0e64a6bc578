"""Where every image comes from and where it lands in the stack's registry: pure facts and functions, no Pulumi.

An image reference names its registry host first (`quay.io/prometheus/statsd-exporter`); a reference without one
(`apache/airflow`) is Docker Hub's, as Docker and containerd read it. Images of a known public upstream are mirrored
into the stack's registry under their upstream path (`<registry>.azurecr.io/prometheus/statsd-exporter`), so the
chart values, the cache rules and the imports all derive from one mapping:

- upstreams that serve anonymous pulls get an ACR cache rule (`containerregistry.CacheRule`): the first pull through
  the registry fetches the image, later pulls are served from the registry;
- Docker Hub needs credentials for a cache rule (ACR's artifact cache rejects a Docker Hub rule without a credential
  set). Rather than keep a Docker Hub account's token in Key Vault (a long-lived credential to rotate, where this
  project has none), Docker Hub images are imported by digest with `az acr import` (an ARM operation the registry
  performs itself, so it works with public network access off) by the image workflow
  (.github/workflows/airflow-image.yml), and the Airflow image is pinned by digest anyway.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

DOCKER_HUB = "docker.io"
ANONYMOUS_UPSTREAMS = ("quay.io", "registry.k8s.io", "mcr.microsoft.com")
"""Upstreams ACR's artifact cache pulls from without credentials (learn.microsoft.com, "Artifact cache in Azure
Container Registry": Docker Hub needs a credential set, these do not)."""
MIRRORED_UPSTREAMS = (DOCKER_HUB, *ANONYMOUS_UPSTREAMS)
ACR_SUFFIX = ".azurecr.io"
CACHE_RULE_NAME = re.compile(r"^[a-zA-Z0-9-]{5,50}$")
"""Azure's rule for a cache rule name (5-50 letters, digits and hyphens)."""
_DOCKER_HUB_ALIASES = {"docker.io", "index.docker.io", "registry-1.docker.io"}
_REGISTRY_ID = re.compile(r"/providers/Microsoft\.ContainerRegistry/registries/([^/]+)/?$", re.IGNORECASE)


def split_reference(repository: str) -> tuple[str, str]:
    """(registry host, path) of an image repository, the way Docker and containerd resolve it.

    The first component is a host when it has a dot or a port or is `localhost`; otherwise the image is Docker Hub's,
    and a single-component name is in Docker Hub's `library/` namespace.
    """
    first, _, rest = repository.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        host, path = first.lower(), rest
    else:
        host, path = DOCKER_HUB, repository
    if host in _DOCKER_HUB_ALIASES:
        host = DOCKER_HUB
        if "/" not in path:
            path = f"library/{path}"
    return host, path


def registry_host(image: str) -> str:
    """The registry host of a full image reference (`repo:tag`, `repo@sha256:...` or `repo:tag@sha256:...`)."""
    repository = image.split("@", 1)[0]
    last = repository.rsplit("/", 1)
    if ":" in last[-1]:  # a tag, not a host port: the host is never the last component
        repository = repository[: repository.rindex(":")]
    return split_reference(repository)[0]


def login_server(registry_name: str) -> str:
    """The login server of an ACR in Azure's public cloud: the registry name, lowercase, under azurecr.io."""
    return f"{registry_name.lower()}{ACR_SUFFIX}"


def registry_name_of(registry_id: str) -> str | None:
    """The registry name in a container registry's ARM id, None if it is not one."""
    match = _REGISTRY_ID.search(registry_id)
    return match.group(1) if match else None


def mirrored(repository: str, server: str | None) -> str:
    """Where `repository` is pulled from: its path in the stack's registry when it comes from a mirrored upstream,
    unchanged when there is no registry or it names another registry (the image policy judges those)."""
    if server is None:
        return repository
    host, path = split_reference(repository)
    return f"{server}/{path}" if host in MIRRORED_UPSTREAMS else repository


@dataclass(frozen=True)
class CachedRepository:
    """One ACR cache rule: `source` upstream repository served as `target` in the stack's registry."""

    name: str
    source: str
    target: str


@dataclass(frozen=True)
class ImportedRepository:
    """A Docker Hub repository the registry gets by `az acr import` (no anonymous cache rule is possible)."""

    source: str
    target: str


def _rule_name(host: str, path: str) -> str:
    name = re.sub(r"[^a-zA-Z0-9]+", "-", f"{host}-{path}").strip("-")
    if len(name) > 50:
        name = f"{name[:41]}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"
    return name


def cache_rules(repositories: list[str]) -> list[CachedRepository]:
    """Cache rules for every repository of an anonymous upstream, one per repository (no wildcard: the registry
    serves exactly the images the release runs, not all of quay.io)."""
    rules: dict[str, CachedRepository] = {}
    for repository in repositories:
        host, path = split_reference(repository)
        if host in ANONYMOUS_UPSTREAMS:
            rules.setdefault(path, CachedRepository(_rule_name(host, path), f"{host}/{path}", path))
    return list(rules.values())


def imports(repositories: list[str], cache_anonymous: bool = True) -> list[ImportedRepository]:
    """The mirrored repositories that must be imported, each once: Docker Hub's, and every other upstream's too when
    the registry has no cache rules."""
    found: dict[str, ImportedRepository] = {}
    for repository in repositories:
        host, path = split_reference(repository)
        if host == DOCKER_HUB or (host in ANONYMOUS_UPSTREAMS and not cache_anonymous):
            found.setdefault(path, ImportedRepository(f"{host}/{path}", path))
    return list(found.values())

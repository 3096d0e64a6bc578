"""Generated secrets: the Fernet key format and its two-slot rotation, the secrets backend config (pure)."""

from __future__ import annotations

import base64
import json
import os

import pytest
from cryptography.fernet import Fernet, MultiFernet

from components.airflow import chart_secrets
from components.airflow.secrets import (
    CONNECTIONS_PREFIX,
    KEY_VAULT_BACKEND,
    KEY_VAULT_NAMES,
    METADATA_PASSWORD_NAME,
    VARIABLES_PREFIX,
    fernet_key,
    fernet_key_order,
    fernet_slot_versions,
    rollout_annotations,
    secrets_backend_config,
)
from stackconfig.secrets import SecretsConfig


def random_bytes_base64() -> str:
    """What pulumi-random's RandomBytes(length=32).base64 holds: standard base64."""
    return base64.b64encode(os.urandom(32)).decode()


def test_fernet_key_from_random_bytes_is_accepted_by_cryptography():
    for _ in range(50):  # standard base64 of random bytes contains + and / often; the key must not
        key = fernet_key(random_bytes_base64())
        assert "+" not in key and "/" not in key
        assert Fernet(key).decrypt(Fernet(key).encrypt(b"x")) == b"x"


def test_fernet_key_refuses_anything_but_32_bytes():
    with pytest.raises(ValueError):
        fernet_key(base64.b64encode(os.urandom(16)).decode())


def test_each_bump_regenerates_exactly_one_slot_and_keeps_the_previous_key_second():
    for version in range(1, 9):
        before, after = fernet_slot_versions(version), fernet_slot_versions(version + 1)
        changed = [slot for slot in before if before[slot] != after[slot]]
        assert len(changed) == 1
        new_order = fernet_key_order(version + 1)
        assert new_order[0] == changed[0]  # the regenerated slot encrypts
        assert new_order[1] == fernet_key_order(version)[0]  # the old current key still decrypts


def test_the_first_version_has_one_key_and_only_one_slot_in_use():
    assert fernet_key_order(1) == ["a"]
    assert fernet_slot_versions(1) == {"a": 1, "b": 0}


def test_multi_key_value_decrypts_old_data_and_encrypts_with_the_new_key():
    """Simulate two rotations through the slots, as `pulumi up` would with real RandomBytes values."""
    slots: dict[str, tuple[int, str]] = {}

    def up(version: int) -> str:
        for slot, slot_version in fernet_slot_versions(version).items():
            if slot_version and slots.get(slot, (None,))[0] != slot_version:
                slots[slot] = (slot_version, random_bytes_base64())  # keepers changed: new random value
        return ",".join(fernet_key(slots[slot][1]) for slot in fernet_key_order(version))

    v1 = up(1)
    token_v1 = MultiFernet([Fernet(k) for k in v1.split(",")]).encrypt(b"conn-password")
    v2 = up(2)
    assert v2.split(",")[1] == v1
    fernets_v2 = MultiFernet([Fernet(k) for k in v2.split(",")])
    assert fernets_v2.decrypt(token_v1) == b"conn-password"
    rotated = fernets_v2.rotate(token_v1)  # what `airflow rotate-fernet-key` does
    assert Fernet(v2.split(",")[0]).decrypt(rotated) == b"conn-password"
    v3 = up(3)
    assert v3.split(",")[1] == v2.split(",")[0]
    assert MultiFernet([Fernet(k) for k in v3.split(",")]).decrypt(rotated) == b"conn-password"


def test_secrets_backend_reads_key_vault_with_workload_identity_and_no_client_secret():
    config = secrets_backend_config("https://kv-airflow-dev-abcde.vault.azure.net/")
    assert config["backend"] == KEY_VAULT_BACKEND
    kwargs = json.loads(config["backend_kwargs"])
    assert kwargs == {
        "connections_prefix": CONNECTIONS_PREFIX,
        "variables_prefix": VARIABLES_PREFIX,
        "config_prefix": None,
        "vault_url": "https://kv-airflow-dev-abcde.vault.azure.net/",
    }


def test_generated_secret_names_stay_outside_the_backends_lookup_prefixes():
    names = [*KEY_VAULT_NAMES.values(), METADATA_PASSWORD_NAME]
    assert set(KEY_VAULT_NAMES) == set(chart_secrets.ALL)
    assert len(set(names)) == len(names)
    assert not any(n.startswith((CONNECTIONS_PREFIX, VARIABLES_PREFIX)) for n in names)


def test_rollout_annotation_changes_with_every_counter():
    base = rollout_annotations(SecretsConfig())
    fields = ["fernet_key_version", "api_secret_key_version", "jwt_secret_version", "database_password_version"]
    bumped = [rollout_annotations(SecretsConfig(**{field: 2})) for field in fields]
    assert len({json.dumps(a) for a in [base, *bumped]}) == 5

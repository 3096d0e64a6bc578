"""Pulumi.yaml / Pulumi.<stack>.yaml loading, checked against the CLI's rules (project.go, config.go)."""

from __future__ import annotations

import json
import re
import textwrap

import pytest
from support import FIXTURES

from offline import OfflineError
from offline.project import load_project, load_stack_config, secret_placeholder

APP = FIXTURES / "azure_app"


def _project(tmp_path, project_yaml: str, stack_yaml: str = "", stack: str = "dev"):
    (tmp_path / "Pulumi.yaml").write_text("name: proj\nruntime: python\n" + textwrap.dedent(project_yaml))
    (tmp_path / "__main__.py").write_text("")
    (tmp_path / f"Pulumi.{stack}.yaml").write_text(textwrap.dedent(stack_yaml))
    return load_project(tmp_path)


def test_fixture_config_is_namespaced_typed_and_json_encoded():
    config = load_stack_config(load_project(APP), "dev")
    values = config.values
    assert values["fixture-app:nodeCount"] == "3"  # stack value wins, passed as a string like the CLI
    assert values["fixture-app:prefix"] == "fx"  # unnamespaced project default
    assert values["fixture-app:enableLock"] == "false"
    assert json.loads(values["fixture-app:zones"]) == ["1", "2"]  # array default JSON-encoded
    assert json.loads(values["fixture-app:settings"]) == {"tier": "basic", "retentionDays": 7}
    assert json.loads(values["fixture-app:network"]) == {"cidrs": ["10.10.0.0/16"], "private": True}
    assert values["azure-native:location"] == "northeurope"  # provider key passed through from `value:`


def test_secure_values_become_placeholders_and_secret_keys():
    config = load_stack_config(load_project(APP), "dev")
    assert config.values["fixture-app:dbPassword"] == secret_placeholder("fixture-app:dbPassword")
    assert config.values["fixture-app:dbPassword"].startswith("offline-secret-")
    nested = json.loads(config.values["fixture-app:database"])
    assert nested == {"user": "airflow", "password": secret_placeholder("fixture-app:database.password")}
    assert config.secret_keys == {"fixture-app:dbPassword", "fixture-app:database"}


def test_type_mismatch_names_the_key():
    with pytest.raises(OfflineError, match="configuration key 'fixture-app:nodeCount' must be of type 'integer'"):
        load_stack_config(load_project(APP), "bad")


@pytest.mark.parametrize(
    ("declaration", "stack_value", "ok"),
    [
        ("type: integer", "7", True),
        ("type: integer", "'7'", True),
        ("type: integer", "seven", False),
        ("type: boolean", "true", True),
        ("type: boolean", "yes-please", False),
        ("type: string", "42", True),  # primitives reach the program as strings
        ("type: string", "{a: 1}", False),
        ("{type: array, items: {type: integer}}", "[1, 2]", True),
        ("{type: array, items: {type: integer}}", "[1, x]", False),
        ("{type: array, items: {type: string}}", "just-a-string", False),
    ],
)
def test_typed_declarations_validate_stack_values(tmp_path, declaration, stack_value, ok):
    decl = declaration if declaration.startswith("{") else "{" + declaration + "}"
    project = _project(tmp_path, f"config:\n  knob: {decl}\n", f"config:\n  proj:knob: {stack_value}\n")
    if ok:
        load_stack_config(project, "dev")
    else:
        with pytest.raises(OfflineError, match="'proj:knob' must be of type"):
            load_stack_config(project, "dev")


def test_missing_required_key_is_reported(tmp_path):
    project = _project(tmp_path, "config:\n  a: {type: string}\n  b: {type: integer}\n")
    with pytest.raises(OfflineError, match="Stack 'dev' is missing configuration values 'proj:a', 'proj:b'"):
        load_stack_config(project, "dev")


@pytest.mark.parametrize(
    ("project_yaml", "message"),
    [
        ("config:\n  aws:region: {type: string}\n", "not namespaced by the project and should not define a type"),
        ("config:\n  aws:region: {default: x}\n", "Did you mean to use the 'value' attribute"),
        ("config:\n  n: {type: integer, default: abc}\n", "default value specified for configuration key 'n'"),
        ("config:\n  n: {type: array}\n", "does not specify the underlying type"),
        ("config:\n  n: {type: integer, defualt: 1}\n", "unknown attribute"),
        ("config:\n  n: {default: 1, value: 2}\n", "cannot have both a 'default' and 'value'"),
    ],
)
def test_bad_project_declarations(tmp_path, project_yaml, message):
    with pytest.raises(OfflineError, match=message):
        _project(tmp_path, project_yaml)


def test_stack_keys_must_be_namespaced(tmp_path):
    project = _project(tmp_path, "", "config:\n  bare: 1\n")
    with pytest.raises(OfflineError, match="configuration keys should be of the form"):
        load_stack_config(project, "dev")


def test_secret_declaration_requires_secure_value(tmp_path):
    project = _project(tmp_path, "config:\n  pw: {type: string, secret: true}\n", "config:\n  proj:pw: plain\n")
    with pytest.raises(OfflineError, match="must be encrypted as it's secret"):
        load_stack_config(project, "dev")


def test_overrides_add_replace_remove_and_mark_secret():
    project = load_project(APP)
    config = load_stack_config(
        project,
        "dev",
        overrides={"nodeCount": 5, "fixture-app:extra": {"a": [1]}, "network": None},
        secret_overrides={"token": "s3cr3t"},
    )
    assert config.values["fixture-app:nodeCount"] == "5"
    assert config.values["fixture-app:extra"] == '{"a":[1]}'
    assert "fixture-app:network" not in config.values
    assert config.values["fixture-app:token"] == "s3cr3t"
    assert "fixture-app:token" in config.secret_keys


def test_override_removing_a_defaulted_key_falls_back_to_the_default():
    config = load_stack_config(load_project(APP), "dev", overrides={"nodeCount": None})
    assert config.values["fixture-app:nodeCount"] == "1"


def test_missing_stack_file_uses_defaults_only(tmp_path):
    project = _project(tmp_path, "config:\n  size: {type: integer, default: 2}\n")
    (tmp_path / "Pulumi.dev.yaml").unlink()
    assert load_stack_config(project, "dev").values == {"proj:size": "2"}


def test_main_attribute_points_at_the_program(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "__main__.py").write_text("")
    (tmp_path / "Pulumi.yaml").write_text("name: proj\nruntime: python\nmain: src/\n")
    assert load_project(tmp_path).main == (tmp_path / "src").resolve()


def test_stack_files_are_read_as_yaml_1_2_like_the_cli(tmp_path):
    """PyYAML's default YAML 1.1 would turn 13:00 into 780 and `yes` into True; the CLI keeps both as text."""
    project = _project(
        tmp_path,
        "",
        "config:\n  proj:window:\n    startTime: 13:00\n  proj:answer: yes\n  proj:mode: 010\n  proj:flag: true\n",
    )
    config = load_stack_config(project, "dev")
    assert json.loads(config.values["proj:window"]) == {"startTime": "13:00"}
    assert config.values["proj:answer"] == "yes"
    assert config.values["proj:mode"] == "10"
    assert config.values["proj:flag"] == "true"


def test_yes_is_not_a_boolean_for_a_boolean_setting(tmp_path):
    project = _project(tmp_path, "config:\n  protect:\n    type: boolean\n", "config:\n  proj:protect: yes\n")
    with pytest.raises(OfflineError, match="'proj:protect' must be of type 'boolean'"):
        load_stack_config(project, "dev")


def test_a_key_given_twice_is_an_error(tmp_path):
    project = _project(tmp_path, "", "config:\n  proj:owner: a\n  proj:owner: b\n")
    with pytest.raises(
        OfflineError, match=re.escape("Pulumi.dev.yaml: invalid YAML: mapping key 'proj:owner' already defined")
    ):
        load_stack_config(project, "dev")

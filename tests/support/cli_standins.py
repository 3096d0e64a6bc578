"""Stand-in `az` and `pulumi` executables for running the operator scripts end to end without Azure or Pulumi, and
recording stand-ins for any other tool (`recorders`: make, mypy...) to run the build and CI scripts with.

`install(bin_dir, state_file, log_file, ...)` writes one Python program and links it as `az` and `pulumi` into
`bin_dir`. Every call appends its argv (as JSON) to `log_file`; what the commands create is kept in `state_file`
(JSON), so a second run of a script sees what the first one created. The answers follow the real CLIs for the
commands the scripts use: `show` of something missing exits 3 with `(ResourceNotFound)` on stderr as `az` does,
`--query` is evaluated with JMESPath (what `az` uses) and `--output tsv` prints scalars bare and lists one item per
line, `pulumi stack select` of a stack that does not exist exits 255, `pulumi stack export` prints a deployment.
Not a test module: tests import it to build their PATH.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

PROGRAM = r'''
import json, os, sys, uuid
from pathlib import Path

import jmespath

STATE = Path(os.environ["STANDIN_STATE"])
LOG = Path(os.environ["STANDIN_LOG"])
TOOL = Path(sys.argv[0]).name
ARGS = sys.argv[1:]
SUBSCRIPTION = "11111111-2222-3333-4444-555555555555"
TENANT = "99999999-8888-7777-6666-555555555555"


def load():
    return json.loads(STATE.read_text()) if STATE.exists() else {}


def save(state):
    STATE.write_text(json.dumps(state, indent=1, sort_keys=True))


with LOG.open("a") as log:
    log.write(json.dumps([TOOL, *ARGS]) + "\n")


def option(*names, default=None):
    for index, arg in enumerate(ARGS):
        if arg in names and index + 1 < len(ARGS):
            return ARGS[index + 1]
    return default


def values(name):
    """Every argument after `name` up to the next option (az's nargs='+')."""
    if name not in ARGS:
        return []
    rest = ARGS[ARGS.index(name) + 1:]
    taken = []
    for arg in rest:
        if arg.startswith("--"):
            break
        taken.append(arg)
    return taken


def guid(*parts):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "standin/" + "/".join(parts)))


def emit(value):
    query = option("--query")
    if query:
        value = jmespath.search(query, value)
    if option("--output", "-o") == "none":
        return 0
    if option("--output", "-o") == "tsv":
        if value is None:
            return 0
        items = value if isinstance(value, list) else [value]
        for item in items:
            print("true" if item is True else "false" if item is False else item)
        return 0
    print(json.dumps(value, indent=2))
    return 0


def not_found(what):
    print(f"ERROR: (ResourceNotFound) The {what} was not found.", file=sys.stderr)
    return 3


def fail(message, code=1):
    print(f"ERROR: {message}", file=sys.stderr)
    return code


def group_id(name):
    return f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{name}"


def az():
    state = load()
    groups = state.setdefault("groups", {})
    words = [a for a in ARGS if not a.startswith("-")]
    command = " ".join(ARGS[:3])
    if ARGS[:2] == ["account", "show"]:
        return emit({"id": SUBSCRIPTION, "tenantId": TENANT, "user": {"name": "owner@example.com", "type": "user"}})
    if ARGS[:2] == ["provider", "register"]:
        state.setdefault("providers", []).append(option("--namespace"))
        save(state)
        return emit(None)
    if ARGS[:2] == ["group", "create"]:
        name = option("--name", "-n")
        tags = dict(t.split("=", 1) for t in values("--tags"))
        groups.setdefault(name, {"name": name, "id": group_id(name), "location": option("--location", "-l"),
                                 "tags": tags, "locks": [], "clusters": {}, "servers": {}})
        groups[name]["tags"] = tags
        save(state)
        return emit(groups[name])
    if ARGS[:2] == ["group", "list"]:
        return emit(list(groups.values()))
    if ARGS[:2] == ["lock", "list"]:
        group = groups.get(option("--resource-group", "-g"))
        return emit(group["locks"]) if group else not_found("resource group")
    kinds = {"storage account": "accounts", "keyvault": "vaults", "identity": "identities"}
    for prefix, kind in kinds.items():
        if command.startswith(prefix + " show") or command.startswith(prefix + " create"):
            table = state.setdefault(kind, {})
            name = option("--name", "-n")
            group = option("--resource-group", "-g")
            provider = {"accounts": "Microsoft.Storage/storageAccounts", "vaults": "Microsoft.KeyVault/vaults",
                        "identities": "Microsoft.ManagedIdentity/userAssignedIdentities"}[kind]
            if " show" in command:
                return emit(table[name]) if name in table else not_found(f"{prefix} '{name}'")
            if group not in groups:
                return not_found(f"resource group '{group}'")
            entry = table.setdefault(name, {"name": name, "id": f"{group_id(group)}/providers/{provider}/{name}"})
            if kind == "identities":
                entry.update(principalId=guid("principal", name), clientId=guid("client", name))
            entry.setdefault("creates", 0)
            entry["creates"] += 1
            save(state)
            return emit(entry)
    if ARGS[:3] == ["identity", "federated-credential", "create"]:
        identity = option("--identity-name")
        if identity not in state.get("identities", {}):
            return not_found(f"identity '{identity}'")
        credentials = state["identities"][identity].setdefault("federatedCredentials", {})
        credentials[option("--name", "-n")] = {"issuer": option("--issuer"), "subject": option("--subject"),
                                               "audiences": values("--audiences")}
        save(state)
        return emit(credentials[option("--name", "-n")])
    if ARGS[:2] == ["storage", "account"] and ARGS[2] == "blob-service-properties":
        return emit({"isVersioningEnabled": True})
    if ARGS[:3] == ["storage", "container-rm", "create"]:
        account = option("--storage-account")
        if account not in state.get("accounts", {}):
            return not_found(f"storage account '{account}'")
        state["accounts"][account].setdefault("containers", []).append(option("--name", "-n"))
        save(state)
        return emit({"name": option("--name", "-n")})
    if ARGS[:3] in (["keyvault", "key", "show"], ["keyvault", "key", "create"]):
        vault = state.get("vaults", {}).get(option("--vault-name"))
        if vault is None:
            return not_found(f"vault '{option('--vault-name')}'")
        keys = vault.setdefault("keys", {})
        name = option("--name", "-n")
        if ARGS[2] == "show":
            return emit(keys[name]) if name in keys else not_found(f"key '{name}'")
        # The signed-in owner needs a data-plane role, and a fresh assignment is refused once (RBAC propagation).
        grants = [a for a in state.get("roleAssignments", []) if a["role"] == "Key Vault Crypto Officer"
                  and a["principal"] == "owner@example.com" and a["scope"] == vault["id"]]
        if not grants or not grants[0].get("propagated"):
            if grants:
                grants[0]["propagated"] = True
                save(state)
            return fail("(Forbidden) Caller is not authorized to perform action on resource. "
                        "Action: 'Microsoft.KeyVault/vaults/keys/create/action'", 1)
        keys[name] = {"kid": f"https://{option('--vault-name')}.vault.azure.net/keys/{name}/1"}
        save(state)
        return emit(keys[name])
    if ARGS[:2] == ["role", "assignment"]:
        assignments = state.setdefault("roleAssignments", [])
        principal = option("--assignee-object-id") or option("--assignee")
        key = {"principal": principal, "role": option("--role"), "scope": option("--scope")}
        matching = [a for a in assignments if {k: a[k] for k in key} == key]
        if ARGS[2] == "delete":
            state["roleAssignments"] = [a for a in assignments if a not in matching]
            save(state)
            if not matching:
                print("WARNING: No matched assignments were found to delete", file=sys.stderr)
            return 0
        if ARGS[2] == "create":
            if option("--assignee-object-id") and not option("--assignee-principal-type"):
                return fail("--assignee-principal-type is needed with --assignee-object-id")
            wanted = {**key, "principalType": option("--assignee-principal-type"),
                      "condition": option("--condition"), "conditionVersion": option("--condition-version")}
            if matching:
                # az returns the existing assignment for an identical create; a different condition conflicts.
                if matching[0]["condition"] != wanted["condition"]:
                    return fail("(RoleAssignmentExists) The role assignment already exists.")
                return emit(matching[0])
            assignments.append(wanted)
            save(state)
            return emit(wanted)
    if ARGS[:2] == ["aks", "list"]:
        return emit(list(groups[option("--resource-group", "-g")]["clusters"].values()))
    if ARGS[:3] == ["postgres", "flexible-server", "list"]:
        return emit(list(groups[option("--resource-group", "-g")]["servers"].values()))
    if ARGS[0] == "aks" or ARGS[:2] == ["postgres", "flexible-server"]:
        verb = ARGS[1] if ARGS[0] == "aks" else ARGS[2]
        table = groups[option("--resource-group", "-g")]["clusters" if ARGS[0] == "aks" else "servers"]
        name = option("--name", "-n")
        if name not in table:
            return not_found(name)
        thing = table[name]
        if verb == "show":
            return emit(thing)
        if ARGS[0] == "aks":
            thing["powerState"]["code"] = {"stop": "Stopped", "start": "Running"}[verb]
        else:
            thing["state"] = {"stop": "Stopped", "start": "Ready"}[verb]
        save(state)
        return 0
    return fail(f"the stand-in az does not know `az {' '.join(ARGS)}`", 2)


def pulumi():
    state = load()
    stacks = state.setdefault("stacks", {})
    stack = option("--stack", "-s")
    if ARGS[0] == "login":
        state["backend"] = ARGS[1]
        save(state)
        print(f"Logged in to {ARGS[1]}")
        return 0
    if ARGS[:2] == ["stack", "select"]:
        if ARGS[2] not in stacks:
            print(f"error: no stack named '{ARGS[2]}' found", file=sys.stderr)
            return 255
        state["selected"] = ARGS[2]
        save(state)
        return 0
    if ARGS[:2] == ["stack", "init"]:
        if ARGS[2] in stacks:
            print(f"error: stack '{ARGS[2]}' already exists", file=sys.stderr)
            return 255
        stacks[ARGS[2]] = {"secretsProvider": option("--secrets-provider"), "config": {}, "resources": []}
        state["selected"] = ARGS[2]
        save(state)
        print(f"Created stack '{ARGS[2]}'")
        return 0
    stack = stack or state.get("selected")
    if stack not in stacks:
        print(f"error: no stack named '{stack}' found", file=sys.stderr)
        return 255
    if ARGS[:2] == ["stack", "change-secrets-provider"]:
        stacks[stack]["secretsProvider"] = ARGS[2]
        save(state)
        return 0
    if ARGS[:2] == ["config", "set"]:
        positional = [a for a in ARGS[2:] if not a.startswith("-") and a != stack]
        key, value = positional[0], positional[1]
        stacks[stack]["config"][key] = value
        save(state)
        return 0
    if ARGS[:2] == ["config", "get"]:
        key = [a for a in ARGS[2:] if not a.startswith("-") and a != stack][0]
        if key not in stacks[stack]["config"]:
            print(f"error: configuration key '{key}' not found for stack '{stack}'", file=sys.stderr)
            return 255
        print(stacks[stack]["config"][key])
        return 0
    if ARGS[:2] == ["stack", "export"]:
        resources = [{"urn": f"urn:pulumi:{stack}::airflow-aks::pulumi:pulumi:Stack::airflow-aks-{stack}",
                      "type": "pulumi:pulumi:Stack"}, *stacks[stack]["resources"]]
        # As large as a real deployment's, so a reader that stops early sees SIGPIPE like on a real stack.
        padding = [{"urn": f"urn:pulumi:{stack}::airflow-aks::random:index/randomString:RandomString::pad-{i}",
                    "type": "random:index/randomString:RandomString", "outputs": {"result": "x" * 200}}
                   for i in range(400 if stacks[stack]["resources"] else 0)]
        print(json.dumps({"version": 3, "deployment": {"resources": resources + padding}}, indent=4))
        return 0
    if ARGS[0] == "import":
        type_, name, id_ = ARGS[1:4]
        if any(r["type"] == type_ and r.get("name") == name for r in stacks[stack]["resources"]):
            print(f"error: resource '{name}' already exists in the stack", file=sys.stderr)
            return 255
        stacks[stack]["resources"].append({"type": type_, "name": name, "id": id_,
            "urn": f"urn:pulumi:{stack}::airflow-aks::{type_}::{name}"})
        save(state)
        return 0
    print(f"error: the stand-in pulumi does not know `pulumi {' '.join(ARGS)}`", file=sys.stderr)
    return 2


sys.exit(az() if TOOL == "az" else pulumi())
'''


def install(bin_dir: Path, state_file: Path, log_file: Path) -> dict[str, str]:
    """Write the stand-ins into `bin_dir` and return the environment that puts them first on PATH."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    program = bin_dir / "standin.py"
    program.write_text(f"#!{sys.executable}\n{PROGRAM}")
    program.chmod(0o755)
    for tool in ("az", "pulumi"):
        link = bin_dir / tool
        if not link.exists():
            link.symlink_to(program)
    return {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "STANDIN_STATE": str(state_file),
        "STANDIN_LOG": str(log_file),
    }


def calls(log_file: Path) -> list[list[str]]:
    """Every recorded call, in order, as argv lists starting with the tool's name."""
    if not log_file.exists():
        return []
    return [json.loads(line) for line in log_file.read_text().splitlines()]


def seed(state_file: Path, state: dict) -> None:
    state_file.write_text(json.dumps(state))


def state_of(state_file: Path) -> dict:
    return json.loads(state_file.read_text())


RECORDER = r"""
import json, os, sys
from pathlib import Path

command = [Path(sys.argv[0]).name, *sys.argv[1:]]
with open(os.environ["RECORDER_LOG"], "a") as log:
    log.write(json.dumps(command) + "\n")
answers = json.loads(os.environ.get("RECORDER_ANSWERS", "{}"))
line = " ".join(command)
for prefix, (code, stdout) in answers.items():
    if line == prefix or line.startswith(prefix + " "):
        print(stdout, end="")
        sys.exit(code)
"""


def recorders(bin_dir: Path, tools: list[str], log_file: Path, answers: dict[str, tuple[int, str]] | None = None):
    """Stand-ins for `tools` in `bin_dir` that only record their argv in `log_file` (read it with `calls`) and exit 0,
    or as `answers` says: {"make lint": (2, ""), ...} for a call that is, or begins with, that command line.

    Returns the environment that puts `bin_dir` first on PATH.
    """
    bin_dir.mkdir(parents=True, exist_ok=True)
    for tool in tools:
        path = bin_dir / tool
        path.write_text(f"#!{sys.executable}\n{RECORDER}")
        path.chmod(0o755)
    return {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "RECORDER_LOG": str(log_file),
        "RECORDER_ANSWERS": json.dumps(answers or {}),
    }

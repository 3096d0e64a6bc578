"""The plan of every stack in both modes, normalised, against the committed snapshots in tests/snapshots/.

A refactoring must not change what `pulumi up` would do: the offline preview's resources (type, name, parent,
provider, inputs, options) and stack outputs of dev and prod, with known outputs and as on a first `pulumi preview`,
are compared with `tests/snapshots/<stack>-<mode>.json`. A change that means to alter the plan rewrites them, and the
diff of the snapshots shows reviewers exactly what changed:

    python scripts/plan_snapshot.py --check     # exit 1 and a diff when the plan moved
    python scripts/plan_snapshot.py --write     # record the current plan (make plan-snapshot)

Normalisation keeps only what the real engine would act on:
- a resource renamed with an alias is the same resource to Pulumi, so its URN is replaced by the URN it aliases
  (everywhere it is referenced) and the alias itself is dropped;
- pulumi-random draws with a fixed seed, as the real engine keeps its first draws in state.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOTS = ROOT / "tests" / "snapshots"
MODES = {"up": False, "preview": True}
RANDOM_SEED = "plan-snapshot"
"""pulumi-random's seed for a comparable plan (the tests' shared previews use it too, and are compared as they are)."""


def stacks() -> list[str]:
    return sorted(path.name.removeprefix("Pulumi.").removesuffix(".yaml") for path in ROOT.glob("Pulumi.*.yaml"))


def _aliased_urn(urn: str, alias: Any) -> str | None:
    """The URN a rename alias names: a full URN, or a spec that changes the name or parent (and maybe the type)."""
    if isinstance(alias, str):
        return alias
    if not isinstance(alias, dict) or not {"name", "parentUrn", "noParent"} & set(alias):
        return None  # a type alias (the SDK adds one per earlier API version): the URN does not change
    head, chain, name = urn.rsplit("::", 2)[0], urn.rsplit("::", 2)[1], urn.rsplit("::", 2)[2]
    types = chain.split("$")
    if "type" in alias:
        types[-1] = alias["type"]
    if alias.get("noParent"):
        types = types[-1:]
    elif "parentUrn" in alias:
        parent_chain = alias["parentUrn"].rsplit("::", 2)[1]
        types = [*parent_chain.split("$"), types[-1]]
    return f"{head}::{'$'.join(types)}::{alias.get('name', name)}"


def _replace(value: Any, mapping: dict[str, str]) -> Any:
    """`value` with every URN in `mapping` replaced: whole strings, and provider references (`<urn>::<id>`)."""
    if isinstance(value, str):
        if value in mapping:
            return mapping[value]
        urn, separator, provider_id = value.rpartition("::")
        return f"{mapping[urn]}{separator}{provider_id}" if urn in mapping else value
    if isinstance(value, dict):
        return {key: _replace(item, mapping) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace(item, mapping) for item in value]
    return value


def normalise(result) -> dict[str, Any]:
    """The parts of a preview the engine acts on, with aliases resolved."""
    document = result.to_json()
    renamed: dict[str, str] = {}
    for resource in document["resources"]:
        for alias in resource["options"].pop("aliases", []):
            old = _aliased_urn(resource["urn"], alias)
            if old:
                renamed[resource["urn"]] = old
                break
    for resource in document["resources"]:
        if resource["urn"] in renamed:
            resource["name"] = renamed[resource["urn"]].rsplit("::", 1)[1]
    resources = sorted(_replace(document["resources"], renamed), key=lambda r: r["urn"])
    for resource in resources:  # the engine waits for every dependency; their order carries no meaning
        resource["options"]["dependsOn"] = sorted(resource["options"]["dependsOn"])
    return {"resources": resources, "outputs": _replace(document["outputs"], renamed)}


def current(stack: str, mode: str) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from offline import run_preview

    return normalise(run_preview(ROOT, stack, preview=MODES[mode], policy_pack=False, random_seed=RANDOM_SEED))


def snapshot_path(stack: str, mode: str) -> Path:
    return SNAPSHOTS / f"{stack}-{mode}.json"


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=1, sort_keys=True) + "\n"


def differences(stack: str, mode: str, result: Any = None) -> str:
    """A unified diff from the snapshot to the current plan (or to `result`, a preview of it made with
    `RANDOM_SEED`); empty when they agree."""
    path = snapshot_path(stack, mode)
    recorded = path.read_text() if path.is_file() else ""
    now = render(current(stack, mode) if result is None else normalise(result))
    return "".join(
        difflib.unified_diff(
            recorded.splitlines(True),
            now.splitlines(True),
            f"{path.name} (snapshot)",
            f"{path.name} (current plan)",
            n=2,
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--check", action="store_true", help="compare the plan with the snapshots")
    action.add_argument("--write", action="store_true", help="record the current plan as the snapshots")
    args = parser.parse_args(argv)
    failed = False
    for stack in stacks():
        for mode in MODES:
            if args.write:
                SNAPSHOTS.mkdir(parents=True, exist_ok=True)
                snapshot_path(stack, mode).write_text(render(current(stack, mode)))
                continue
            diff = differences(stack, mode)
            if diff:
                failed = True
                print(diff[:20000])
    if failed:
        print("the plan differs from tests/snapshots/; if that is intended, run `make plan-snapshot` and commit")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

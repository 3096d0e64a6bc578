"""The recording resource monitor: what the engine would see of every registration.

Plain Pulumi mocks only see a resource's type, name and inputs. The engine also sees its options (protect,
dependsOn, ignoreChanges, ...), its parent and provider, which inputs are secret and which are unknown. This
``MockMonitor`` subclass reads all of that from each ``RegisterResourceRequest``, hands custom resources to the
mocks, and answers like the engine: in preview mode with the inputs only (so provider-computed outputs and ids stay
unknown), otherwise with the mocks' outputs.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import empty_pb2
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks
from pulumi.runtime.proto import resource_pb2

from . import kubernetes
from .errors import OfflineError, UnansweredInvoke
from .values import UNKNOWN, decode_struct, encode_struct, existing_paths, mask

STACK_TYPE = "pulumi:pulumi:Stack"


@dataclass
class ResourceRecord:
    """One registered resource (custom, component, provider or the stack) as the engine would record it."""

    urn: str
    type: str
    name: str
    parent: str | None
    provider: str | None
    custom: bool
    inputs: dict[str, Any]
    outputs: dict[str, Any] = field(default_factory=dict)
    secret_paths: set[str] = field(default_factory=set)
    output_secret_paths: set[str] = field(default_factory=set)
    id: str | None = None
    protect: bool = False
    retain_on_delete: bool = False
    depends_on: list[str] = field(default_factory=list)
    ignore_changes: list[str] = field(default_factory=list)
    delete_before_replace: bool | None = None
    aliases: list[Any] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    additional_secret_outputs: list[str] = field(default_factory=list)
    custom_timeouts: dict[str, str] = field(default_factory=dict)
    import_id: str | None = None
    read: bool = False  # registered through Resource.get (ReadResource) rather than created

    def masked_inputs(self) -> dict:
        return mask(self.inputs, self.secret_paths)

    def masked_outputs(self) -> dict:
        return mask(self.outputs, self.output_secret_paths)

    def options_json(self) -> dict:
        return {
            "protect": self.protect,
            "retainOnDelete": self.retain_on_delete,
            "dependsOn": list(self.depends_on),
            "ignoreChanges": list(self.ignore_changes),
            "deleteBeforeReplace": self.delete_before_replace,
            "aliases": list(self.aliases),
        }

    def to_json(self) -> dict:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "custom": self.custom,
            "parent": self.parent,
            "provider": self.provider,
            "inputs": self.masked_inputs(),
            "options": self.options_json(),
        }


_PREVIEW_PLACEHOLDER = "offline-preview-unknown"


def _placeholders_for_unknowns(value: Any) -> Any:
    if value is UNKNOWN:
        return _PREVIEW_PLACEHOLDER
    if isinstance(value, dict):
        return {key: _placeholders_for_unknowns(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_placeholders_for_unknowns(item) for item in value]
    return value


def _unknown_where_computed(inputs: Any, computed: Any) -> Any:
    """The inputs, with every field the provider adds inside an input object replaced by UNKNOWN.

    Where the provider answers in another shape than the input (a list of identity ids becomes a map keyed by id),
    the whole field is unknown, as the provider's own preview reports it.
    """
    if computed is not None and inputs is not UNKNOWN and _shape(inputs) != _shape(computed):
        return UNKNOWN
    if isinstance(inputs, dict) and isinstance(computed, dict):
        merged = {key: _unknown_where_computed(value, computed.get(key)) for key, value in inputs.items()}
        return merged | {key: UNKNOWN for key in computed if key not in inputs}
    if isinstance(inputs, list) and isinstance(computed, list) and len(inputs) == len(computed):
        return [_unknown_where_computed(a, b) for a, b in zip(inputs, computed, strict=True)]
    return inputs


def _shape(value: Any) -> type:
    return dict if isinstance(value, dict) else list if isinstance(value, list) else object


def _top_level(inputs: dict, computed: dict) -> dict:
    """Preview state: nested computed fields unknown, top-level computed outputs left out (the SDK marks them)."""
    return {key: _unknown_where_computed(value, computed.get(key)) for key, value in inputs.items()}


def _alias_json(alias: Any) -> Any:
    if alias.urn:
        return alias.urn
    spec = alias.spec
    out = {k: getattr(spec, k) for k in ("name", "type", "stack", "project") if getattr(spec, k)}
    if spec.parentUrn:
        out["parentUrn"] = spec.parentUrn
    if spec.noParent:
        out["noParent"] = True
    return out


class RecordingMonitor(MockMonitor):
    """A ``MockMonitor`` that records every registration with its options, secrets and unknowns."""

    def __init__(self, mocks: Mocks, *, preview: bool) -> None:
        super().__init__(mocks)
        self.preview = preview
        self.records: list[ResourceRecord] = []
        self.by_urn: dict[str, ResourceRecord] = {}
        self.stack_outputs: dict[str, Any] = {}
        self.stack_output_secrets: set[str] = set()
        self.unanswered_invokes: list[str] = []
        self.notes: list[str] = []  # what the engine could not do as the real one would (shown by the CLI)
        # Under plain set_mocks the SDK calls the monitor from its executor threads.
        self._lock = threading.Lock()

    def _record(self, record: ResourceRecord) -> None:
        with self._lock:
            self.records.append(record)
            self.by_urn[record.urn] = record

    def _new_record(self, urn: str, request: Any, properties: Any, *, custom: bool) -> ResourceRecord:
        """The fields Register- and ReadResource requests share."""
        inputs, secret_paths = decode_struct(properties)
        record = ResourceRecord(
            urn=urn,
            type=request.type,
            name=request.name,
            parent=request.parent or None,
            provider=request.provider or None,
            custom=custom,
            inputs=inputs,
            secret_paths=secret_paths,
            depends_on=list(request.dependencies),
        )
        self._record(record)
        return record

    def _state_urn(self, request: Any) -> str | None:
        """The URN whose state a renamed resource carries: its first alias. The engine keeps an aliased resource's
        id and outputs, so the mocks answer it as the resource it was."""
        for urn in request.aliasURNs:
            return urn
        for alias in request.aliases:
            if alias.urn:
                return alias.urn
            spec = alias.spec
            if not (spec.name or spec.parentUrn or spec.noParent):
                continue  # a type alias the SDK adds for every earlier API version: the same resource, same URN
            parent = "" if spec.noParent else (spec.parentUrn or request.parent)
            return self.make_urn(parent, spec.type or request.type, spec.name or request.name)
        return None

    def _mock_state(
        self, record: ResourceRecord, resource_id: str | None, state_urn: str | None = None
    ) -> tuple[str | None, dict]:
        mock_args = MockResourceArgs(
            typ=record.type,
            name=record.name,
            inputs=record.inputs,
            provider=record.provider or "",
            resource_id=resource_id,
            custom=True,
        )
        mock_args.urn = state_urn or record.urn  # type: ignore[attr-defined]  # stable names and ids per URN
        return self.mocks.new_resource(mock_args)

    def _computed_in_preview(self, record: ResourceRecord, import_id: str | None, state_urn: str | None) -> dict:
        """What the provider would add to the inputs, to learn which nested fields it computes.

        Inputs that are themselves unknown in preview get a placeholder so the mock can shape its answer; a mock
        that still cannot answer (arithmetic on an unknown count, say) leaves every nested field as given.
        """
        probe = ResourceRecord(
            urn=record.urn,
            type=record.type,
            name=record.name,
            parent=record.parent,
            provider=record.provider,
            custom=True,
            inputs=_placeholders_for_unknowns(record.inputs),
        )
        states = getattr(self.mocks, "states", None)
        pending = getattr(self.mocks, "pending", None)
        before = dict(states) if states is not None else {}
        try:
            _, computed = self._mock_state(probe, import_id, state_urn)
        except Exception:
            return {}
        finally:
            if states is not None:  # the probe's answer is not a created resource: invokes must not see it
                if pending is not None:
                    pending.update(set(states) - set(before))
                states.clear()
                states.update(before)
        return computed

    def _settle(self, record: ResourceRecord, resource_id: str | None, state: dict) -> Any:
        """Keep the provider's answer on the record and encode it for the SDK, secrets re-wrapped."""
        record.id = resource_id or None
        record.outputs = state
        record.output_secret_paths = existing_paths(state, record.secret_paths | set(record.additional_secret_outputs))
        with self._lock:
            self.resources[record.urn] = MockMonitor.ResourceRegistration(record.urn, resource_id or "", state)
        return encode_struct(state, record.output_secret_paths)

    def RegisterResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        record = self._new_record(urn, request, request.object, custom=bool(request.custom))
        record.protect = bool(request.protect)
        record.retain_on_delete = bool(request.retainOnDelete)
        record.ignore_changes = list(request.ignoreChanges)
        record.delete_before_replace = request.deleteBeforeReplace if request.deleteBeforeReplaceDefined else None
        record.aliases = [_alias_json(a) for a in request.aliases] + list(request.aliasURNs)
        record.property_dependencies = {k: list(v.urns) for k, v in request.propertyDependencies.items()}
        record.additional_secret_outputs = list(request.additionalSecretOutputs)
        if request.HasField("customTimeouts"):
            timeouts = request.customTimeouts
            record.custom_timeouts = {
                k: getattr(timeouts, k) for k in ("create", "update", "delete") if getattr(timeouts, k)
            }
        record.import_id = request.importId or None
        if request.type == STACK_TYPE or not request.custom:
            # Components (and the stack) are not provider resources: nothing for the mocks to answer, except the
            # remote components a provider constructs (its children are registered as the provider would).
            if request.remote and request.type in kubernetes.REMOTE_TYPES:
                self._construct(record, request)
            return resource_pb2.RegisterResourceResponse(urn=urn)

        if self.preview:
            # A create in preview: the engine knows the inputs and nothing the provider computes (not even the id).
            # Top-level computed outputs are simply absent (the SDK leaves them unknown); computed fields nested in
            # an input object (oidcIssuerProfile.issuerURL) are marked unknown explicitly, as the provider does.
            computed = self._computed_in_preview(record, request.importId, self._state_urn(request))
            resource_id: str | None = ""
            state = _top_level(record.inputs, computed)
        else:
            resource_id, state = self._mock_state(record, request.importId, self._state_urn(request))
        return resource_pb2.RegisterResourceResponse(
            urn=urn, id=resource_id or "", object=self._settle(record, resource_id, state)
        )

    def _construct(self, component: ResourceRecord, request: Any) -> None:
        """Register the children the provider's Construct would, each a custom resource parented by the component."""
        try:
            objects = kubernetes.construct(component.type, component.name, component.inputs)
        except kubernetes.NotExpanded as reason:
            with self._lock:
                self.notes.append(f"{component.type} '{component.name}' not expanded: {reason}")
            return
        except (OSError, ValueError) as exc:
            raise OfflineError(f"{component.type} '{component.name}': {exc}") from None
        for type_, name, obj, secrets in objects:
            urn = self.make_urn(component.urn, type_, name)
            child = ResourceRecord(
                urn=urn,
                type=type_,
                name=name,
                parent=component.urn,
                provider=request.provider or None,
                custom=True,
                inputs=obj,
                secret_paths=set(secrets),
            )
            self._record(child)
            if self.preview:
                self._settle(child, "", dict(obj))
            else:
                self._settle(child, *self._mock_state(child, None))

    def ReadResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        record = self._new_record(urn, request, request.properties, custom=True)
        record.read = True
        _, state = self._mock_state(record, request.id)
        return resource_pb2.ReadResourceResponse(urn=urn, properties=self._settle(record, request.id, state))

    def RegisterResourceOutputs(self, request: Any) -> Any:
        outputs, secret_paths = decode_struct(request.outputs)
        record = self.by_urn.get(request.urn)
        if record is not None:
            record.outputs = outputs
            record.output_secret_paths = secret_paths
            if record.type == STACK_TYPE:
                self.stack_outputs = outputs
                self.stack_output_secrets = {path.split(".")[0].split("[")[0] for path in secret_paths}
        return empty_pb2.Empty()

    def Invoke(self, request: Any) -> Any:
        if request.tok == "pulumi:pulumi:getResource":
            return super().Invoke(request)
        args, _ = decode_struct(request.args)
        try:
            ret, failures = self.mocks.call(MockCallArgs(token=request.tok, args=args, provider=request.provider))
        except UnansweredInvoke:
            with self._lock:
                self.unanswered_invokes.append(request.tok)
            raise
        response = resource_pb2.ResourceInvokeResponse(**{"return": encode_struct(ret)})
        for prop, reason in failures or []:
            response.failures.add(property=prop, reason=reason)
        return response

"""The Kubernetes manifests of deploy/k8s/ (a kustomize base and two overlays), checked offline.

No cluster and no kustomize binary: `render` reads a kustomization as kustomize does for what
deploy/k8s uses (`resources`, `namespace`, `patches` as merge patches or JSON 6902 operations)
and refuses anything else, so a kustomization that starts using another feature fails here
instead of being rendered wrongly. Every rendered object is validated against the Kubernetes
JSON schemas bundled in kubernetes-validate (strict: an unknown field is an error) or, for
KEDA's ScaledObject, the CRD schema in tests/data/k8s-schemas/ (KEDA 2.16.1). The other tests
check what a schema cannot: each Deployment runs and probes its own service as compose does,
resources against docs/performance.md, the security context against deploy/Dockerfile, the
settings against shared/settings.py and the KEDA triggers against shared/streams.py.
"""

from __future__ import annotations

import copy
import functools
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import kubernetes_validate
import pydantic
import pytest
import yaml

from claimwatch.stack import SERVICE_MODULES
from shared.runtime import GRACEFUL_TIMEOUT_S
from shared.settings import DEFAULT_SECRETS_DIR, LOCAL_WEBHOOK_SECRET, Settings
from shared.streams import CLAIM_GROUP, ENTITY_GROUP, Streams

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
TREES = {
    "base": K8S / "base",
    "single": K8S / "overlays" / "single",
    "cluster": K8S / "overlays" / "cluster",
}
OVERLAYS = ("single", "cluster")
KEDA_SCHEMA = REPO / "tests" / "data" / "k8s-schemas" / "keda" / "scaledobject_v1alpha1.yaml"
COMPOSE_FILE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "deploy" / "Dockerfile"
PERFORMANCE = REPO / "docs" / "performance.md"
# A recent Kubernetes release whose schemas kubernetes-validate bundles.
KUBERNETES_VERSION = "1.33"
NAMESPACE = "claimwatch"

# Settings the cluster support reads, being added to shared/settings.py by another change:
# accepted by name until they are fields there (then they are checked like the others).
PENDING_SETTINGS = {"CLAIMWATCH_REDIS_CLUSTER", "CLAIMWATCH_PARTITIONS"}

# What KEDA scales: Deployment -> (the Streams property it reads, its consumer group).
SCALED = {"entity-worker": ("articles", ENTITY_GROUP), "claim-worker": ("entities", CLAIM_GROUP)}
# The trigger metadata KEDA documents for these scalers (keda.sh docs, "Redis Streams" and
# "Redis Streams (supports Redis Cluster)", 2.16): a misspelt key would be ignored by KEDA.
DOCUMENTED_METADATA = {
    "redis-streams": {
        "address", "host", "port", "addressFromEnv", "hostFromEnv", "portFromEnv",
        "usernameFromEnv", "passwordFromEnv", "stream", "consumerGroup", "pendingEntriesCount",
        "streamLength", "lagCount", "activationLagCount", "enableTLS", "unsafeSsl",
        "databaseIndex",
    },
    "redis-cluster-streams": {
        "addresses", "hosts", "ports", "addressesFromEnv", "hostsFromEnv", "portsFromEnv",
        "usernameFromEnv", "passwordFromEnv", "stream", "consumerGroup", "pendingEntriesCount",
        "streamLength", "lagCount", "activationLagCount", "enableTLS", "unsafeSsl",
        "databaseIndex",
    },
}  # fmt: skip

# Memory beyond the bench's figures (docs/performance.md measures `python -m services.X`):
# the CLI's imports under `claimwatch service X` (176 MB idle against 82 MB for the alert
# worker), and one `claimwatch health` probe process (~180 MB) in the same cgroup.
CLI_OVERHEAD_MB = 95
PROBE_MB = 180


# --- rendering, as kustomize would -------------------------------------------------------------


class Unsupported(Exception):
    """A kustomization feature this renderer does not implement."""


KUSTOMIZATION_FIELDS = {"apiVersion", "kind", "resources", "namespace", "patches"}
CLUSTER_SCOPED = {"Namespace"}
# kustomize applies a patch written as an object as a strategic merge patch. For these kinds, and
# the fields deploy/k8s patches (a ConfigMap's data map; a custom resource's lists, which it
# replaces whole), that is what the JSON merge patch below does. Elsewhere (a Deployment's
# containers and env merge by name) it is not, so those are refused rather than misrendered.
MERGE_PATCHABLE = {"ConfigMap", "Secret", "ScaledObject"}


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge, null removes, anything else (lists too) replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if key.startswith("$"):
            raise Unsupported(f"strategic merge directive {key}")
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def json6902(doc: dict[str, Any], ops: list[dict[str, Any]]) -> dict[str, Any]:
    """RFC 6902 `add`, `replace` and `remove` (the others are refused)."""
    doc = copy.deepcopy(doc)
    for op in ops:
        if set(op) - {"op", "path", "value"} or op["op"] not in {"add", "replace", "remove"}:
            raise Unsupported(f"JSON 6902 operation {op}")
        if not op["path"].startswith("/"):
            raise ValueError(f"not a JSON pointer: {op['path']}")
        *parents, last = [
            part.replace("~1", "/").replace("~0", "~") for part in op["path"][1:].split("/")
        ]
        node: Any = doc
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            if op["op"] == "add":
                node.insert(len(node) if last == "-" else int(last), copy.deepcopy(op["value"]))
                continue
            index = int(last)
            if not 0 <= index < len(node):  # replace and remove need the element
                raise IndexError(f"{op['path']} is not in {doc['kind']}/{doc['metadata']['name']}")
            if op["op"] == "remove":
                del node[index]
            else:
                node[index] = copy.deepcopy(op["value"])
        else:
            if op["op"] != "add" and last not in node:
                raise KeyError(f"{op['path']} is not in {doc['kind']}/{doc['metadata']['name']}")
            if op["op"] == "remove":
                del node[last]
            else:
                node[last] = copy.deepcopy(op["value"])
    return doc


def _matches(doc: dict[str, Any], target: dict[str, Any]) -> bool:
    if set(target) - {"group", "version", "kind", "name"}:
        raise Unsupported(f"patch target selector {target}")
    group, _, version = doc["apiVersion"].rpartition("/")
    have = {
        "group": group,
        "version": version,
        "kind": doc["kind"],
        "name": doc["metadata"]["name"],
    }
    # kustomize reads `name` as a regular expression; deploy/k8s uses plain names only.
    return all(have[key] == value for key, value in target.items())


def _documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def render(directory: Path) -> list[dict[str, Any]]:
    """The objects `kustomize build DIRECTORY` gives, for the features deploy/k8s uses (when
    written, identical to what kustomize 5.5.0, `kubectl kustomize`, gave for all three)."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(kustomization) - KUSTOMIZATION_FIELDS
    if unknown:
        raise Unsupported(f"{directory}: kustomization fields {sorted(unknown)}")
    docs: list[dict[str, Any]] = []
    for entry in kustomization.get("resources", []):
        path = directory / entry
        docs += render(path) if path.is_dir() else _documents(path)
    for entry in kustomization.get("patches", []):
        if set(entry) - {"path", "patch", "target"} or ("path" in entry) == ("patch" in entry):
            raise Unsupported(f"{directory}: patch entry {entry}")
        if "path" in entry:
            bodies = _documents(directory / entry["path"])
            if len(bodies) != 1:
                raise Unsupported(f"{entry['path']}: one patch per file")
            body: Any = bodies[0]
        else:
            body = yaml.safe_load(entry["patch"])
        if isinstance(body, list):
            if "target" not in entry:
                raise ValueError(f"{directory}: a JSON 6902 patch needs a target")
            target = entry["target"]
        else:
            target = entry.get("target") or {
                "kind": body["kind"],
                "name": body["metadata"]["name"],
            }
        hits = [i for i, doc in enumerate(docs) if _matches(doc, target)]
        if not hits:
            raise ValueError(f"{directory}: patch {entry} matches nothing")
        for i in hits:
            if isinstance(body, list):
                docs[i] = json6902(docs[i], body)
            elif docs[i]["kind"] in MERGE_PATCHABLE:
                docs[i] = merge_patch(docs[i], body)
            else:
                raise Unsupported(f"a merge patch on a {docs[i]['kind']}")
    namespace = kustomization.get("namespace")
    if namespace:
        for doc in docs:
            if doc["kind"] not in CLUSTER_SCOPED:
                doc["metadata"]["namespace"] = namespace
    seen: set[tuple[str, str, str]] = set()
    for doc in docs:
        key = (doc["kind"], doc["metadata"].get("namespace", ""), doc["metadata"]["name"])
        if key in seen:
            raise ValueError(f"{directory}: {key} twice")
        seen.add(key)
    return docs


@functools.cache
def _rendered(tree: str) -> tuple[dict[str, Any], ...]:
    return tuple(render(TREES[tree]))


def rendered(tree: str) -> list[dict[str, Any]]:
    return copy.deepcopy(list(_rendered(tree)))


def of_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def config(docs: list[dict[str, Any]]) -> dict[str, str]:
    data: dict[str, str] = of_kind(docs, "ConfigMap")["claimwatch"]["data"]
    return data


def container(deployment: dict[str, Any]) -> dict[str, Any]:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, deployment["metadata"]["name"]
    found: dict[str, Any] = containers[0]
    return found


def container_env(deployment: dict[str, Any]) -> dict[str, str]:
    return {item["name"]: item["value"] for item in container(deployment).get("env", [])}


# --- validating ----------------------------------------------------------------------------------


def strict(schema: dict[str, Any]) -> dict[str, Any]:
    """The CRD schema with unknown fields refused where it lists an object's properties."""
    out = dict(schema)
    if "properties" in out:
        out["properties"] = {name: strict(sub) for name, sub in out["properties"].items()}
        if "additionalProperties" not in out and not out.get(
            "x-kubernetes-preserve-unknown-fields"
        ):
            out["additionalProperties"] = False
    if isinstance(out.get("additionalProperties"), dict):
        out["additionalProperties"] = strict(out["additionalProperties"])
    if isinstance(out.get("items"), dict):
        out["items"] = strict(out["items"])
    return out


@functools.cache
def keda_validator() -> Any:
    schema = strict(yaml.safe_load(KEDA_SCHEMA.read_text()))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def validate(doc: dict[str, Any]) -> None:
    """Raise jsonschema.ValidationError (or SchemaNotFoundError for a kind we have no schema
    for) unless DOC is a valid object of its kind."""
    if doc.get("apiVersion") == "keda.sh/v1alpha1" and doc.get("kind") == "ScaledObject":
        keda_validator().validate(doc)
    else:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("tree", TREES)
def test_every_object_is_valid_against_its_schema(tree: str) -> None:
    docs = rendered(tree)
    assert {"ConfigMap", "Secret", "Deployment", "Service", "ScaledObject"} <= {
        doc["kind"] for doc in docs
    }
    for doc in docs:
        try:
            validate(doc)
        except jsonschema.ValidationError as e:
            where = ".".join(str(part) for part in e.absolute_path)
            pytest.fail(f"{doc['kind']}/{doc['metadata']['name']}: {where}: {e.message}")


def _deployment(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["spec"]


BREAKAGES: dict[str, tuple[str, str, Callable[[dict[str, Any]], None]]] = {
    "replicas as a word": ("Deployment", "api", lambda d: _deployment(d).update(replicas="two")),
    "a misspelt probe": (
        "Deployment",
        "notifier",
        lambda d: container(d).update(livenessProbes=container(d).pop("livenessProbe")),
    ),
    "a port as a word": (
        "Service",
        "api",
        lambda d: d["spec"]["ports"][0].update(port="eighty"),
    ),
    "an unquoted number in a ConfigMap": (
        "ConfigMap",
        "claimwatch",
        lambda d: d["data"].update(CLAIMWATCH_METRICS_PORT=9100),
    ),
    "minReplicaCount as a string": (
        "ScaledObject",
        "entity-worker",
        lambda d: d["spec"].update(minReplicaCount="1"),
    ),
    "an unquoted number in trigger metadata": (
        "ScaledObject",
        "entity-worker",
        lambda d: d["spec"]["triggers"][0]["metadata"].update(lagCount=64),
    ),
    "triggers misspelt": (
        "ScaledObject",
        "claim-worker",
        lambda d: d["spec"].update(trigger=d["spec"].pop("triggers")),
    ),
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_the_validators_refuse_a_broken_manifest(breakage: str) -> None:
    kind, name, breaking = BREAKAGES[breakage]
    doc = of_kind(rendered("single"), kind)[name]
    validate(doc)  # the unbroken object passes, so what fails below is the breakage
    breaking(doc)
    with pytest.raises(jsonschema.ValidationError):
        validate(doc)


def test_a_kind_without_a_schema_is_not_waved_through() -> None:
    doc = {"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledJob", "metadata": {"name": "x"}}
    with pytest.raises(kubernetes_validate.SchemaNotFoundError):
        validate(doc)


def test_the_renderer_refuses_what_it_does_not_implement(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text(
        "resources: [d.yaml]\nconfigMapGenerator: [{name: x, literals: [A=1]}]\n"
    )
    (tmp_path / "d.yaml").write_text((TREES["base"] / "api.yaml").read_text().split("\n---\n")[0])
    with pytest.raises(Unsupported):
        render(tmp_path)
    # A merge patch on a Deployment (kustomize merges its lists by key) is refused too.
    (tmp_path / "kustomization.yaml").write_text("resources: [d.yaml]\npatches: [{path: p.yaml}]\n")
    (tmp_path / "p.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec: {replicas: 2}\n"
    )
    with pytest.raises(Unsupported):
        render(tmp_path)


def test_the_renderer_applies_both_kinds_of_patch() -> None:
    base, single = rendered("base"), rendered("single")
    assert config(single)["REDIS_URL"] == "redis://redis:6379/0"
    assert of_kind(single, "Namespace")["claimwatch"]["metadata"].get("namespace") is None
    cluster = of_kind(rendered("cluster"), "ScaledObject")["entity-worker"]
    assert [t["type"] for t in cluster["spec"]["triggers"]] == ["redis-cluster-streams"]
    # what the patches leave alone stays as in base
    base_entity = of_kind(base, "ScaledObject")["entity-worker"]
    assert cluster["spec"]["maxReplicaCount"] == base_entity["spec"]["maxReplicaCount"]


# --- the Deployments -----------------------------------------------------------------------------


@pytest.mark.parametrize("tree", TREES)
def test_one_deployment_per_service_running_that_service(tree: str) -> None:
    deployments = of_kind(rendered(tree), "Deployment")
    assert set(deployments) == set(SERVICE_MODULES)
    for name, deployment in deployments.items():
        spec = deployment["spec"]
        labels = spec["template"]["metadata"]["labels"]
        assert spec["selector"]["matchLabels"].items() <= labels.items(), name
        assert labels["app.kubernetes.io/name"] == name
        c = container(deployment)
        assert c["name"] == name
        assert c["image"].rsplit("/", 1)[-1].split(":")[0] == "claimwatch", name
        # The image's entry point (`claimwatch`) stays; args are compose's `command`.
        assert "command" not in c, name
        assert c["args"] == ["service", name]
        assert {"configMapRef": {"name": "claimwatch"}} in c["envFrom"], name


def _interpolate(value: Any) -> str:
    """Compose variable substitution with nothing set: `${X:-default}` is `default`."""
    return re.sub(r"\$\{(\w+)(?::?-([^}]*))?\}", lambda m: m.group(2) or "", str(value))


def test_the_deployments_do_what_the_compose_services_do() -> None:
    compose = yaml.safe_load(COMPOSE_FILE.read_text())
    docs = rendered("single")
    settings = config(docs)
    for name, deployment in of_kind(docs, "Deployment").items():
        service = compose["services"][name]
        c = container(deployment)
        assert c["image"] == service["image"], name
        assert c["args"] == service["command"], name
        check = service["healthcheck"]["test"]
        if "claimwatch" in check:
            assert c["livenessProbe"]["exec"]["command"] == check[check.index("claimwatch") :]
        # compose's stop_grace_period (30s) is the pod's grace period
        grace = int(service["stop_grace_period"].removesuffix("s"))
        assert deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] == grace
        # The same settings, but for where Redis is and the environment (compose: local).
        env = {**settings, **container_env(deployment)}
        for key, value in service["environment"].items():
            if key in {"REDIS_URL", "CLAIMWATCH_ENVIRONMENT"}:
                continue
            assert env.get(key) == _interpolate(value), (name, key)


@pytest.mark.parametrize("tree", TREES)
def test_probes_run_claimwatch_health_for_their_own_service(tree: str) -> None:
    for name, deployment in of_kind(rendered(tree), "Deployment").items():
        c = container(deployment)
        assert "livenessProbe" in c and "readinessProbe" in c, name
        for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
            if kind not in c:
                continue
            probe = c[kind]
            assert probe["exec"]["command"] == ["claimwatch", "health", name], (name, kind)
            # `claimwatch health` takes 4-6 s (a Python start and one Redis round trip);
            # compose allows 10 s.
            assert probe["timeoutSeconds"] >= 10, (name, kind)


def _bytes(quantity: str | int) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(Ki|Mi|Gi|k|M|G)?", str(quantity))
    assert match, quantity
    unit = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "k": 10**3, "M": 10**6, "G": 10**9}
    return float(match.group(1)) * unit.get(match.group(2) or "", 1)


def _cores(quantity: str | int) -> float:
    text = str(quantity)
    return float(text[:-1]) / 1000 if text.endswith("m") else float(text)


def measured_peak_rss_mb() -> dict[str, int]:
    """The largest peak RSS docs/performance.md reports for each measured worker."""
    columns = ("entity-worker", "claim-worker", "alert-worker", "notifier")
    peaks: dict[str, int] = {}

    def note(name: str, figures: str) -> None:
        for figure in figures.split(", "):  # "715, 1,023": two figures, one with a comma
            peaks[name] = max(peaks.get(name, 0), int(figure.strip().replace(",", "")))

    for line in PERFORMANCE.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells[0].startswith("peak RSS entity ×2 / claim / alert / notifier"):
            for cell in cells[1:]:
                parts = cell.split(" / ")
                if len(parts) == len(columns):
                    for name, part in zip(columns, parts, strict=True):
                        note(name, part)
        elif cells[0].startswith("peak RSS entity workers"):
            for cell in cells[1:]:
                note("entity-worker", cell)
    return peaks


@pytest.mark.parametrize("tree", TREES)
def test_resources_are_set_from_the_measured_memory(tree: str) -> None:
    peaks = measured_peak_rss_mb()
    assert set(peaks) == {"entity-worker", "claim-worker", "alert-worker", "notifier"}, peaks
    for name, deployment in of_kind(rendered(tree), "Deployment").items():
        resources = container(deployment)["resources"]
        request = _bytes(resources["requests"]["memory"]) / 1e6
        limit = _bytes(resources["limits"]["memory"]) / 1e6
        assert _cores(resources["requests"]["cpu"]) > 0, name
        # Room for the probe's ~4 s of CPU beside the service.
        assert _cores(resources["limits"]["cpu"]) >= 1, name
        assert request <= limit, name
        needed = peaks.get(name, 85) + CLI_OVERHEAD_MB
        assert limit >= needed + PROBE_MB, (name, limit, needed)
        assert request >= 0.75 * needed, (name, request, needed)
    entity = container(of_kind(rendered(tree), "Deployment")["entity-worker"])["resources"]
    assert _cores(entity["requests"]["cpu"]) == 1  # CPU-bound, one core per replica


def _dockerfile_user() -> tuple[int, int]:
    text = DOCKERFILE.read_text()
    uid = re.search(r"--uid (\d+)", text)
    gid = re.search(r"--gid (\d+)", text)
    assert uid and gid
    return int(uid.group(1)), int(gid.group(1))


@pytest.mark.parametrize("tree", TREES)
def test_pods_run_unprivileged_on_a_read_only_root(tree: str) -> None:
    uid, gid = _dockerfile_user()
    dockerfile = DOCKERFILE.read_text()
    workdir = re.findall(r"^WORKDIR (\S+)", dockerfile, re.M)[-1]
    cache_dir = re.search(r"CLAIMWATCH_CACHE_DIR=(\S+)", dockerfile)
    assert cache_dir
    for name, deployment in of_kind(rendered(tree), "Deployment").items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] == uid, name
        assert pod["securityContext"]["fsGroup"] == gid, name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert pod["automountServiceAccountToken"] is False, name
        # Service links would put e.g. CLAIMWATCH_API_PORT=tcp://... into the environment.
        assert pod["enableServiceLinks"] is False, name
        assert pod["terminationGracePeriodSeconds"] == 30 > GRACEFUL_TIMEOUT_S, name
        c = container(deployment)
        assert c["securityContext"]["readOnlyRootFilesystem"] is True, name
        assert c["securityContext"]["allowPrivilegeEscalation"] is False, name
        assert c["securityContext"]["capabilities"]["drop"] == ["ALL"], name
        volumes = {volume["name"]: volume for volume in pod["volumes"]}
        mounts = {mount["mountPath"]: mount for mount in c["volumeMounts"]}
        for path in (workdir, "/tmp"):
            assert "emptyDir" in volumes[mounts[path]["name"]], (name, path)
        secrets = mounts[str(DEFAULT_SECRETS_DIR)]
        assert secrets["readOnly"] is True
        assert volumes[secrets["name"]]["secret"]["secretName"] == "claimwatch"
        # The gazetteer index is built into the image there: a volume would hide it.
        assert not any(Path(cache_dir.group(1)).is_relative_to(path) for path in mounts), name


# --- Services ------------------------------------------------------------------------------------

PORT_SETTINGS = {"api": "CLAIMWATCH_API", "ingestor": "CLAIMWATCH_INGEST"}


@pytest.mark.parametrize("tree", TREES)
def test_services_stay_inside_the_cluster(tree: str) -> None:
    docs = rendered(tree)
    # Nothing that exposes a port beyond the cluster (Ingress, Gateway, Route, ...).
    assert {doc["kind"] for doc in docs} <= {
        "Namespace", "ConfigMap", "Secret", "Deployment", "Service", "ScaledObject",
    }  # fmt: skip
    deployments = of_kind(docs, "Deployment")
    services = of_kind(docs, "Service")
    assert set(services) == set(PORT_SETTINGS)
    for name, service in services.items():
        spec = service["spec"]
        assert spec.get("type", "ClusterIP") == "ClusterIP", name
        assert "externalIPs" not in spec and "loadBalancerIP" not in spec, name
        assert not any("nodePort" in port for port in spec["ports"]), name
        backends = [
            d
            for d in deployments.values()
            if spec["selector"].items() <= d["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert [d["metadata"]["name"] for d in backends] == [name]
        c = container(backends[0])
        env = container_env(backends[0])
        named = {port["name"]: port["containerPort"] for port in c["ports"]}
        for port in spec["ports"]:
            target = named[port["targetPort"]]
            assert target == int(env[f"{PORT_SETTINGS[name]}_PORT"]), name
        assert env[f"{PORT_SETTINGS[name]}_HOST"] == "0.0.0.0", name


@pytest.mark.parametrize("tree", TREES)
def test_every_pod_serves_metrics_on_its_metrics_port(tree: str) -> None:
    docs = rendered(tree)
    settings = config(docs)
    assert settings["CLAIMWATCH_METRICS_HOST"] == "0.0.0.0"
    for name, deployment in of_kind(docs, "Deployment").items():
        ports = {port["name"]: port["containerPort"] for port in container(deployment)["ports"]}
        assert ports["metrics"] == int(settings["CLAIMWATCH_METRICS_PORT"]), name
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/port"] == settings["CLAIMWATCH_METRICS_PORT"], name


def test_no_redis_comes_with_the_manifests() -> None:
    for tree in TREES:
        for doc in rendered(tree):
            if doc["kind"] == "Deployment":
                assert not container(doc)["image"].startswith("redis"), tree


# --- settings ------------------------------------------------------------------------------------


def _setting_names() -> set[str]:
    names: set[str] = set()
    for field_name, field in Settings.model_fields.items():
        names.add(f"CLAIMWATCH_{field_name}".upper())
        alias = field.validation_alias
        if isinstance(alias, str):
            names.add(alias.upper())
        elif isinstance(alias, pydantic.AliasChoices):
            names |= {choice.upper() for choice in alias.choices if isinstance(choice, str)}
    return names


@pytest.mark.parametrize("tree", TREES)
def test_every_setting_named_is_one_shared_settings_reads(tree: str) -> None:
    docs = rendered(tree)
    named = set(config(docs))
    for deployment in of_kind(docs, "Deployment").values():
        named |= set(container_env(deployment))
    named |= {key.upper() for key in of_kind(docs, "Secret")["claimwatch"]["stringData"]}
    assert not named - _setting_names() - PENDING_SETTINGS


def _load_settings(
    docs: list[dict[str, Any]],
    service: str,
    secrets: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Settings:
    """Settings as the pod of SERVICE would read them: its environment and secret files."""
    for key in list(os.environ):
        if key.upper().startswith("CLAIMWATCH_") or key.upper() == "REDIS_URL":
            monkeypatch.delenv(key)
    deployment = of_kind(docs, "Deployment")[service]
    for key, value in {**config(docs), **container_env(deployment)}.items():
        monkeypatch.setenv(key, value)
    folder = tmp_path / "secrets"
    folder.mkdir(exist_ok=True)
    for key, value in secrets.items():
        (folder / key).write_text(value)
    return Settings(_env_file=None, _secrets_dir=folder)  # type: ignore[call-arg]


REAL_LOOKING_SECRETS = {
    "claimwatch_webhook_secret": "whsec_dGVzdC1vbmx5LWRvLW5vdC11c2UtdGhpcy1zZWNyZXQ=",
    "claimwatch_api_tokens": "desk:test-only-token-0123456789",
}


@pytest.mark.parametrize("tree", TREES)
def test_the_pods_settings_load(tree: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    docs = rendered(tree)
    secret_keys = set(of_kind(docs, "Secret")["claimwatch"]["stringData"])
    assert secret_keys == set(REAL_LOOKING_SECRETS)
    for name in of_kind(docs, "Deployment"):
        settings = _load_settings(docs, name, REAL_LOOKING_SECRETS, monkeypatch, tmp_path)
        assert settings.environment == "production"
        assert settings.log_format == "json"
        assert settings.effective_redis_url == config(docs)["REDIS_URL"]
        webhook_secret = settings.webhook_secret.get_secret_value()
        assert webhook_secret == REAL_LOOKING_SECRETS["claimwatch_webhook_secret"]
        assert settings.api_token_map()
        if name == "api":
            assert (settings.api_host, settings.api_port) == ("0.0.0.0", 8080)
        if name == "ingestor":
            assert (settings.ingest_host, settings.ingest_port) == ("0.0.0.0", 8088)


@pytest.mark.parametrize(
    "secrets",
    [
        pytest.param(None, id="the shipped placeholders"),
        pytest.param(
            {**REAL_LOOKING_SECRETS, "claimwatch_webhook_secret": LOCAL_WEBHOOK_SECRET},
            id="the development webhook secret",
        ),
        pytest.param({**REAL_LOOKING_SECRETS, "claimwatch_api_tokens": ""}, id="no API token"),
    ],
)
def test_the_pods_refuse_to_start_without_real_secrets(
    secrets: dict[str, str] | None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    docs = rendered("single")
    shipped: dict[str, str] = of_kind(docs, "Secret")["claimwatch"]["stringData"]
    for name in of_kind(docs, "Deployment"):
        with pytest.raises(pydantic.ValidationError):
            _load_settings(docs, name, secrets or shipped, monkeypatch, tmp_path)


# --- KEDA ----------------------------------------------------------------------------------------


def _redis_address(url: str) -> tuple[str, str]:
    """host:port and the database number of a redis:// URL."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or 6379}", parts.path.strip("/") or "0"


@pytest.mark.parametrize("tree", TREES)
def test_scaled_objects_scale_the_workers_on_their_own_stream(tree: str) -> None:
    docs = rendered(tree)
    settings = config(docs)
    deployments = of_kind(docs, "Deployment")
    scaled = of_kind(docs, "ScaledObject")
    assert set(scaled) == set(SCALED)
    clustered = settings.get("CLAIMWATCH_REDIS_CLUSTER", "false") == "true"
    partitions = int(settings.get("CLAIMWATCH_PARTITIONS", "1"))
    address, database = _redis_address(settings["REDIS_URL"])
    streams = Streams(settings["CLAIMWATCH_STREAM_PREFIX"])
    for name, scaled_object in scaled.items():
        spec = scaled_object["spec"]
        ref = spec["scaleTargetRef"]
        assert ref.get("apiVersion", "apps/v1") == "apps/v1", name
        assert ref.get("kind", "Deployment") == "Deployment", name
        assert ref["name"] in deployments, name
        assert ref["name"] == name
        # The HPA KEDA makes owns the replica count: a `replicas` would reset it at each apply.
        assert "replicas" not in deployments[name]["spec"], name
        assert 1 <= spec["minReplicaCount"] < spec["maxReplicaCount"], name
        [trigger] = spec["triggers"]
        assert trigger["type"] == ("redis-cluster-streams" if clustered else "redis-streams")
        metadata = trigger["metadata"]
        assert set(metadata) <= DOCUMENTED_METADATA[trigger["type"]], name
        attribute, group = SCALED[name]
        assert metadata["consumerGroup"] == group
        stream = getattr(streams, attribute)
        if partitions == 1:
            assert metadata["stream"] == stream
        elif hasattr(Streams, "stream"):
            # KEDA reads one stream a trigger: partition 0's, as shared/streams.py names it.
            make: Any = Streams  # (typed loosely: older Streams take no partitions)
            partitioned = make(settings["CLAIMWATCH_STREAM_PREFIX"], partitions)
            assert metadata["stream"] == partitioned.stream(attribute, 0), name
        else:
            # A shared/streams.py without partitions yet: <stream>:{tag}, one hash tag.
            assert re.fullmatch(re.escape(stream) + r":\{[^{}]+\}", metadata["stream"]), name
        assert int(metadata["lagCount"]) > 0, name
        # KEDA's docs: activationLagCount is required with lagCount.
        assert int(metadata["activationLagCount"]) >= 0, name
        if clustered:
            seeds = [seed.strip() for seed in metadata["addresses"].split(",")]
            assert address in seeds, (name, address, seeds)
            assert database == "0"  # a Redis Cluster has database 0 only
        else:
            assert metadata["address"] == address, name
            assert metadata.get("databaseIndex", "0") == database, name
    for name, deployment in deployments.items():
        if name not in scaled:
            assert deployment["spec"]["replicas"] >= 1, name


def test_the_entity_worker_may_scale_out_further_than_the_claim_worker() -> None:
    scaled = of_kind(rendered("base"), "ScaledObject")
    entity, claim = scaled["entity-worker"]["spec"], scaled["claim-worker"]["spec"]
    # One claim worker keeps up with about six entity workers (docs/performance.md).
    assert entity["maxReplicaCount"] > claim["maxReplicaCount"]


def test_the_cluster_overlay_talks_to_a_redis_cluster() -> None:
    settings = config(rendered("cluster"))
    assert settings["CLAIMWATCH_REDIS_CLUSTER"] == "true"
    assert int(settings["CLAIMWATCH_PARTITIONS"]) == 6
    scaled = of_kind(rendered("cluster"), "ScaledObject")
    assert {so["spec"]["triggers"][0]["type"] for so in scaled.values()} == {
        "redis-cluster-streams"
    }


def test_the_single_overlay_talks_to_one_redis() -> None:
    settings = config(rendered("single"))
    assert settings.get("CLAIMWATCH_REDIS_CLUSTER", "false") == "false"
    assert settings.get("CLAIMWATCH_PARTITIONS", "1") == "1"
    assert _redis_address(settings["REDIS_URL"]) == ("redis:6379", "0")


def test_the_cluster_lag_targets_are_the_base_targets_per_partition() -> None:
    """The cluster triggers read one partition, which holds about 1/PARTITIONS of the lag."""
    partitions = int(config(rendered("cluster"))["CLAIMWATCH_PARTITIONS"])
    base = of_kind(rendered("base"), "ScaledObject")
    cluster = of_kind(rendered("cluster"), "ScaledObject")
    for name in SCALED:
        whole = int(base[name]["spec"]["triggers"][0]["metadata"]["lagCount"])
        part = int(cluster[name]["spec"]["triggers"][0]["metadata"]["lagCount"])
        assert part == round(whole / partitions), (name, whole, part)


@pytest.mark.parametrize("tree", OVERLAYS)
def test_an_overlay_puts_everything_in_one_namespace(tree: str) -> None:
    docs = rendered(tree)
    assert set(of_kind(docs, "Namespace")) == {NAMESPACE}
    for doc in docs:
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == NAMESPACE, doc["metadata"]["name"]

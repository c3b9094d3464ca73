#!/usr/bin/env python3
"""Write the charts' values.schema.json files from one description (SERVICE, GLOBAL below).

    scripts/charts-schema.py           write them
    scripts/charts-schema.py --check   fail if a checked-in file differs (scripts/charts.sh runs this)

Every service chart gets the same schema (its own values are the library's keys);
the umbrella's holds `global` and one entry per service chart. Helm validates the
merged values against them before rendering, so a mistyped key
(`training-delivery.replicaCont`) or a wrong type (`global.city=12`) is refused
instead of silently ignored. Objects whose keys are the chart's own are closed
(additionalProperties: false); Kubernetes objects passed through as they are
(affinity, tolerations, volumes, ...) and `config` (the service's own settings,
checked by the service at start-up) stay open.

--check also checks the description against qiancheng-lib's defaults
(templates/_defaults.tpl): every default has a schema entry, and the defaults
themselves validate. Needs PyYAML and jsonschema (the .tools/venv of charts.sh).
"""
import copy
import json
import pathlib
import re
import sys

import jsonschema
import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHARTS = ROOT / "charts"
UMBRELLA = CHARTS / "qiancheng"
DEFAULTS = CHARTS / "qiancheng-lib" / "templates" / "_defaults.tpl"


# --- building blocks ---------------------------------------------------------
def obj(props, desc=None):
    """A closed object: only these keys."""
    s = {"type": "object", "additionalProperties": False, "properties": props}
    if desc:
        s["description"] = desc
    return s


def open_obj(desc=None):
    s = {"type": "object"}
    if desc:
        s["description"] = desc
    return s


def string(desc=None, **kw):
    s = {"type": "string", **kw}
    if desc:
        s["description"] = desc
    return s


def integer(minimum=None, maximum=None, desc=None):
    s = {"type": "integer"}
    if minimum is not None:
        s["minimum"] = minimum
    if maximum is not None:
        s["maximum"] = maximum
    if desc:
        s["description"] = desc
    return s


BOOL = {"type": "boolean"}
STRINGS = {"type": "array", "items": {"type": "string"}}
STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
OBJECTS = {"type": "array", "items": {"type": "object"}}
QUANTITY = {"type": ["string", "number"], "pattern": r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$"}
INT_OR_PERCENT = {"type": ["integer", "string"], "pattern": r"^[0-9]+%?$"}
DURATION = string(pattern=r"^([0-9]+(ms|s|m|h))+$")
RESOURCE_LIST = {"type": "object", "properties": {"cpu": QUANTITY, "memory": QUANTITY},
                 "additionalProperties": QUANTITY}
RESOURCES = obj({"requests": RESOURCE_LIST, "limits": RESOURCE_LIST},
                "Kubernetes requests and limits; cpu and memory are required in both")
ENV_VAR = obj({"name": string(pattern=r"^[-._a-zA-Z][-._a-zA-Z0-9]*$"), "value": string(),
               "valueFrom": open_obj()})
ENV_VAR["required"] = ["name"]
PARENT_REF = {"type": "object", "required": ["name"], "properties": {"name": string()}}
TOPIC_SETTINGS = {
    "partitions": integer(1),
    "replicationFactor": integer(1),
    "minInsyncReplicas": integer(0, desc="0: the brokers' default (mode strimzi only)"),
    "retentionDays": integer(0, desc="0: the brokers' default (mode strimzi only)"),
}

# Each alert of the PrometheusRule (qiancheng-lib templates/_prometheusrule.tpl).
ALERT_NAMES = ["QcHighErrorRatio", "QcHighLatencyP99", "QcConsumerLagGrowing", "QcEventsDeadLettered",
               "QcDeadLettersPresent", "QcOutboxBacklogOld", "QcDbPoolSaturated", "QcPodRestarts",
               "QcDependencyDown", "QcLedgerAuditFailing", "QcStatusListStale"]
ALERT = obj({
    "enabled": BOOL,
    "severity": string("the severity label (Alertmanager routes on it)", pattern=r"^[a-z]+$"),
    "for": DURATION,
    # a string too: `--set ...threshold=0.5` gives one (Helm reads only whole numbers as numbers)
    "threshold": {"type": ["number", "string"], "minimum": 0, "pattern": r"^[0-9]+(\.[0-9]+)?$",
                  "description": "in the unit the alert names"},
    "window": DURATION,
})
ALERTS = obj({name: ALERT for name in ALERT_NAMES}, "per alert, by its name")

# --- global: the umbrella's city-wide settings, also every service chart's --------
GLOBAL = obj({
    "city": string("the city's 6-digit region code, e.g. \"350100\" (a string: quote it)",
                   pattern=r"^([1-9][0-9]{5})?$"),
    "imageRegistry": string(),
    "imageTag": string(),
    "imagePullSecrets": STRINGS,
    "kafkaBrokers": string("host:port[,host:port]", pattern=r"^([^,:\s]+:[0-9]+(,[^,:\s]+:[0-9]+)*)?$"),
    "otlpEndpoint": string(pattern=r"^(https?://.+)?$"),
    "telemetry": obj({"sampleRatio": {"type": "number", "minimum": 0, "maximum": 1}}),
    "kafkaTopics": obj({
        "mode": {"enum": ["job", "strimzi"]},
        "strimziCluster": string(),
        **TOPIC_SETTINGS,
        "dlqRetentionDays": integer(1),
        "topics": {"type": "object", "additionalProperties": obj(TOPIC_SETTINGS),
                   "description": "per topic, by its name without prefix (mode strimzi only)"},
    }),
    "auth": obj({
        "issuer": string(),
        "jwksUrl": string(),
        "audience": string(),
        "caFile": string(),
        "province": obj({"issuer": string(), "jwksUrl": string()}),
        "provinceOnly": BOOL,
    }),
    "tls": obj({"caBundle": obj({"kind": {"enum": ["ConfigMap", "Secret"]}, "name": string(),
                                 "key": string()})}),
    "kafka": obj({"topicPrefix": string(pattern=r"^[A-Za-z0-9._-]*$"),
                  "librdkafka": {"type": "object",
                                 "additionalProperties": {"type": ["string", "number", "boolean"]}}}),
    "kafkaUser": obj({"enabled": BOOL, "strimziCluster": string()}),
    "extraVolumes": OBJECTS,
    "extraVolumeMounts": OBJECTS,
    "extraEnv": {"type": "array", "items": ENV_VAR},
    "podAnnotations": STRING_MAP,
    "podLabels": STRING_MAP,
    "nodeSelector": STRING_MAP,
    "tolerations": OBJECTS,
    "affinity": open_obj(),
    "topologySpreadConstraints": OBJECTS,
    "ingress": obj({
        "enabled": BOOL,
        "domain": string(pattern=r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]*[a-z0-9])?$"),
        "className": string(),
        "annotations": STRING_MAP,
        "tlsSecretName": string(),
        "controllerNamespace": string(),
    }),
    "httpRoute": obj({"enabled": BOOL, "parentRefs": {"type": "array", "items": PARENT_REF}}),
    "trustedProxies": STRINGS,
    "monitoringNamespace": string(),
    "serviceMonitor": obj({"enabled": BOOL}),
    "prometheusRule": obj({
        "enabled": BOOL,
        "labels": STRING_MAP,
        "runbookBaseUrl": string(pattern=r"^(https?://.+)?$"),
        "alerts": ALERTS,
    }),
    "jobs": obj({"provision": obj({"enabled": BOOL})}),
    "grafana": obj({
        "renderedBy": string("the service whose chart renders the city's Grafana objects; empty: none"),
        "meshDashboard": BOOL,
        "tempoDatasource": obj({
            "enabled": BOOL,
            "name": string(),
            "uid": string(pattern=r"^[A-Za-z0-9_-]{1,40}$"),
            "url": string(pattern=r"^(https?://.+)?$"),
            "lokiUid": string(),
            "prometheusUid": string(),
            "labels": STRING_MAP,
        }),
    }),
    # Retired keys: allowed here so that the chart refuses them with their replacement.
    "existingSecret": {"description": "retired: each service reads its own Secret"},
    "redisUrl": {"description": "retired: the key REDIS__URL of each service's Secret"},
}, "city-wide settings, shared by every service")

# --- one service (a service chart's values, or the umbrella's <service>: block) -----
SERVICE = obj({
    "enabled": {"type": "boolean", "description": "umbrella only: install this service"},
    "envPrefix": string(pattern=r"^([A-Z][A-Z0-9_]*_)?$"),
    "nameOverride": string(),
    "fullnameOverride": string(),
    "image": obj({
        "registry": string(),
        "repository": string(),
        "tag": string(),
        "digest": string(pattern=r"^(sha256:[a-f0-9]{64})?$"),
        "pullPolicy": {"enum": ["Always", "IfNotPresent", "Never"]},
    }),
    "args": STRINGS,
    "imagePullSecrets": STRINGS,
    "replicaCount": integer(0),
    "resources": RESOURCES,
    "hpa": obj({
        "enabled": BOOL,
        "minReplicas": integer(1),
        "maxReplicas": integer(1),
        "targetCPUUtilizationPercentage": integer(1, 100),
        "targetMemoryUtilizationPercentage": integer(1, 100),
        "behavior": open_obj("autoscaling/v2 HorizontalPodAutoscalerBehavior"),
    }),
    "terminationGracePeriodSeconds": integer(1),
    "preStopSleepSeconds": integer(1),
    "probes": obj({
        "startupFailureThreshold": integer(1),
        "livenessPeriodSeconds": integer(1),
        "livenessFailureThreshold": integer(1),
        "readinessPeriodSeconds": integer(1),
        "readinessFailureThreshold": integer(1),
        "timeoutSeconds": integer(1),
    }),
    "podSecurityContext": open_obj(),
    "securityContext": open_obj(),
    "pdb": obj({"enabled": BOOL, "minAvailable": INT_OR_PERCENT, "maxUnavailable": INT_OR_PERCENT}),
    "networkPolicy": obj({
        "enabled": BOOL,
        "monitoringNamespace": string(),
        "extraIngressNamespaces": STRINGS,
        "egressPorts": {"type": "object", "additionalProperties": integer(1, 65535)},
        "extraEgress": OBJECTS,
    }),
    "serviceMonitor": obj({"enabled": BOOL, "labels": STRING_MAP, "interval": DURATION,
                           "scrapeTimeout": DURATION}),
    "dashboards": obj({"enabled": BOOL, "labels": STRING_MAP, "annotations": STRING_MAP}),
    "prometheusRule": obj({"enabled": BOOL, "labels": STRING_MAP, "alerts": ALERTS}),
    "jobs": obj({
        "backoffLimit": integer(0),
        "activeDeadlineSeconds": integer(1),
        "resources": RESOURCES,
        "provision": obj({"enabled": BOOL, "secret": string()}),
        "dlqReplay": obj({"enabled": BOOL, "topic": string(pattern=r"^[A-Za-z0-9._-]*$"), "list": BOOL,
                          "id": string(pattern=r"^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$"),
                          "dryRun": BOOL}),
        "republish": obj({"enabled": BOOL, "year": integer(0)}),
        "rotateKeys": obj({"enabled": BOOL, "batch": integer(1), "limit": integer(0)}),
    }),
    "migration": obj({
        "enabled": BOOL,
        "topics": BOOL,
        "resources": RESOURCES,
        "migrateArgs": STRINGS,
        "topicsArgs": STRINGS,
        "hookWeight": integer(),
        "backoffLimit": integer(0),
        "activeDeadlineSeconds": integer(1),
        "ttlSecondsAfterFinished": integer(0),
    }),
    "existingSecret": string(),
    "ownerSecret": string(),
    "secretKeys": {"type": "array", "items": string(pattern=r"^[A-Z][A-Z0-9_]*$")},
    "kafka": obj({
        "saslUsername": string(),
        "topicPrefix": string(pattern=r"^[A-Za-z0-9._-]*$"),
        "librdkafka": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}},
        "staticMembership": BOOL,
        "sessionTimeoutMs": integer(6000, 1800000),
        "ownedTopics": {"type": "array", "items": string(pattern=r"^[A-Za-z0-9._-]+$")},
        "consumerGroups": {"type": "array", "items": {**obj({"name": string(), "topics": STRINGS}),
                                                      "required": ["name", "topics"]}},
    }),
    "kafkaUser": obj({"enabled": BOOL, "strimziCluster": string()}),
    "extraVolumes": OBJECTS,
    "extraVolumeMounts": OBJECTS,
    "extraEnv": {"type": "array", "items": ENV_VAR},
    "podAnnotations": STRING_MAP,
    "podLabels": STRING_MAP,
    "nodeSelector": STRING_MAP,
    "tolerations": OBJECTS,
    "affinity": open_obj(),
    "topologySpreadConstraints": OBJECTS,
    "serviceAccount": obj({"create": BOOL, "name": string(), "annotations": STRING_MAP}),
    "ingress": obj({
        "enabled": BOOL,
        "host": string(),
        "className": string(),
        "annotations": STRING_MAP,
        "tls": obj({"enabled": BOOL, "secretName": string()}),
    }),
    "httpRoute": obj({"enabled": BOOL, "annotations": STRING_MAP,
                      "parentRefs": {"type": "array", "items": PARENT_REF}}),
    "config": open_obj("the service's own settings, flattened into env vars (checked by the service)"),
    "global": GLOBAL,
    "qiancheng-lib": open_obj("Helm's values entry for the library dependency (unused)"),
})


def nullable(schema):
    """A null removes a default (Helm's rule, and the library's): every value may be null."""
    s = copy.deepcopy(schema)
    for key in ("properties",):
        for name, sub in list((s.get(key) or {}).items()):
            s[key][name] = nullable(sub)
    if isinstance(s.get("additionalProperties"), dict):
        s["additionalProperties"] = nullable(s["additionalProperties"])
    if isinstance(s.get("items"), dict):
        s["items"] = nullable(s["items"])
    if "type" in s:
        types = s["type"] if isinstance(s["type"], list) else [s["type"]]
        s["type"] = types + (["null"] if "null" not in types else [])
    elif "enum" in s and None not in s["enum"]:
        s["enum"] = s["enum"] + [None]
    return s


def service_schema(name):
    s = nullable(SERVICE)
    return {"$schema": "http://json-schema.org/draft-07/schema#",
            "title": f"{name} values (generated by scripts/charts-schema.py; do not edit)", **s}


def umbrella_schema(services):
    service = nullable(SERVICE)
    props = {"global": nullable(GLOBAL)}
    for name in services:
        props[name] = {"$ref": "#/definitions/service"}
    return {"$schema": "http://json-schema.org/draft-07/schema#",
            "title": "qiancheng values (generated by scripts/charts-schema.py; do not edit)",
            "type": "object", "additionalProperties": False, "properties": props,
            "definitions": {"service": service}}


def dump(schema):
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def service_charts():
    out = []
    for chart in sorted(CHARTS.glob("*/Chart.yaml")):
        meta = yaml.safe_load(chart.read_text())
        if chart.parent != UMBRELLA and meta.get("type") != "library":
            out.append(chart.parent.name)
    return out


def library_defaults():
    text = DEFAULTS.read_text()
    m = re.search(r'\{\{- define "qiancheng-lib\.defaults" -\}\}\n(.*?)\{\{- end -\}\}', text, re.S)
    if not m or "{{" in m.group(1):
        sys.exit(f"{DEFAULTS}: qiancheng-lib.defaults is not plain YAML any more")
    return yaml.safe_load(m.group(1))


def missing(values, schema, path=""):
    """Keys of values (the defaults) that the schema does not describe."""
    out = []
    if not isinstance(values, dict) or schema.get("type") not in ("object", ["object", "null"]):
        return out
    props = schema.get("properties")
    if props is None:
        return out
    for k, v in values.items():
        if k not in props:
            if schema.get("additionalProperties") is False:
                out.append(f"{path}{k}")
        else:
            out.extend(missing(v, props[k], f"{path}{k}."))
    return out


def main():
    check = sys.argv[1:] == ["--check"]
    services = service_charts()
    files = {UMBRELLA / "values.schema.json": dump(umbrella_schema(services))}
    for name in services:
        files[CHARTS / name / "values.schema.json"] = dump(service_schema(name))
    problems = []
    defaults = library_defaults()
    schema = service_schema("qiancheng-lib")
    problems += [f"_defaults.tpl: {k} has no entry in SERVICE (scripts/charts-schema.py)"
                 for k in missing(defaults, SERVICE)]
    for e in jsonschema.Draft7Validator(schema).iter_errors(defaults):
        problems.append(f"_defaults.tpl: {'.'.join(map(str, e.path))}: {e.message}")
    umbrella_values = yaml.safe_load((UMBRELLA / "values.yaml").read_text())
    if set(umbrella_values.get("global") or {}) != set(defaults["global"]):
        problems.append("charts/qiancheng/values.yaml global and qiancheng-lib's default global "
                        f"name different keys: {sorted(set(umbrella_values['global']) ^ set(defaults['global']))}")
    if set(umbrella_values) - {"global"} != set(services):
        problems.append("charts/qiancheng/values.yaml needs a block per service chart")
    for path, text in files.items():
        rel = path.relative_to(ROOT)
        if check:
            if not path.exists() or path.read_text() != text:
                problems.append(f"{rel} is not what scripts/charts-schema.py writes: run it and commit the result")
        elif not path.exists() or path.read_text() != text:
            path.write_text(text)
            print(f"wrote {rel}")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

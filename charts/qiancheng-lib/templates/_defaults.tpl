{{/*
Default values of every service chart, kept here once. Helm does not merge a library
chart's values.yaml into its parent's values, so they are a template:
qiancheng-lib.component parses this YAML and merges the service chart's .Values over
it (qiancheng-lib.values), the way Helm merges a chart's values.yaml: a value set in
the service chart's values.yaml, in the umbrella's <service>: block, in a
values-<city>.yaml or by --set wins; maps merge key by key; a list replaces the whole
list; a null removes the default.

A service chart's values.yaml holds only what is its own: envPrefix,
image.repository, secretKeys, kafka.ownedTopics / kafka.consumerGroups and anything
else only it needs (e.g. subsidy-payment's bank key volumes and config.service).
<service> below is the chart's name, e.g. demand-catalog; <schema> its database
schema, e.g. demand_catalog.
*/}}
{{- define "qiancheng-lib.defaults" -}}
# The service reads its configuration from env vars with this prefix, nested keys
# joined by "__" (QC_<SERVICE>_HTTP__BIND, QC_<SERVICE>_INSTANCE__CITY, ...).
# Each service chart sets it; empty: QC_<CHART NAME>_.
envPrefix: ""

image:
  registry: ""       # empty: global.imageRegistry
  repository: ""     # required: each service chart sets qiancheng/<service>
  tag: ""            # empty: global.imageTag, then the chart's appVersion
  digest: ""         # set to pin sha256:...; wins over tag
  pullPolicy: IfNotPresent

# The image's entrypoint is the service binary; its subcommands are
# serve (this Deployment), migrate and topics (the pre-install/pre-upgrade Job).
args: ["serve"]

replicaCount: 2      # ignored while hpa.enabled (the HPA owns the replica count)

resources:
  requests:
    cpu: 100m
    memory: 128Mi
  limits:
    cpu: "1"
    memory: 256Mi

hpa:
  enabled: true
  minReplicas: 2
  maxReplicas: 6
  targetCPUUtilizationPercentage: 70

pdb:
  enabled: true
  minAvailable: 1

networkPolicy:
  enabled: true
  monitoringNamespace: ""      # empty: global.monitoringNamespace
  extraIngressNamespaces: []   # e.g. [ingress-nginx] if exposed through an ingress controller

serviceMonitor:
  enabled: false               # needs the Prometheus Operator CRDs; global.serviceMonitor.enabled also turns it on
  labels: {}
  interval: 30s

# Grafana dashboard (ConfigMap labelled grafana_dashboard: "1", picked up by the Grafana
# sidecar; it must search this namespace, e.g. kube-prometheus-stack
# grafana.sidecar.dashboards.searchNamespace: ALL). The JSON is qiancheng-lib's
# dashboards/service.json; its panels filter on job = this Service's name.
dashboards:
  enabled: true
  labels: {}
  annotations: {}              # e.g. {grafana_folder: Qiancheng} with sidecar.dashboards.folderAnnotation
# Migration Job (Helm hook pre-install,pre-upgrade): initContainer `migrate`, then `topics`.
migration:
  enabled: true
  topics: true
  resources:
    requests:
      cpu: 50m
      memory: 64Mi
    limits:
      cpu: 500m
      memory: 256Mi

# Secrets: this service's own existing Secret (the chart creates none), default
# name qiancheng-<service>. Its keys are env var names without envPrefix; each key
# becomes one env var through secretKeyRef (never envFrom), so the pod sees exactly:
#   DATABASE__URL         postgres://<schema>_app:...@host:5432/qiancheng (the application role)
#   KAFKA__SASL_PASSWORD  SCRAM password of kafka.saslUsername (while kafkaUser is enabled it
#                         comes from the Strimzi user's Secret instead)
#   REDIS__URL            rediss://user:password@host:6379/0 (TLS, an ACL user)
#   and each of secretKeys (the service's own keys, set in its chart's values.yaml).
existingSecret: ""
secretKeys: []
# The owner role, for the migration Job's `migrate` container only (it runs the DDL;
# the Deployment never references this Secret). Default name qiancheng-<service>-owner:
#   DATABASE__OWNER_URL   postgres://<schema>:...@host:5432/qiancheng
ownerSecret: ""

# Kafka: SASL/SCRAM-SHA-512 over TLS (sasl_ssl) to global.kafkaBrokers.
kafka:
  saslUsername: ""           # empty: the service name; also the KafkaUser's name
  topicPrefix: ""            # empty: global.kafka.topicPrefix; prepended to topics and groups
  # Any librdkafka setting, e.g. {"client.rack": zone-a}: rendered as
  # KAFKA__LIBRDKAFKA__CLIENT_RACK (the service reads "_" as "."); merged over
  # global.kafka.librdkafka. Brokers, TLS, SASL and CA have keys of their own.
  librdkafka: {}
  # Static membership: each pod joins its consumer groups under its own name
  # (group.instance.id = the pod's name), so a container restarted after a crash
  # takes its partitions back at once instead of waiting out a rebalance. A pod
  # that is gone for good leaves its partitions idle for sessionTimeoutMs.
  staticMembership: true
  sessionTimeoutMs: 15000
  # What this service owns and reads (set in each service chart's values.yaml): the
  # KafkaUser's ACLs are made from these lists. `topics` creates the owned ones and
  # their <topic>.dlq; dlq-replay of a topic runs as its owner (the only user allowed
  # to write the topic back). consumerGroups: [{name: <group>, topics: [<topic>, ...]}].
  ownedTopics: []
  consumerGroups: []

# Optional Strimzi KafkaUser for kafka.saslUsername (kafka.strimzi.io/v1beta2, SCRAM-SHA-512,
# ACLs from the lists above); global.kafkaUser.enabled turns it on for every service.
# Its password is then read from the Secret the User Operator writes (same name, key
# `password`). See charts/README.md for the first install.
kafkaUser:
  enabled: false
  strimziCluster: ""         # label strimzi.io/cluster; empty: global.kafkaUser.strimziCluster

# Extra pod volumes and container mounts (Deployment and migration Job), after
# global.extraVolumes/extraVolumeMounts: client certificates, keys, ...
extraVolumes: []
extraVolumeMounts: []

# Non-secret configuration, rendered into the ConfigMap as env vars:
#   config.telemetry.log_format -> QC_<SERVICE>_TELEMETRY__LOG_FORMAT
# The library already sets HTTP__BIND (0.0.0.0:8080), INSTANCE__CITY (global.city),
# AUTH__* (global.auth), DATABASE__SSLMODE (verify-full), KAFKA__BROKERS and the
# Kafka TLS/SASL keys, every *_CA_FILE (global.tls.caBundle) and
# TELEMETRY__OTLP_ENDPOINT (global.otlpEndpoint); a key here overrides them and
# a null removes one. Never put secrets here: the chart refuses the Secret's keys.
config:
  telemetry:
    log_format: json

# Set by the umbrella chart (charts/qiancheng) and its values-<city>.yaml;
# described in charts/qiancheng/values.yaml.
global:
  city: ""
  imageRegistry: ""
  imageTag: ""
  imagePullSecrets: []
  kafkaBrokers: ""
  otlpEndpoint: ""
  auth:
    issuer: ""
    jwksUrl: ""
    audience: qiancheng
    caFile: ""
    province:
      issuer: ""
      jwksUrl: ""
    provinceOnly: false
  tls:
    caBundle:
      kind: ConfigMap
      name: qiancheng-ca
      key: ca.crt
  kafka:
    topicPrefix: ""
    librdkafka: {}
  kafkaUser:
    enabled: false
    strimziCluster: ""
  extraVolumes: []
  extraVolumeMounts: []
  monitoringNamespace: monitoring
  serviceMonitor:
    enabled: false
{{- end -}}

{{/*
Merge .src into .dst in place, as Helm merges user values over a chart's values.yaml:
a map merges key by key (recursively), any other value (list, scalar) replaces the
default, and a null removes the default's key (a null for a key without a default is
kept, as Helm keeps it: qiancheng-lib.flattenInto reads it as "remove"). Only .dst is
written; .src's maps are referenced, never modified.
*/}}
{{- define "qiancheng-lib.mergeInto" -}}
{{- $dst := .dst -}}
{{- range $k, $v := .src -}}
{{- if and (kindIs "invalid" $v) (hasKey $dst $k) -}}
{{- $_ := unset $dst $k -}}
{{- else if and (kindIs "map" $v) (hasKey $dst $k) (kindIs "map" (index $dst $k)) -}}
{{- include "qiancheng-lib.mergeInto" (dict "dst" (index $dst $k) "src" $v) -}}
{{- else -}}
{{- $_ := set $dst $k $v -}}
{{- end -}}
{{- end -}}
{{- end -}}

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
imagePullSecrets: []           # names, after global.imagePullSecrets

# Object names: the chart's name (demand-catalog, ...) unless overridden.
nameOverride: ""
fullnameOverride: ""

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
  # targetMemoryUtilizationPercentage: 80   # a second metric, off by default
  # behavior: {...}                         # autoscaling/v2 HPA behavior, as is

# A stopping pod sleeps preStopSleepSeconds (endpoints drop it meanwhile), then
# finishes in-flight work within terminationGracePeriodSeconds.
terminationGracePeriodSeconds: 30
preStopSleepSeconds: 5

# Startup, liveness (GET /healthz) and readiness (GET /readyz) probes.
probes:
  startupFailureThreshold: 30  # every 2 s: 60 s to start
  livenessPeriodSeconds: 10
  livenessFailureThreshold: 3
  readinessPeriodSeconds: 5
  readinessFailureThreshold: 3
  timeoutSeconds: 2

# Empty: UID/GID 65532, non-root, RuntimeDefault seccomp (pod); read-only root
# filesystem, no privilege escalation, all capabilities dropped (container).
# `make charts` refuses a render without non-root and a read-only root filesystem.
podSecurityContext: {}
securityContext: {}

pdb:
  enabled: true
  minAvailable: 1              # or maxUnavailable (then null minAvailable); not both

networkPolicy:
  enabled: true
  monitoringNamespace: ""      # empty: global.monitoringNamespace
  extraIngressNamespaces: []   # e.g. [ingress-nginx] if exposed through an ingress controller
  egressPorts: {}              # {name: port}; empty: Postgres, Redis, https, the brokers', OTLP's
  extraEgress: []              # NetworkPolicy egress rules added as they are

serviceMonitor:
  enabled: false               # needs the Prometheus Operator CRDs; global.serviceMonitor.enabled also turns it on
  labels: {}
  interval: 30s
  scrapeTimeout: 10s

# Grafana dashboard (ConfigMap labelled grafana_dashboard: "1", picked up by the Grafana
# sidecar; it must search this namespace, e.g. kube-prometheus-stack
# grafana.sidecar.dashboards.searchNamespace: ALL). The JSON is qiancheng-lib's
# dashboards/service.json; its panels filter on job = this Service's name.
dashboards:
  enabled: true
  labels: {}
  annotations: {}              # e.g. {grafana_folder: Qiancheng} with sidecar.dashboards.folderAnnotation

# Alerting rules (PrometheusRule, monitoring.coreos.com/v1; needs the Prometheus
# Operator CRDs). enabled: null follows global.prometheusRule.enabled; true or false
# decides for this service. labels are merged over global.prometheusRule.labels;
# alerts.<alert> over global.prometheusRule.alerts.<alert> (the thresholds, below).
prometheusRule:
  enabled: null
  labels: {}
  alerts: {}

# One-off Jobs running a subcommand of the service's binary, off by default: turn
# one on for one `helm upgrade`, then off again (docs/runbook.md). Each is a Helm
# hook (provision before the migration Job; the others after the upgrade) kept
# until the next run replaces it, with the pod settings and Secrets of the
# migration Job but never the owner Secret.
jobs:
  backoffLimit: 0
  activeDeadlineSeconds: 3600
  resources:
    requests:
      cpu: 50m
      memory: 64Mi
    limits:
      cpu: 500m
      memory: 256Mi
  # `provision`: the schema, its owner role and its application role, once per city
  # (global.jobs.provision.enabled: every service). Its Secret (default
  # qiancheng-<service>-provision) holds QC_ADMIN_DATABASE_URL (a role that may create
  # roles and schemas), QC_SERVICE_DB_PASSWORD and QC_SERVICE_DB_APP_PASSWORD (the
  # passwords of the owner and application roles, as in the owner URL and DATABASE__URL).
  provision:
    enabled: false
    secret: ""
  # `dlq-replay --topic <topic>`: the topic must be one this service owns.
  dlqReplay:
    enabled: false
    topic: ""
    list: false                # only list what waits (--list)
    id: ""                     # move only this event (--id, its CloudEvents id)
    dryRun: false              # say what would move (--dry-run)
  # `republish`: demand-catalog (`republish --year <year>`) and institution-registry.
  republish:
    enabled: false
    year: 0
  # `rotate-keys`: services that seal personal data (SERVICE__PII_ENCRYPTION_KEYS).
  rotateKeys:
    enabled: false
    batch: 500                 # --batch
    limit: 0                   # --limit; 0: no limit

# Migration Job (Helm hook pre-install,pre-upgrade): initContainer `migrate`, then `topics`.
migration:
  enabled: true
  topics: true                 # run `topics` (global.kafkaTopics.mode job only)
  migrateArgs: ["migrate"]
  topicsArgs: ["topics"]
  hookWeight: -5
  backoffLimit: 3
  activeDeadlineSeconds: 600
  # ttlSecondsAfterFinished: 3600   # unset: the Job stays until the next upgrade replaces it
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

# Extra env vars (Kubernetes EnvVar objects: name and value, or valueFrom a
# fieldRef / resourceFieldRef / configMapKeyRef), after global.extraEnv, in the
# Deployment and the migration Job. Not for secrets: a name that looks secret
# (PASSWORD, SECRET, TOKEN, ..._KEY), a key of the service's Secret or a
# secretKeyRef is refused (add the key to the Secret instead: secretKeys), and so is
# a name the ConfigMap sets (use config: for those).
extraEnv: []

# Pod metadata (the Deployment's pods), merged over global.podAnnotations /
# global.podLabels. podLabels may not change the selector labels.
podAnnotations: {}
podLabels: {}

# Scheduling (Deployment and migration Job). nodeSelector merges over
# global.nodeSelector; tolerations come after global.tolerations; affinity and
# topologySpreadConstraints (Deployment only) replace global.affinity /
# global.topologySpreadConstraints. Without any: one spread constraint, pods
# across nodes (kubernetes.io/hostname, ScheduleAnyway).
nodeSelector: {}
tolerations: []
affinity: {}
topologySpreadConstraints: []

# The pods' ServiceAccount. create: the chart creates it (name: default the
# service's name), never mounting its token (the services call no Kubernetes API).
# Without create, name picks an existing one; empty: the namespace's default.
# The migration Job (a hook, before the release's objects exist) uses it only if
# it is not created by the chart.
serviceAccount:
  create: false
  name: ""
  annotations: {}            # e.g. a cloud workload identity

# Ingress (networking.k8s.io/v1) and Gateway API HTTPRoute (gateway.networking.k8s.io/v1)
# for the service's API, both off by default (global.ingress.enabled /
# global.httpRoute.enabled turn them on for every service). Host (both):
# <service>.<global.city>.<global.ingress.domain>, e.g.
# training-delivery.350100.qiancheng.example. Only the API is routed: /v1,
# /.well-known, /docs (prefixes) and /openapi.json, never /metrics, /healthz or
# /readyz. The NetworkPolicy then admits global.ingress.controllerNamespace.
ingress:
  enabled: false
  host: ""                   # empty: the host above
  className: ""              # empty: global.ingress.className
  annotations: {}            # merged over global.ingress.annotations
  tls:
    enabled: true
    secretName: ""           # empty: global.ingress.tlsSecretName, else <service>-tls
httpRoute:
  enabled: false
  annotations: {}
  parentRefs: []             # the Gateway(s); empty: global.httpRoute.parentRefs (one is required)

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
  telemetry:
    sampleRatio: 0.05
  kafkaTopics:
    mode: job
    strimziCluster: ""
    partitions: 3
    replicationFactor: 3
    minInsyncReplicas: 0
    retentionDays: 0
    dlqRetentionDays: 30
    topics: {}
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
  extraEnv: []
  podAnnotations: {}
  podLabels: {}
  nodeSelector: {}
  tolerations: []
  affinity: {}
  topologySpreadConstraints: []
  ingress:
    enabled: false
    domain: qiancheng.example
    className: ""
    annotations: {}
    tlsSecretName: ""
    controllerNamespace: ""
  httpRoute:
    enabled: false
    parentRefs: []
  trustedProxies: []
  monitoringNamespace: monitoring
  serviceMonitor:
    enabled: false
  prometheusRule:
    enabled: false
    labels: {}
    runbookBaseUrl: ""
    # Per alert: enabled, severity (a label for Alertmanager's routes), for,
    # threshold (in the unit the alert names) and window (of rate/increase/delta).
    alerts:
      QcHighErrorRatio: {enabled: true, severity: critical, for: 5m, threshold: 0.05, window: 5m}
      QcHighLatencyP99: {enabled: true, severity: warning, for: 10m, threshold: 1, window: 5m}
      QcConsumerLagGrowing: {enabled: true, severity: warning, for: 15m, threshold: 100, window: 10m}
      QcEventsDeadLettered: {enabled: true, severity: warning, for: 0m, threshold: 0, window: 15m}
      QcDeadLettersPresent: {enabled: true, severity: warning, for: 10m, threshold: 0, window: 5m}
      QcOutboxBacklogOld: {enabled: true, severity: warning, for: 5m, threshold: 300, window: 5m}
      QcDbPoolSaturated: {enabled: true, severity: warning, for: 10m, threshold: 0.9, window: 5m}
      QcPodRestarts: {enabled: true, severity: warning, for: 0m, threshold: 2, window: 30m}
      QcDependencyDown: {enabled: true, severity: critical, for: 5m, threshold: 0, window: 5m}
      QcLedgerAuditFailing: {enabled: true, severity: critical, for: 0m, threshold: 93600, window: 5m}
      QcStatusListStale: {enabled: true, severity: warning, for: 5m, threshold: 3600, window: 5m}
  jobs:
    provision:
      enabled: false
  grafana:
    renderedBy: ""
    meshDashboard: true
    tempoDatasource:
      enabled: false
      name: Tempo
      uid: tempo
      url: ""
      lokiUid: loki
      prometheusUid: prometheus
      labels:
        grafana_datasource: "1"
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

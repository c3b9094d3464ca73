{{/*
qiancheng-lib helpers. Every template takes the service chart's root context (.).

The values they read (.Values: the service chart's values merged over
qiancheng-lib.defaults by qiancheng-lib.component; defaults documented in _defaults.tpl):
  envPrefix, image, args, replicaCount, resources, hpa, pdb, networkPolicy,
  serviceMonitor, prometheusRule, dashboards, migration, jobs, config, existingSecret, ownerSecret,
  secretKeys, kafka, kafkaUser, extraVolumes, extraVolumeMounts, extraEnv,
  podAnnotations, podLabels, nodeSelector, tolerations, affinity,
  topologySpreadConstraints, serviceAccount, ingress, httpRoute, probes, global.*
Their types: values.schema.json of each chart (scripts/charts-schema.py).
*/}}

{{/* The HTTP port every service listens on (probes, Service, NetworkPolicy). */}}
{{- define "qiancheng-lib.httpPort" -}}8080{{- end -}}

{{/* Component name: the chart name, e.g. demand-catalog. */}}
{{- define "qiancheng-lib.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Object names. Each city is one release in its own namespace, so objects are named
after the service alone (demand-catalog, not <release>-demand-catalog): other
services reach it as http://demand-catalog:8080 in every city.
*/}}
{{- define "qiancheng-lib.fullname" -}}
{{- default (include "qiancheng-lib.name" .) .Values.fullnameOverride | trunc 55 | trimSuffix "-" -}}
{{- end -}}

{{- define "qiancheng-lib.global" -}}
{{- toYaml (.Values.global | default dict) -}}
{{- end -}}

{{/* Render a scalar for an environment variable: whole numbers without exponent, lists comma-joined. */}}
{{- define "qiancheng-lib.scalar" -}}
{{- if kindIs "float64" . -}}
{{- if eq (float64 (int64 .)) . -}}{{ int64 . }}{{- else -}}{{ . }}{{- end -}}
{{- else if kindIs "slice" . -}}
{{- $items := list -}}
{{- range . }}{{ $items = append $items (include "qiancheng-lib.scalar" .) }}{{ end -}}
{{- join "," $items -}}
{{- else -}}
{{- . -}}
{{- end -}}
{{- end -}}

{{/* City (region) code from global.city, e.g. 350100. */}}
{{- define "qiancheng-lib.city" -}}
{{- $g := .Values.global | default dict -}}
{{- include "qiancheng-lib.scalar" (required "global.city (region code, e.g. \"350100\") is required" $g.city) -}}
{{- end -}}

{{/* Environment prefix, e.g. QC_DEMAND_CATALOG_; defaults to QC_<CHART_NAME>_. */}}
{{- define "qiancheng-lib.envPrefix" -}}
{{- .Values.envPrefix | default (printf "QC_%s_" (.Chart.Name | upper | replace "-" "_")) -}}
{{- end -}}

{{/*
The service's own existing Secret (the chart never creates Secrets): default
qiancheng-<service>. Its keys are env var names without envPrefix (DATABASE__URL,
KAFKA__SASL_PASSWORD, REDIS__URL, plus secretKeys); each becomes one env var
through secretKeyRef, so a pod sees its own keys and nothing else.
*/}}
{{- define "qiancheng-lib.secretName" -}}
{{- .Values.existingSecret | default (printf "qiancheng-%s" (include "qiancheng-lib.name" .)) -}}
{{- end -}}

{{/* The owner role's Secret (key DATABASE__OWNER_URL), read by the migration Job's migrate container only. */}}
{{- define "qiancheng-lib.ownerSecretName" -}}
{{- .Values.ownerSecret | default (printf "qiancheng-%s-owner" (include "qiancheng-lib.name" .)) -}}
{{- end -}}

{{/* Where the CA bundle (global.tls.caBundle) is mounted; empty when none is configured. */}}
{{- define "qiancheng-lib.caDir" -}}/etc/qiancheng/tls{{- end -}}

{{- define "qiancheng-lib.caBundle" -}}
{{- $g := .Values.global | default dict -}}
{{- toYaml (($g.tls | default dict).caBundle | default dict) -}}
{{- end -}}

{{- define "qiancheng-lib.caFile" -}}
{{- $ca := fromYaml (include "qiancheng-lib.caBundle" .) -}}
{{- if $ca.name }}{{ include "qiancheng-lib.caDir" . }}/ca.crt{{ end -}}
{{- end -}}

{{/* SASL/SCRAM user name: kafka.saslUsername, default the service name (also the KafkaUser's name). */}}
{{- define "qiancheng-lib.kafkaUsername" -}}
{{- (.Values.kafka | default dict).saslUsername | default (include "qiancheng-lib.fullname" .) -}}
{{- end -}}

{{/* Prepended to every topic and consumer group: kafka.topicPrefix, else global.kafka.topicPrefix. */}}
{{- define "qiancheng-lib.topicPrefix" -}}
{{- $g := .Values.global | default dict -}}
{{- (.Values.kafka | default dict).topicPrefix | default ($g.kafka | default dict).topicPrefix | default "" -}}
{{- end -}}

{{- define "qiancheng-lib.kafkaUserEnabled" -}}
{{- $g := .Values.global | default dict -}}
{{- if or (.Values.kafkaUser | default dict).enabled ($g.kafkaUser | default dict).enabled }}true{{ end -}}
{{- end -}}

{{- define "qiancheng-lib.selectorLabels" -}}
app.kubernetes.io/name: {{ include "qiancheng-lib.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The Deployment's extra pod labels: global.podLabels, then podLabels over them. */}}
{{- define "qiancheng-lib.podLabels" -}}
{{- $g := .Values.global | default dict -}}
{{- toYaml (merge (deepCopy (.Values.podLabels | default dict)) (deepCopy ($g.podLabels | default dict))) -}}
{{- end -}}

{{- define "qiancheng-lib.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "qiancheng-lib.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | default .Chart.Version | quote }}
app.kubernetes.io/part-of: qiancheng
app.kubernetes.io/managed-by: {{ .Release.Service }}
qiancheng/city: {{ include "qiancheng-lib.city" . | quote }}
{{- end -}}

{{/* Image reference: [registry/]repository(:tag|@digest); tag: image.tag > global.imageTag > appVersion. */}}
{{- define "qiancheng-lib.image" -}}
{{- $g := .Values.global | default dict -}}
{{- $img := .Values.image | default dict -}}
{{- $reg := $img.registry | default $g.imageRegistry -}}
{{- $repo := required "image.repository is required" $img.repository -}}
{{- $tag := $img.tag | default $g.imageTag | default .Chart.AppVersion | toString -}}
{{- if $reg }}{{ $reg }}/{{ end }}{{ $repo }}{{ if $img.digest }}@{{ $img.digest }}{{ else }}:{{ $tag }}{{ end }}
{{- end -}}

{{- define "qiancheng-lib.hpaEnabled" -}}
{{- if (.Values.hpa | default dict).enabled }}true{{ end -}}
{{- end -}}

{{- define "qiancheng-lib.serviceMonitorEnabled" -}}
{{- $g := .Values.global | default dict -}}
{{- if or (.Values.serviceMonitor | default dict).enabled ($g.serviceMonitor | default dict).enabled }}true{{ end -}}
{{- end -}}

{{- define "qiancheng-lib.networkPolicyEnabled" -}}
{{- $np := .Values.networkPolicy | default dict -}}
{{- if ternary $np.enabled true (hasKey $np "enabled") }}true{{ end -}}
{{- end -}}

{{/*
Flatten a nested map into env vars: {prefix}{KEY}__{NESTED}. Writes into .out;
a null value removes a key set earlier (e.g. to drop a global the service does not use).
*/}}
{{- define "qiancheng-lib.flattenInto" -}}
{{- $out := .out -}}
{{- $prefix := .prefix -}}
{{- range $k, $v := .value -}}
{{- $key := printf "%s%s" $prefix ($k | upper | replace "-" "_" | replace "." "_") -}}
{{- if kindIs "map" $v -}}
{{- include "qiancheng-lib.flattenInto" (dict "out" $out "prefix" (printf "%s__" $key) "value" $v) -}}
{{- else if kindIs "invalid" $v -}}
{{- $_ := unset $out $key -}}
{{- else -}}
{{- $_ := set $out $key (include "qiancheng-lib.scalar" $v) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Non-secret environment as a YAML map (NAME: value). Platform settings come from
global.* and the http port; the service's `config:` map is applied on top.
  HTTP__BIND, INSTANCE__CITY
  AUTH__ISSUER, AUTH__JWKS_URL, AUTH__AUDIENCE, AUTH__CA_FILE,
  AUTH__PROVINCE__ISSUER, AUTH__PROVINCE__JWKS_URL          (global.auth)
  DATABASE__SSLMODE=verify-full, DATABASE__CA_FILE
  KAFKA__BROKERS, KAFKA__SECURITY_PROTOCOL=sasl_ssl, KAFKA__SASL_MECHANISM=SCRAM-SHA-512,
  KAFKA__SASL_USERNAME, KAFKA__CA_FILE, KAFKA__TOPIC_PREFIX, KAFKA__LIBRDKAFKA__<KEY>
  KAFKA__PARTITIONS, KAFKA__REPLICATION_FACTOR, KAFKA__DLQ_RETENTION_DAYS (global.kafkaTopics)
  REDIS__CA_FILE, TELEMETRY__OTLP_ENDPOINT, TELEMETRY__OTLP_CA_FILE,
  TELEMETRY__SAMPLE_RATIO (global.telemetry.sampleRatio)
Every *_CA_FILE is the mounted global.tls.caBundle (AUTH__CA_FILE: global.auth.caFile
if set). Secrets (DATABASE__URL, KAFKA__SASL_PASSWORD, REDIS__URL, secretKeys) are
never here: see qiancheng-lib.secretEnv.
*/}}
{{- define "qiancheng-lib.env" -}}
{{- $g := .Values.global | default dict -}}
{{- $auth := $g.auth | default dict -}}
{{- $province := $auth.province | default dict -}}
{{- $gk := $g.kafka | default dict -}}
{{- $k := .Values.kafka | default dict -}}
{{- $ca := include "qiancheng-lib.caFile" . -}}
{{- $database := dict "sslmode" "verify-full" -}}
{{- $kafka := dict
      "security_protocol" "sasl_ssl"
      "sasl_mechanism" "SCRAM-SHA-512"
      "sasl_username" (include "qiancheng-lib.kafkaUsername" .) -}}
{{- with $g.kafkaBrokers }}{{ $_ := set $kafka "brokers" . }}{{ end -}}
{{- $kt := $g.kafkaTopics | default dict -}}
{{- with $kt.partitions }}{{ $_ := set $kafka "partitions" . }}{{ end -}}
{{- with $kt.replicationFactor }}{{ $_ := set $kafka "replication_factor" . }}{{ end -}}
{{- with $kt.dlqRetentionDays }}{{ $_ := set $kafka "dlq_retention_days" . }}{{ end -}}
{{- with include "qiancheng-lib.topicPrefix" . }}{{ $_ := set $kafka "topic_prefix" . }}{{ end -}}
{{- $librdkafka := merge (deepCopy ($k.librdkafka | default dict)) (deepCopy ($gk.librdkafka | default dict)) -}}
{{- with $librdkafka }}{{ $_ := set $kafka "librdkafka" . }}{{ end -}}
{{- $redis := dict -}}
{{- $telemetry := dict -}}
{{- with $g.otlpEndpoint }}{{ $_ := set $telemetry "otlp_endpoint" . }}{{ end -}}
{{- $sampleRatio := ($g.telemetry | default dict).sampleRatio -}}
{{- if not (kindIs "invalid" $sampleRatio) }}{{ $_ := set $telemetry "sample_ratio" $sampleRatio }}{{ end -}}
{{- $authEnv := dict "issuer" ($auth.issuer | default "") "audience" ($auth.audience | default "qiancheng") -}}
{{- with $auth.jwksUrl }}{{ $_ := set $authEnv "jwks_url" . }}{{ end -}}
{{- with ($auth.caFile | default $ca) }}{{ $_ := set $authEnv "ca_file" . }}{{ end -}}
{{- if $province.issuer -}}
{{- $p := dict "issuer" $province.issuer -}}
{{- with $province.jwksUrl }}{{ $_ := set $p "jwks_url" . }}{{ end -}}
{{- $_ := set $authEnv "province" $p -}}
{{- end -}}
{{- if $ca -}}
{{- $_ := set $database "ca_file" $ca -}}
{{- $_ := set $kafka "ca_file" $ca -}}
{{- $_ := set $redis "ca_file" $ca -}}
{{- if $g.otlpEndpoint }}{{ $_ := set $telemetry "otlp_ca_file" $ca }}{{ end -}}
{{- end -}}
{{- $base := dict
      "http" (dict "bind" (printf "0.0.0.0:%s" (include "qiancheng-lib.httpPort" .)))
      "instance" (dict "city" (include "qiancheng-lib.city" .))
      "auth" $authEnv
      "database" $database
      "kafka" $kafka -}}
{{- with $redis }}{{ $_ := set $base "redis" . }}{{ end -}}
{{- with $g.trustedProxies }}{{ $_ := set $base "public" (dict "trusted_proxies" (join "," .)) }}{{ end -}}
{{- with $telemetry }}{{ $_ := set $base "telemetry" . }}{{ end -}}
{{- $out := dict -}}
{{- $prefix := include "qiancheng-lib.envPrefix" . -}}
{{- include "qiancheng-lib.flattenInto" (dict "out" $out "prefix" $prefix "value" $base) -}}
{{- include "qiancheng-lib.flattenInto" (dict "out" $out "prefix" $prefix "value" (.Values.config | default dict)) -}}
{{- toYaml $out -}}
{{- end -}}

{{/*
Secret keys of the service's own Secret, without envPrefix. KAFKA__SASL_PASSWORD is
listed only for SASL (sasl_ssl); it is read from the Strimzi user's Secret instead
while kafkaUser is enabled (see qiancheng-lib.secretEnv).
*/}}
{{- define "qiancheng-lib.secretKeys" -}}
{{- $env := fromYaml (include "qiancheng-lib.env" .) -}}
{{- $prefix := include "qiancheng-lib.envPrefix" . -}}
{{- $keys := list "DATABASE__URL" -}}
{{- if eq (get $env (printf "%sKAFKA__SECURITY_PROTOCOL" $prefix) | toString) "sasl_ssl" -}}
{{- $keys = append $keys "KAFKA__SASL_PASSWORD" -}}
{{- end -}}
{{- $keys = append $keys "REDIS__URL" -}}
{{- toYaml (concat $keys (.Values.secretKeys | default list) | uniq) -}}
{{- end -}}

{{/*
Secret env vars, one secretKeyRef each (never envFrom): exactly the keys this
service needs, from its own Secret. `owner` (the migrate container only) adds
DATABASE__OWNER_URL from the owner Secret.
*/}}
{{- define "qiancheng-lib.secretEnv" -}}
{{- $root := .root -}}
{{- $prefix := include "qiancheng-lib.envPrefix" $root -}}
{{- $secret := include "qiancheng-lib.secretName" $root -}}
{{- range $key := fromYamlArray (include "qiancheng-lib.secretKeys" $root) }}
- name: {{ $prefix }}{{ $key }}
  valueFrom:
    secretKeyRef:
      {{- if and (eq $key "KAFKA__SASL_PASSWORD") (include "qiancheng-lib.kafkaUserEnabled" $root) }}
      # written by the Strimzi user operator for the KafkaUser
      name: {{ include "qiancheng-lib.kafkaUsername" $root }}
      key: password
      {{- else }}
      name: {{ $secret }}
      key: {{ $key }}
      {{- end }}
{{- end }}
{{- if .owner }}
- name: {{ $prefix }}DATABASE__OWNER_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "qiancheng-lib.ownerSecretName" $root }}
      key: DATABASE__OWNER_URL
{{- end }}
{{- end -}}

{{/* global.extraEnv then extraEnv (checked by qiancheng-lib.validateExtraEnv). */}}
{{- define "qiancheng-lib.extraEnv" -}}
{{- $g := .Values.global | default dict -}}
{{- with concat ($g.extraEnv | default list) (.Values.extraEnv | default list) }}
{{- toYaml . }}
{{- end }}
{{- end -}}

{{/* Pod-level settings shared by the Deployment and the migration Job. */}}
{{- define "qiancheng-lib.podSpecCommon" -}}
{{- $g := .Values.global | default dict -}}
automountServiceAccountToken: false
{{- with (concat ($g.imagePullSecrets | default list) (.Values.imagePullSecrets | default list)) }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
securityContext:
  {{- toYaml (.Values.podSecurityContext | default (dict
        "runAsNonRoot" true
        "runAsUser" 65532
        "runAsGroup" 65532
        "fsGroup" 65532
        "seccompProfile" (dict "type" "RuntimeDefault"))) | nindent 2 }}
{{- with merge (deepCopy (.Values.nodeSelector | default dict)) (deepCopy ($g.nodeSelector | default dict)) }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with concat ($g.tolerations | default list) (.Values.tolerations | default list) }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity | default $g.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "qiancheng-lib.containerSecurityContext" -}}
{{- toYaml (.Values.securityContext | default (dict
      "runAsNonRoot" true
      "readOnlyRootFilesystem" true
      "allowPrivilegeEscalation" false
      "capabilities" (dict "drop" (list "ALL")))) -}}
{{- end -}}

{{/* readOnlyRootFilesystem: the only writable path is an in-memory /tmp. */}}
{{- define "qiancheng-lib.tmpVolume" -}}
- name: tmp
  emptyDir:
    medium: Memory
    sizeLimit: 64Mi
{{- end -}}

{{- define "qiancheng-lib.tmpMount" -}}
- name: tmp
  mountPath: /tmp
{{- end -}}

{{/*
Pod volumes (Deployment and migration Job): /tmp, the CA bundle every *_CA_FILE
points to (global.tls.caBundle: a ConfigMap or Secret, one key, mounted read-only
as <caDir>/ca.crt), then global.extraVolumes and extraVolumes.
*/}}
{{- define "qiancheng-lib.volumes" -}}
{{- $g := .Values.global | default dict -}}
{{- $ca := fromYaml (include "qiancheng-lib.caBundle" .) -}}
{{ include "qiancheng-lib.tmpVolume" . }}
{{- if $ca.name }}
- name: ca-bundle
  {{- if eq ($ca.kind | default "ConfigMap") "Secret" }}
  secret:
    secretName: {{ $ca.name }}
  {{- else }}
  configMap:
    name: {{ $ca.name }}
  {{- end }}
    items:
      - key: {{ $ca.key | default "ca.crt" }}
        path: ca.crt
{{- end }}
{{- with concat ($g.extraVolumes | default list) (.Values.extraVolumes | default list) }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "qiancheng-lib.volumeMounts" -}}
{{- $g := .Values.global | default dict -}}
{{ include "qiancheng-lib.tmpMount" . }}
{{- if include "qiancheng-lib.caFile" . }}
- name: ca-bundle
  mountPath: {{ include "qiancheng-lib.caDir" . }}
  readOnly: true
{{- end }}
{{- with concat ($g.extraVolumeMounts | default list) (.Values.extraVolumeMounts | default list) }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Fail early, with a message naming the value, instead of rendering a broken manifest. */}}
{{- define "qiancheng-lib.validateQuantity" -}}
{{- $v := include "qiancheng-lib.scalar" .value -}}
{{- if not (regexMatch "^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$" $v) -}}
{{- fail (printf "%s: %q is not a valid non-negative Kubernetes quantity" .path $v) -}}
{{- end -}}
{{- end -}}

{{- define "qiancheng-lib.validateInt" -}}
{{- $v := .value -}}
{{- if not (or (kindIs "float64" $v) (kindIs "int64" $v) (kindIs "int" $v)) -}}
{{- fail (printf "%s must be an integer, got %v" .path $v) -}}
{{- end -}}
{{- if ne (float64 (int64 $v)) (float64 $v) -}}
{{- fail (printf "%s must be an integer, got %v" .path $v) -}}
{{- end -}}
{{- if lt (int64 $v) (int64 .min) -}}
{{- fail (printf "%s must be >= %d, got %v" .path (int64 .min) $v) -}}
{{- end -}}
{{- end -}}

{{- define "qiancheng-lib.validateResources" -}}
{{- $r := .value | default dict -}}
{{- range $kind := list "requests" "limits" -}}
{{- $m := get $r $kind | default dict -}}
{{- range $res := list "cpu" "memory" -}}
{{- if not (hasKey $m $res) -}}
{{- fail (printf "%s.%s.%s is required" $.path $kind $res) -}}
{{- end -}}
{{- end -}}
{{- range $res, $q := $m -}}
{{- include "qiancheng-lib.validateQuantity" (dict "path" (printf "%s.%s.%s" $.path $kind $res) "value" $q) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "qiancheng-lib.validate" -}}
{{- $city := include "qiancheng-lib.city" . -}}
{{- if not (regexMatch "^[1-9][0-9]{5}$" $city) -}}
{{- fail (printf "global.city must be a 6-digit region code such as \"350100\", got %q" $city) -}}
{{- end -}}
{{- $prefix := include "qiancheng-lib.envPrefix" . -}}
{{- if not (regexMatch "^[A-Z][A-Z0-9_]*_$" $prefix) -}}
{{- fail (printf "envPrefix must be upper-case letters, digits and _ and end with _, got %q" $prefix) -}}
{{- end -}}
{{- include "qiancheng-lib.validateInt" (dict "path" "replicaCount" "value" .Values.replicaCount "min" 0) -}}
{{- include "qiancheng-lib.validateResources" (dict "path" "resources" "value" .Values.resources) -}}
{{- $mig := .Values.migration | default dict -}}
{{- if ternary $mig.enabled true (hasKey $mig "enabled") -}}
{{- include "qiancheng-lib.validateResources" (dict "path" "migration.resources" "value" $mig.resources) -}}
{{- end -}}
{{- if fromYamlArray (include "qiancheng-lib.oneOffJobList" .) -}}
{{- include "qiancheng-lib.validateResources" (dict "path" "jobs.resources" "value" (.Values.jobs | default dict).resources) -}}
{{- end -}}
{{- $hpa := .Values.hpa | default dict -}}
{{- if $hpa.enabled -}}
{{- include "qiancheng-lib.validateInt" (dict "path" "hpa.minReplicas" "value" $hpa.minReplicas "min" 1) -}}
{{- include "qiancheng-lib.validateInt" (dict "path" "hpa.maxReplicas" "value" $hpa.maxReplicas "min" 1) -}}
{{- if gt (int64 $hpa.minReplicas) (int64 $hpa.maxReplicas) -}}
{{- fail (printf "hpa.minReplicas (%v) must not exceed hpa.maxReplicas (%v)" $hpa.minReplicas $hpa.maxReplicas) -}}
{{- end -}}
{{- end -}}
{{- $pdb := .Values.pdb | default dict -}}
{{- if $pdb.enabled -}}
{{- if and (hasKey $pdb "minAvailable") (hasKey $pdb "maxUnavailable") -}}
{{- fail "pdb: set either minAvailable or maxUnavailable, not both" -}}
{{- end -}}
{{- if and (hasKey $pdb "minAvailable") (not $hpa.enabled) (not (kindIs "string" $pdb.minAvailable)) -}}
{{- if ge (int64 $pdb.minAvailable) (int64 .Values.replicaCount) -}}
{{- fail (printf "pdb.minAvailable (%v) must be below replicaCount (%v), or no node could ever be drained" $pdb.minAvailable .Values.replicaCount) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- include "qiancheng-lib.validateKafkaTopics" . -}}
{{- include "qiancheng-lib.validatePodLabels" . -}}
{{- include "qiancheng-lib.validateIngress" . -}}
{{- include "qiancheng-lib.validateSecurity" . -}}
{{- end -}}

{{/* The security posture: identity provider, TLS, Secrets, Kafka settings. */}}
{{- define "qiancheng-lib.validateSecurity" -}}
{{- $g := .Values.global | default dict -}}
{{- range $old, $now := dict
      "existingSecret" "each service reads its own Secret: <service>.existingSecret (default qiancheng-<service>)"
      "redisUrl" "the Redis URL (rediss://user:password@host:port/db) is the key REDIS__URL of each service's Secret" -}}
{{- if hasKey $g $old -}}
{{- fail (printf "global.%s is no longer read: %s" $old $now) -}}
{{- end -}}
{{- end -}}
{{- $auth := $g.auth | default dict -}}
{{- $province := $auth.province | default dict -}}
{{- if $auth.provinceOnly -}}
{{- if or $auth.issuer (not $province.issuer) -}}
{{- fail "global.auth.provinceOnly (the provincial aggregator): global.auth.issuer must be empty and global.auth.province.issuer set" -}}
{{- end -}}
{{- else if not $auth.issuer -}}
{{- fail "global.auth.issuer (the iss of the city identity provider's tokens) is required; only the provincial aggregator (global.auth.provinceOnly) leaves it empty" -}}
{{- end -}}
{{- range $what, $iss := dict "global.auth" (dict "issuer" ($auth.issuer | default "") "jwksUrl" ($auth.jwksUrl | default "")) "global.auth.province" (dict "issuer" ($province.issuer | default "") "jwksUrl" ($province.jwksUrl | default "")) -}}
{{- if $iss.issuer -}}
{{- if $iss.jwksUrl -}}
{{- if not (hasPrefix "https://" $iss.jwksUrl) -}}
{{- fail (printf "%s.jwksUrl must be an https:// URL, got %q" $what $iss.jwksUrl) -}}
{{- end -}}
{{- else if not (hasPrefix "https://" $iss.issuer) -}}
{{- fail (printf "%s.jwksUrl is required unless %s.issuer is an https:// URL (OIDC discovery), got issuer %q" $what $what $iss.issuer) -}}
{{- end -}}
{{- else if $iss.jwksUrl -}}
{{- fail (printf "%s.jwksUrl is set without %s.issuer" $what $what) -}}
{{- end -}}
{{- end -}}
{{- if and $province.issuer (eq ($province.issuer | toString) ($auth.issuer | default "" | toString)) -}}
{{- fail "global.auth.province.issuer must differ from global.auth.issuer" -}}
{{- end -}}
{{- with $g.otlpEndpoint -}}
{{- if not (or (hasPrefix "https://" .) (regexMatch "^http://(127\\.0\\.0\\.1|localhost)(:[0-9]+)?(/.*)?$" .)) -}}
{{- fail (printf "global.otlpEndpoint must be https:// (plain http only on loopback), got %q" .) -}}
{{- end -}}
{{- end -}}
{{- $ca := fromYaml (include "qiancheng-lib.caBundle" .) -}}
{{- if $ca.name -}}
{{- if not (has ($ca.kind | default "ConfigMap") (list "ConfigMap" "Secret")) -}}
{{- fail (printf "global.tls.caBundle.kind must be ConfigMap or Secret, got %q" $ca.kind) -}}
{{- end -}}
{{- end -}}
{{- $prefixTopics := include "qiancheng-lib.topicPrefix" . -}}
{{- if not (regexMatch "^[A-Za-z0-9._-]*$" $prefixTopics) -}}
{{- fail (printf "kafka.topicPrefix may hold only letters, digits, '.', '_' and '-', got %q" $prefixTopics) -}}
{{- end -}}
{{- if hasKey ((.Values.config | default dict).kafka | default dict) "topic_prefix" -}}
{{- fail "config.kafka.topic_prefix: set kafka.topicPrefix (or global.kafka.topicPrefix) instead, so the KafkaUser's ACLs use the same names" -}}
{{- end -}}
{{- $k := .Values.kafka | default dict -}}
{{- $gk := $g.kafka | default dict -}}
{{- range $key, $v := merge (deepCopy ($k.librdkafka | default dict)) (deepCopy ($gk.librdkafka | default dict)) -}}
{{- $name := $key | lower | replace "_" "." -}}
{{- if has $name (list "bootstrap.servers" "security.protocol" "sasl.mechanism" "sasl.mechanisms" "sasl.username" "sasl.password" "ssl.ca.location" "ssl.certificate.location" "ssl.key.location") -}}
{{- fail (printf "kafka.librdkafka.%s: set by its own key (brokers, TLS, SASL, CA), not passed through" $key) -}}
{{- end -}}
{{- if or (contains "password" $name) (contains ".pem" $name) (eq $name "sasl.jaas.config") -}}
{{- fail (printf "kafka.librdkafka.%s looks secret: it would land in the ConfigMap" $key) -}}
{{- end -}}
{{- if or (and (eq $name "ssl.endpoint.identification.algorithm") (ne ($v | toString) "https")) (and (eq $name "enable.ssl.certificate.verification") (ne ($v | toString) "true")) -}}
{{- fail (printf "kafka.librdkafka.%s=%v would stop checking the brokers' certificates" $key $v) -}}
{{- end -}}
{{- end -}}
{{- if include "qiancheng-lib.kafkaUserEnabled" . -}}
{{- $user := include "qiancheng-lib.kafkaUsername" . -}}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$" $user) -}}
{{- fail (printf "kafka.saslUsername %q names the KafkaUser: it must be a DNS-1123 name" $user) -}}
{{- end -}}
{{- if not ((.Values.kafkaUser | default dict).strimziCluster | default ($g.kafkaUser | default dict).strimziCluster) -}}
{{- fail "kafkaUser.strimziCluster (or global.kafkaUser.strimziCluster) must name the Strimzi Kafka cluster" -}}
{{- end -}}
{{- end -}}
{{- $prefix := include "qiancheng-lib.envPrefix" . -}}
{{- range $key := .Values.secretKeys | default list -}}
{{- if not (regexMatch "^[A-Z][A-Z0-9_]*$" ($key | toString)) -}}
{{- fail (printf "secretKeys: %q must be an env var name without envPrefix, e.g. SERVICE__PII_LOOKUP_KEY" $key) -}}
{{- end -}}
{{- end -}}
{{- $env := fromYaml (include "qiancheng-lib.env" .) -}}
{{- $secret := concat (fromYamlArray (include "qiancheng-lib.secretKeys" .)) (list "KAFKA__SASL_PASSWORD" "DATABASE__OWNER_URL") -}}
{{- range $name, $_ := $env -}}
{{- $key := trimPrefix $prefix $name -}}
{{- if has $key $secret -}}
{{- fail (printf "config sets %s, a secret: it belongs in the service's Secret, not the ConfigMap" $name) -}}
{{- end -}}
{{- if hasSuffix "AUTH__LOCAL_SIGNING_KEY" $name -}}
{{- fail "config.auth.local_signing_key is for local development only: the charts never configure a signing key for the city's tokens" -}}
{{- end -}}
{{- end -}}
{{- include "qiancheng-lib.validateExtraEnv" (dict "root" . "env" $env "secret" $secret) -}}
{{- end -}}

{{/*
extraEnv (global.extraEnv, then extraEnv) adds plain settings only: a secret would
sit in the pod spec, or reach the pod from a Secret outside the service's own keys.
*/}}
{{- define "qiancheng-lib.validateExtraEnv" -}}
{{- $prefix := include "qiancheng-lib.envPrefix" .root -}}
{{- $g := .root.Values.global | default dict -}}
{{- range $e := concat ($g.extraEnv | default list) (.root.Values.extraEnv | default list) -}}
{{- if not (and (kindIs "map" $e) $e.name) -}}
{{- fail (printf "extraEnv: %v is not an EnvVar ({name: ..., value: ...})" $e) -}}
{{- end -}}
{{- $name := $e.name | toString -}}
{{- $key := trimPrefix $prefix $name -}}
{{- if contains "LOCAL_SIGNING_KEY" $name -}}
{{- fail (printf "extraEnv sets %s: the charts never configure a signing key for the city's tokens" $name) -}}
{{- end -}}
{{- if has $key $.secret -}}
{{- fail (printf "extraEnv sets %s, a secret: it belongs in the service's Secret, not the pod spec" $name) -}}
{{- end -}}
{{- if ($e.valueFrom | default dict).secretKeyRef -}}
{{- fail (printf "extraEnv %s reads a Secret: secrets reach a pod only from its own Secret (add the key to secretKeys)" $name) -}}
{{- end -}}
{{- if regexMatch "(?i)(PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|PRIVATE|_KEYS?$|_URL$)" $key -}}
{{- fail (printf "extraEnv sets %s, which looks secret: put it in the service's Secret (secretKeys), not the pod spec" $name) -}}
{{- end -}}
{{- if hasKey $.env $name -}}
{{- fail (printf "extraEnv sets %s, which the chart's ConfigMap sets: use config: instead" $name) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* podLabels add labels: the chart's own (the selector's among them) stay as they are. */}}
{{- define "qiancheng-lib.validatePodLabels" -}}
{{- $own := set (fromYaml (include "qiancheng-lib.labels" .)) "app.kubernetes.io/component" "server" -}}
{{- range $k, $_ := fromYaml (include "qiancheng-lib.podLabels" .) -}}
{{- if hasKey $own $k -}}
{{- fail (printf "podLabels.%s would change a label the chart sets (the selector labels among them)" $k) -}}
{{- end -}}
{{- end -}}
{{- end -}}

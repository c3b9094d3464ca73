{{/*
qiancheng-lib helpers. Every template takes the service chart's root context (.).

Values a service chart provides (see charts/demand-catalog/values.yaml):
  envPrefix, image, args, replicaCount, resources, hpa, pdb, networkPolicy,
  serviceMonitor, dashboards, migration, config, existingSecret, global.*
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

{{/* Name of the existing Secret with the service's secret env vars. */}}
{{- define "qiancheng-lib.secretName" -}}
{{- $g := .Values.global | default dict -}}
{{- required "existingSecret (or global.existingSecret) must name an existing Secret" (.Values.existingSecret | default $g.existingSecret) -}}
{{- end -}}

{{- define "qiancheng-lib.selectorLabels" -}}
app.kubernetes.io/name: {{ include "qiancheng-lib.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
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
Secrets (DATABASE__URL, AUTH__JWT_SECRET, ...) are never here: they come from the
existing Secret via envFrom.
*/}}
{{- define "qiancheng-lib.env" -}}
{{- $g := .Values.global | default dict -}}
{{- $base := dict
      "http" (dict "bind" (printf "0.0.0.0:%s" (include "qiancheng-lib.httpPort" .)))
      "instance" (dict "city" (include "qiancheng-lib.city" .)) -}}
{{- with $g.kafkaBrokers }}{{ $_ := set $base "kafka" (dict "brokers" .) }}{{ end -}}
{{- with $g.redisUrl }}{{ $_ := set $base "redis" (dict "url" .) }}{{ end -}}
{{- with $g.otlpEndpoint }}{{ $_ := set $base "telemetry" (dict "otlp_endpoint" .) }}{{ end -}}
{{- $out := dict -}}
{{- $prefix := include "qiancheng-lib.envPrefix" . -}}
{{- include "qiancheng-lib.flattenInto" (dict "out" $out "prefix" $prefix "value" $base) -}}
{{- include "qiancheng-lib.flattenInto" (dict "out" $out "prefix" $prefix "value" (.Values.config | default dict)) -}}
{{- toYaml $out -}}
{{- end -}}

{{/* Pod-level settings shared by the Deployment and the migration Job. */}}
{{- define "qiancheng-lib.podSpecCommon" -}}
{{- $g := .Values.global | default dict -}}
{{- with .Values.serviceAccountName }}
serviceAccountName: {{ . }}
{{- end }}
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
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
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
{{- $_ := include "qiancheng-lib.secretName" . -}}
{{- end -}}

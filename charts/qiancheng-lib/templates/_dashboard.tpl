{{/*
Grafana dashboard as a ConfigMap labelled grafana_dashboard: "1", which the Grafana
sidecar (kube-prometheus-stack: grafana.sidecar.dashboards) loads from any namespace
it searches. One ConfigMap per service and city, all from one JSON file shipped in
this library: dashboards/service.json. The file holds placeholders, replaced here:
  __QC_UID__        qc-<city>-<service> (unique per city: both cities' dashboards coexist)
  __QC_CITY__       global.city
  __QC_SERVICE__    the Service name, which the ServiceMonitor turns into the job label
  __QC_NAMESPACE__  the release namespace (default of the dashboard's namespace variable)

A library's files are not in the parent chart's .Files: they are read through the
parent's .Subcharts entry for this library (packaged with it by `helm dependency build`).
*/}}
{{- define "qiancheng-lib.dashboardsEnabled" -}}
{{- $d := .Values.dashboards | default dict -}}
{{- if ternary $d.enabled true (hasKey $d "enabled") }}true{{ end -}}
{{- end -}}

{{- define "qiancheng-lib.dashboard" -}}
{{- $d := .Values.dashboards | default dict -}}
{{- $lib := dict -}}
{{- range $_, $sub := (.Subcharts | default dict) -}}
{{- if and $sub.Chart (eq $sub.Chart.Name "qiancheng-lib") }}{{ $lib = $sub }}{{ end -}}
{{- end -}}
{{- if not $lib.Files -}}
{{- fail "dashboards.enabled: cannot read qiancheng-lib's dashboards/service.json (needs a Helm that exposes .Subcharts and qiancheng-lib as a dependency); set dashboards.enabled=false" -}}
{{- end -}}
{{- $json := $lib.Files.Get "dashboards/service.json" -}}
{{- if not $json -}}
{{- fail "qiancheng-lib: dashboards/service.json is missing from the packaged library chart" -}}
{{- end -}}
{{- $city := include "qiancheng-lib.city" . -}}
{{- $svc := include "qiancheng-lib.fullname" . -}}
{{- $uid := printf "qc-%s-%s" $city $svc | trunc 40 | trimSuffix "-" -}}
{{- $json = $json | replace "__QC_UID__" $uid | replace "__QC_CITY__" $city | replace "__QC_SERVICE__" $svc | replace "__QC_NAMESPACE__" .Release.Namespace -}}
{{- $parsed := fromJson $json -}}
{{- if or (hasKey $parsed "Error") (ne ($parsed.uid | toString) $uid) -}}
{{- fail (printf "qiancheng-lib: dashboards/service.json does not parse as a dashboard: %v" ($parsed.Error | default "no uid")) -}}
{{- end -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ $svc }}-dashboard
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "qiancheng-lib.labels" . | nindent 4 }}
    app.kubernetes.io/component: dashboard
    grafana_dashboard: "1"
    {{- with $d.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with $d.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
data:
  {{ printf "qiancheng-%s-%s.json" $city $svc }}: |-
    {{- $json | trimSuffix "\n" | nindent 4 }}
{{- end -}}

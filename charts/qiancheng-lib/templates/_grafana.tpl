{{/*
The city's Grafana objects that are not one service's: the mesh overview dashboard
(on by default) and an example Tempo datasource (off). A subchart cannot see which
other services the city runs, so they are rendered once, by the chart of the service
named in global.grafana.renderedBy (the umbrella: demand-catalog, which every city
runs); empty (a service chart installed alone), by none.

Mesh overview (global.grafana.meshDashboard): a ConfigMap like the service's
dashboard (qiancheng-lib.dashboard), JSON dashboards/mesh.json, uid qc-<city>-mesh,
labels and annotations those of the rendering service's `dashboards`. One row per
service: the row repeats over the `service` variable (every job of the namespace
that answers HTTP), so it shows what the city runs without knowing it here.

Tempo datasource (global.grafana.tempoDatasource.enabled): a ConfigMap with a
Grafana datasource provisioning file, labelled for the Grafana sidecar
(kube-prometheus-stack grafana.sidecar.datasources; label: its labels). Enable it in
one city only where the cities share a Grafana: datasources are Grafana-wide.
*/}}
{{- define "qiancheng-lib.grafanaHost" -}}
{{- $g := .Values.global | default dict -}}
{{- if eq (($g.grafana | default dict).renderedBy | default "") (include "qiancheng-lib.name" .) }}true{{ end -}}
{{- end -}}

{{- define "qiancheng-lib.meshDashboardEnabled" -}}
{{- $g := .Values.global | default dict -}}
{{- if and (include "qiancheng-lib.grafanaHost" .) (include "qiancheng-lib.dashboardsEnabled" .) ($g.grafana | default dict).meshDashboard }}true{{ end -}}
{{- end -}}

{{- define "qiancheng-lib.tempoDatasourceEnabled" -}}
{{- $g := .Values.global | default dict -}}
{{- if and (include "qiancheng-lib.grafanaHost" .) ((($g.grafana | default dict).tempoDatasource | default dict).enabled) }}true{{ end -}}
{{- end -}}

{{- define "qiancheng-lib.meshDashboard" -}}
{{- $d := .Values.dashboards | default dict -}}
{{- $lib := dict -}}
{{- range $_, $sub := (.Subcharts | default dict) -}}
{{- if and $sub.Chart (eq $sub.Chart.Name "qiancheng-lib") }}{{ $lib = $sub }}{{ end -}}
{{- end -}}
{{- $json := "" -}}
{{- if $lib.Files }}{{ $json = $lib.Files.Get "dashboards/mesh.json" }}{{ end -}}
{{- if not $json -}}
{{- fail "global.grafana.meshDashboard: cannot read qiancheng-lib's dashboards/mesh.json (see dashboards.enabled); set global.grafana.meshDashboard=false" -}}
{{- end -}}
{{- $city := include "qiancheng-lib.city" . -}}
{{- $uid := printf "qc-%s-mesh" $city -}}
{{- $json = $json | replace "__QC_UID__" $uid | replace "__QC_CITY__" $city | replace "__QC_NAMESPACE__" .Release.Namespace -}}
{{- $parsed := fromJson $json -}}
{{- if or (hasKey $parsed "Error") (ne ($parsed.uid | toString) $uid) -}}
{{- fail (printf "qiancheng-lib: dashboards/mesh.json does not parse as a dashboard: %v" ($parsed.Error | default "no uid")) -}}
{{- end -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: qiancheng-mesh-dashboard
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
  {{ printf "qiancheng-%s-mesh.json" $city }}: |-
    {{- $json | trimSuffix "\n" | nindent 4 }}
{{- end -}}

{{- define "qiancheng-lib.tempoDatasource" -}}
{{- $g := .Values.global | default dict -}}
{{- $t := ($g.grafana | default dict).tempoDatasource | default dict -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: qiancheng-tempo-datasource
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "qiancheng-lib.labels" . | nindent 4 }}
    app.kubernetes.io/component: datasource
    {{- toYaml ($t.labels | default (dict "grafana_datasource" "1")) | nindent 4 }}
data:
  qiancheng-tempo.yaml: |-
    # Grafana datasource provisioning (apiVersion 1). The services export their
    # traces over OTLP (global.otlpEndpoint) to the collector, which sends them on
    # to Tempo; a JSON log line written within a request carries its trace id
    # (span.trace_id), and the pods'
    # OTEL_RESOURCE_ATTRIBUTES name k8s.namespace.name and k8s.pod.name.
    apiVersion: 1
    datasources:
      - name: {{ $t.name | default "Tempo" }}
        type: tempo
        uid: {{ $t.uid | default "tempo" }}
        access: proxy
        url: {{ required "global.grafana.tempoDatasource.url (Tempo's query frontend) is required" $t.url }}
        jsonData:
          # Trace to logs: a span's "Logs" link asks Loki for the lines of its
          # namespace and service (the container is named after the service)
          # that carry the trace id, from a minute before the span to a minute after.
          tracesToLogsV2:
            datasourceUid: {{ $t.lokiUid | default "loki" }}
            spanStartTimeShift: "-1m"
            spanEndTimeShift: "1m"
            filterByTraceID: true
            filterBySpanID: false
            tags:
              - key: k8s.namespace.name
                value: namespace
              - key: service.name
                value: container
          # Trace to metrics and the service graph from Prometheus.
          tracesToMetrics:
            datasourceUid: {{ $t.prometheusUid | default "prometheus" }}
            tags:
              - key: service.name
                value: job
          serviceMap:
            datasourceUid: {{ $t.prometheusUid | default "prometheus" }}
          nodeGraph:
            enabled: true
          lokiSearch:
            datasourceUid: {{ $t.lokiUid | default "loki" }}
    # Exemplars (a latency point linking to its trace) need the Prometheus
    # datasource's exemplarTraceIdDestinations, e.g.
    #   jsonData:
    #     exemplarTraceIdDestinations:
    #       - name: trace_id
    #         datasourceUid: {{ $t.uid | default "tempo" }}
    # The services cannot emit exemplars yet: the prometheus crate's text format
    # has none (it needs OpenMetrics exemplars on qc_http_request_duration_seconds).
    # Logs to traces: the Loki datasource's derivedFields, e.g.
    #   jsonData:
    #     derivedFields:
    #       - name: trace_id
    #         matcherRegex: '"trace_id":"(\w+)"'
    #         datasourceUid: {{ $t.uid | default "tempo" }}
    #         url: "$${__value.raw}"
{{- end -}}

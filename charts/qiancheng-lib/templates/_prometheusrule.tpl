{{/*
Prometheus Operator PrometheusRule (monitoring.coreos.com/v1): the service's alerts,
off by default. global.prometheusRule.enabled turns it on for every service;
prometheusRule.enabled (true or false) decides for one service whatever the global
says. Labels: global.prometheusRule.labels, then prometheusRule.labels (what the
Prometheus' ruleSelector matches, e.g. release: kube-prometheus-stack).

Every alert's settings (enabled, severity, for, threshold, window) are
global.prometheusRule.alerts.<alert>, with prometheusRule.alerts.<alert> merged over
them for one service. Each alert selects this Service's targets (job = the Service's
name, as the ServiceMonitor names them; namespace = the release's) and carries
labels severity, service and city, and annotations summary, description and
runbook_url (global.prometheusRule.runbookBaseUrl + #<alert name, lower case>:
the sections of docs/runbook.md). Metric names: docs/runbook.md, Metrics.
QcLedgerAuditFailing is subsidy-payment's only, QcStatusListStale skill-assessment's.
*/}}
{{- define "qiancheng-lib.prometheusRuleEnabled" -}}
{{- $g := .Values.global | default dict -}}
{{- $own := (.Values.prometheusRule | default dict).enabled -}}
{{- if kindIs "bool" $own -}}
{{- if $own }}true{{ end -}}
{{- else if ($g.prometheusRule | default dict).enabled -}}
true
{{- end -}}
{{- end -}}

{{/* The alerts' settings: global.prometheusRule.alerts, prometheusRule.alerts merged over them. */}}
{{- define "qiancheng-lib.alertSettings" -}}
{{- $g := .Values.global | default dict -}}
{{- $out := deepCopy (($g.prometheusRule | default dict).alerts | default dict) -}}
{{- include "qiancheng-lib.mergeInto" (dict "dst" $out "src" (deepCopy ((.Values.prometheusRule | default dict).alerts | default dict))) -}}
{{- toYaml $out -}}
{{- end -}}

{{/* One rule: .name, .a (its settings), .expr, .summary, .description, .root. */}}
{{- define "qiancheng-lib.alertRule" -}}
{{- $g := .root.Values.global | default dict -}}
{{- $base := ($g.prometheusRule | default dict).runbookBaseUrl | default "" -}}
- alert: {{ .name }}
  expr: |-
    {{- .expr | trim | nindent 4 }}
  for: {{ .a.for | default "5m" }}
  labels:
    severity: {{ .a.severity | default "warning" }}
    service: {{ include "qiancheng-lib.fullname" .root }}
    city: {{ include "qiancheng-lib.city" .root | quote }}
  annotations:
    summary: {{ .summary | quote }}
    description: {{ .description | quote }}
    runbook_url: {{ printf "%s#%s" $base (lower .name) | quote }}
{{- end -}}

{{- define "qiancheng-lib.prometheusrule" -}}
{{- $g := .Values.global | default dict -}}
{{- $gpr := $g.prometheusRule | default dict -}}
{{- $pr := .Values.prometheusRule | default dict -}}
{{- $svc := include "qiancheng-lib.fullname" . -}}
{{- $sel := printf "job=%q, namespace=%q" $svc .Release.Namespace -}}
{{- $http := printf "%s, route!~%q" $sel "/healthz|/readyz|/metrics" -}}
{{- $a := fromYaml (include "qiancheng-lib.alertSettings" .) -}}
{{- $rules := list -}}
{{- with $a.QcHighErrorRatio }}{{ if .enabled }}
{{- $rules = append $rules (dict "name" "QcHighErrorRatio" "a" . "root" $
      "expr" (printf "sum by (namespace, job) (rate(qc_http_requests_total{%s, status=~\"5..\"}[%s]))\n/\nsum by (namespace, job) (rate(qc_http_requests_total{%s}[%s]))\n> %v" $http .window $http .window .threshold)
      "summary" (printf "%s's 5xx ratio is above %v" $svc .threshold)
      "description" (printf "{{ $value | humanizePercentage }} of %s's requests in {{ $labels.namespace }} failed with a 5xx over the last %s." $svc .window)) }}
{{- end }}{{ end }}
{{- with $a.QcHighLatencyP99 }}{{ if .enabled }}
{{- $rules = append $rules (dict "name" "QcHighLatencyP99" "a" . "root" $
      "expr" (printf "histogram_quantile(0.99, sum by (namespace, job, le) (rate(qc_http_request_duration_seconds_bucket{%s}[%s])))\n> %v" $http .window .threshold)
      "summary" (printf "%s's p99 latency is above %vs" $svc .threshold)
      "description" (printf "The 99th percentile of %s's request latency in {{ $labels.namespace }} is {{ $value | humanizeDuration }} over the last %s." $svc .window)) }}
{{- end }}{{ end }}
{{- with $a.QcConsumerLagGrowing }}{{ if .enabled }}
{{- $rules = append $rules (dict "name" "QcConsumerLagGrowing" "a" . "root" $
      "expr" (printf "sum by (namespace, job, consumer, topic) (max by (namespace, job, consumer, topic, partition) (qc_consumer_lag{%s}))\n> %v\nand\nsum by (namespace, job, consumer, topic) (delta(qc_consumer_lag{%s}[%s]))\n> 0" $sel .threshold $sel .window)
      "summary" (printf "%s's consumer {{ $labels.consumer }} falls behind on {{ $labels.topic }}" $svc)
      "description" (printf "{{ $value }} messages of {{ $labels.topic }} wait for %s's consumer {{ $labels.consumer }} in {{ $labels.namespace }}; the lag grew over the last %s." $svc .window)) }}
{{- end }}{{ end }}
{{- with $a.QcEventsDeadLettered }}{{ if .enabled }}
{{- $rules = append $rules (dict "name" "QcEventsDeadLettered" "a" . "root" $
      "expr" (printf "sum by (namespace, job, consumer, topic) (increase(qc_events_consumed_total{%s, outcome=\"dead_lettered\"}[%s]))\n> %v" $sel .window .threshold)
      "summary" (printf "%s's consumer {{ $labels.consumer }} dead-lettered events of {{ $labels.topic }}" $svc)
      "description" (printf "%s's consumer {{ $labels.consumer }} in {{ $labels.namespace }} gave up on {{ $value }} event(s) of {{ $labels.topic }} in the last %s; they wait in {{ $labels.topic }}.dlq." $svc .window)) }}
{{- end }}{{ end }}
{{- with $a.QcDeadLettersPresent }}{{ if .enabled }}
{{- $rules = append $rules (dict "name" "QcDeadLettersPresent" "a" . "root" $
      "expr" (printf "max by (namespace, job, topic) (qc_dead_letter_messages{%s})\n> %v" $sel .threshold)
      "summary" (printf "{{ $labels.topic }}.dlq holds dead letters (%s consumes {{ $labels.topic }})" $svc)
      "description" "{{ $value }} message(s) are retained in {{ $labels.topic }}.dlq in {{ $labels.namespace }} (replayed ones count until the dead-letter retention removes them)."
      ) }}
{{- end }}{{ end }}
{{- with $a.QcOutboxBacklogOld }}{{ if .enabled }}
{{- $rules = append $rules (dict "name" "QcOutboxBacklogOld" "a" . "root" $
      "expr" (printf "max by (namespace, job) (qc_outbox_oldest_pending_age_seconds{%s})\n> %v" $sel .threshold)
      "summary" (printf "%s's outbox holds an event unpublished for over %vs" $svc .threshold)
      "description" (printf "The oldest unsent outbox row of %s in {{ $labels.namespace }} is {{ $value | humanizeDuration }} old: its events do not reach the broker." $svc)) }}
{{- end }}{{ end }}
{{- with $a.QcDbPoolSaturated }}{{ if .enabled }}
{{- $rules = append $rules (dict "name" "QcDbPoolSaturated" "a" . "root" $
      "expr" (printf "(\n  sum by (namespace, job, pod) (qc_db_pool_connections{%s, state=\"in_use\"})\n/\n  sum by (namespace, job, pod) (qc_db_pool_max_connections{%s})\n>= %v\n)\nor\nsum by (namespace, job, pod) (increase(qc_db_pool_timeouts_total{%s}[%s])) > 0" $sel $sel .threshold $sel .window)
      "summary" (printf "%s's database pool is saturated in {{ $labels.pod }}" $svc)
      "description" (printf "{{ $labels.pod }} (%s, {{ $labels.namespace }}) uses at least %v of its database connections, or a checkout timed out in the last %s." $svc .threshold .window)) }}
{{- end }}{{ end }}
{{- with $a.QcPodRestarts }}{{ if .enabled }}
{{- $rules = append $rules (dict "name" "QcPodRestarts" "a" . "root" $
      "expr" (printf "sum by (namespace, pod, container) (increase(kube_pod_container_status_restarts_total{namespace=%q, container=%q}[%s]))\n> %v" $.Release.Namespace (include "qiancheng-lib.name" $) .window .threshold)
      "summary" (printf "%s's pod {{ $labels.pod }} keeps restarting" $svc)
      "description" (printf "{{ $labels.pod }} in {{ $labels.namespace }} restarted {{ $value | humanize }} times in the last %s." .window)) }}
{{- end }}{{ end }}
{{- with $a.QcDependencyDown }}{{ if .enabled }}
{{- $rules = append $rules (dict "name" "QcDependencyDown" "a" . "root" $
      "expr" (printf "max by (namespace, job, dependency) (qc_dependency_up{%s})\n== 0" $sel)
      "summary" (printf "%s cannot reach its {{ $labels.dependency }}" $svc)
      "description" (printf "No pod of %s in {{ $labels.namespace }} reaches its {{ $labels.dependency }} (qc_dependency_up, from the readiness checks)." $svc)) }}
{{- end }}{{ end }}
{{- if eq (include "qiancheng-lib.name" .) "subsidy-payment" }}
{{- with $a.QcLedgerAuditFailing }}{{ if .enabled }}
{{- $rules = append $rules (dict "name" "QcLedgerAuditFailing" "a" . "root" $
      "expr" (printf "min by (namespace, job) (qc_ledger_audit_balanced{%s}) == 0\nor\ntime() - max by (namespace, job) (qc_ledger_audit_last_run_timestamp_seconds{%s})\n> %v" $sel $sel .threshold)
      "summary" "The subsidy ledger audit fails, or has not run"
      "description" (printf "The ledger audit of %s in {{ $labels.namespace }} found an account that differs from its postings, or its last run is over %vs old." $svc .threshold)) }}
{{- end }}{{ end }}
{{- end }}
{{- if eq (include "qiancheng-lib.name" .) "skill-assessment" }}
{{- with $a.QcStatusListStale }}{{ if .enabled }}
{{- $rules = append $rules (dict "name" "QcStatusListStale" "a" . "root" $
      "expr" (printf "time() - max by (namespace, job) (qc_status_list_published_timestamp_seconds{%s})\n> %v" $sel .threshold)
      "summary" "The certificate status (revocation) list is stale"
      "description" (printf "%s in {{ $labels.namespace }} last published the certificate status list {{ $value | humanizeDuration }} ago: a revocation since then may not reach verifiers." $svc)) }}
{{- end }}{{ end }}
{{- end }}
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: {{ $svc }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "qiancheng-lib.labels" . | nindent 4 }}
    app.kubernetes.io/component: alerts
    {{- with merge (deepCopy ($pr.labels | default dict)) (deepCopy ($gpr.labels | default dict)) }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  groups:
    - name: {{ printf "qiancheng-%s" $svc }}
      rules:
        {{- range $rules }}
        {{- include "qiancheng-lib.alertRule" . | nindent 8 }}
        {{- end }}
{{- end -}}

{{/*
Everything one service needs. A service chart's only template is:
  {{ include "qiancheng-lib.component" . }}
Its values.yaml holds only what is the service's own; the defaults of all other
values are qiancheng-lib.defaults (_defaults.tpl).
*/}}
{{- define "qiancheng-lib.component" -}}
{{- /* Effective values: the service chart's .Values merged over qiancheng-lib.defaults
     (_defaults.tpl), into a copy of the root context: everything below, and every
     template it includes, reads the merged values. .Values itself is not modified. */ -}}
{{- $values := fromYaml (include "qiancheng-lib.defaults" .) -}}
{{- include "qiancheng-lib.mergeInto" (dict "dst" $values "src" (deepCopy (.Values | default dict))) -}}
{{- $root := set (omit . "Values") "Values" $values -}}
{{- with $root -}}
{{- include "qiancheng-lib.validate" . -}}
{{- $mig := .Values.migration | default dict }}
{{- if (.Values.serviceAccount | default dict).create }}
{{ include "qiancheng-lib.serviceaccount" . }}
---
{{- end }}
{{ include "qiancheng-lib.configmap" . }}
---
{{ include "qiancheng-lib.service" . }}
{{- if include "qiancheng-lib.ingressEnabled" . }}
---
{{ include "qiancheng-lib.ingress" . }}
{{- end }}
{{- if include "qiancheng-lib.httpRouteEnabled" . }}
---
{{ include "qiancheng-lib.httproute" . }}
{{- end }}
---
{{ include "qiancheng-lib.deployment" . }}
{{- if include "qiancheng-lib.hpaEnabled" . }}
---
{{ include "qiancheng-lib.hpa" . }}
{{- end }}
{{- if (.Values.pdb | default dict).enabled }}
---
{{ include "qiancheng-lib.pdb" . }}
{{- end }}
{{- if include "qiancheng-lib.networkPolicyEnabled" . }}
---
{{ include "qiancheng-lib.networkpolicy" . }}
{{- end }}
{{- if include "qiancheng-lib.serviceMonitorEnabled" . }}
---
{{ include "qiancheng-lib.servicemonitor" . }}
{{- end }}
{{- if include "qiancheng-lib.prometheusRuleEnabled" . }}
---
{{ include "qiancheng-lib.prometheusrule" . }}
{{- end }}
{{- if include "qiancheng-lib.kafkaUserEnabled" . }}
---
{{ include "qiancheng-lib.kafkauser" . }}
{{- end }}
{{- if and (include "qiancheng-lib.strimziTopics" .) (.Values.kafka | default dict).ownedTopics }}
---
{{ include "qiancheng-lib.kafkatopics" . | trim }}
{{- end }}
{{- if include "qiancheng-lib.dashboardsEnabled" . }}
---
{{ include "qiancheng-lib.dashboard" . }}
{{- end }}
{{- if include "qiancheng-lib.meshDashboardEnabled" . }}
---
{{ include "qiancheng-lib.meshDashboard" . }}
{{- end }}
{{- if include "qiancheng-lib.tempoDatasourceEnabled" . }}
---
{{ include "qiancheng-lib.tempoDatasource" . }}
{{- end }}
{{- if ternary $mig.enabled true (hasKey $mig "enabled") }}
---
{{ include "qiancheng-lib.job" . }}
{{- end }}
{{- with include "qiancheng-lib.oneOffJobs" . | trim }}
---
{{ . }}
{{- end }}
{{- end }}
{{- end -}}

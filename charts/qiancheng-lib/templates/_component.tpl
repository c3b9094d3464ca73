{{/*
Everything one service needs. A service chart's only template is:
  {{ include "qiancheng-lib.component" . }}
*/}}
{{- define "qiancheng-lib.component" -}}
{{- include "qiancheng-lib.validate" . -}}
{{- $mig := .Values.migration | default dict }}
{{ include "qiancheng-lib.configmap" . }}
---
{{ include "qiancheng-lib.service" . }}
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
{{- if include "qiancheng-lib.kafkaUserEnabled" . }}
---
{{ include "qiancheng-lib.kafkauser" . }}
{{- end }}
{{- if include "qiancheng-lib.dashboardsEnabled" . }}
---
{{ include "qiancheng-lib.dashboard" . }}
{{- end }}
{{- if ternary $mig.enabled true (hasKey $mig "enabled") }}
---
{{ include "qiancheng-lib.job" . }}
{{- end }}
{{- end -}}

{{/* The pods' ServiceAccount (serviceAccount.create); its token is never mounted. */}}
{{- define "qiancheng-lib.serviceAccountName" -}}
{{- $sa := .Values.serviceAccount | default dict -}}
{{- if $sa.create -}}
{{- $sa.name | default (include "qiancheng-lib.fullname" .) -}}
{{- else -}}
{{- $sa.name | default "" -}}
{{- end -}}
{{- end -}}

{{- define "qiancheng-lib.serviceaccount" -}}
{{- $sa := .Values.serviceAccount | default dict -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "qiancheng-lib.serviceAccountName" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "qiancheng-lib.labels" . | nindent 4 }}
  {{- with $sa.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
automountServiceAccountToken: false
{{- end -}}

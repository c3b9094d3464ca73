{{/* Non-secret configuration as environment variables (see qiancheng-lib.env). */}}
{{- define "qiancheng-lib.configmap" -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "qiancheng-lib.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "qiancheng-lib.labels" . | nindent 4 }}
data:
  {{- range $k, $v := fromYaml (include "qiancheng-lib.env" .) }}
  {{ $k }}: {{ $v | toString | quote }}
  {{- end }}
{{- end -}}

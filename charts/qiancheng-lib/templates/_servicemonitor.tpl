{{/* Prometheus Operator CRD: enable only where the CRD is installed. */}}
{{- define "qiancheng-lib.servicemonitor" -}}
{{- $sm := .Values.serviceMonitor | default dict -}}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "qiancheng-lib.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "qiancheng-lib.labels" . | nindent 4 }}
    {{- with $sm.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  selector:
    matchLabels:
      {{- include "qiancheng-lib.selectorLabels" . | nindent 6 }}
      app.kubernetes.io/component: server
  namespaceSelector:
    matchNames:
      - {{ .Release.Namespace }}
  endpoints:
    - port: http
      path: /metrics
      interval: {{ $sm.interval | default "30s" }}
      scrapeTimeout: {{ $sm.scrapeTimeout | default "10s" }}
{{- end -}}

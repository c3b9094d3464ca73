{{- define "qiancheng-lib.hpa" -}}
{{- $hpa := .Values.hpa -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "qiancheng-lib.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "qiancheng-lib.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "qiancheng-lib.fullname" . }}
  minReplicas: {{ int64 $hpa.minReplicas }}
  maxReplicas: {{ int64 $hpa.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ int64 ($hpa.targetCPUUtilizationPercentage | default 70) }}
    {{- with $hpa.targetMemoryUtilizationPercentage }}
    - type: Resource
      resource:
        name: memory
        target:
          type: Utilization
          averageUtilization: {{ int64 . }}
    {{- end }}
  {{- with $hpa.behavior }}
  behavior:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}

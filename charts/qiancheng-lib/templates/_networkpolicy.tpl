{{/*
Ingress: port 8080 from pods of this namespace (the other services of the city)
and from the monitoring namespace (Prometheus). Egress: DNS, Postgres, Redis,
Kafka and OTLP, to any address (those backends usually live outside the namespace).
The policy selects the migration Job's pods too (same name/instance labels).
*/}}
{{- define "qiancheng-lib.networkpolicy" -}}
{{- $np := .Values.networkPolicy | default dict -}}
{{- $g := .Values.global | default dict -}}
{{- $monitoringNs := $np.monitoringNamespace | default $g.monitoringNamespace | default "monitoring" -}}
{{- $egressPorts := $np.egressPorts | default (dict "postgres" 5432 "redis" 6379 "kafka" 9092 "otlpGrpc" 4317 "otlpHttp" 4318) -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "qiancheng-lib.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "qiancheng-lib.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "qiancheng-lib.selectorLabels" . | nindent 6 }}
  policyTypes:
    - Ingress
    - Egress
  ingress:
    - from:
        - podSelector: {}
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ $monitoringNs }}
        {{- range $np.extraIngressNamespaces }}
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ . }}
        {{- end }}
      ports:
        - port: {{ include "qiancheng-lib.httpPort" . }}
          protocol: TCP
  egress:
    - ports:
        - port: 53
          protocol: UDP
        - port: 53
          protocol: TCP
    - ports:
        {{- range $name, $port := $egressPorts }}
        # {{ $name }}
        - port: {{ int64 $port }}
          protocol: TCP
        {{- end }}
    {{- with $np.extraEgress }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end -}}

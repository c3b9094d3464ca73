{{/*
Ingress: port 8080 from pods of this namespace (the other services of the city)
and from the monitoring namespace (Prometheus). Egress: DNS, then TCP to any address
(those backends usually live outside the namespace) on the backends' ports:
Postgres 5432, Redis 6379, https 443 (the identity providers' key sets, the
provincial aggregator's cities), each port of global.kafkaBrokers (9093 if none
names one) and the port of global.otlpEndpoint. networkPolicy.egressPorts
({name: port}) replaces that list. Ingress from networkPolicy.extraIngressNamespaces
too, and from global.ingress.controllerNamespace while an Ingress or HTTPRoute is on.
The policy selects the migration Job's pods too (same name/instance labels).
*/}}
{{- define "qiancheng-lib.egressPorts" -}}
{{- $g := .Values.global | default dict -}}
{{- $ports := dict "postgres" 5432 "redis" 6379 "https" 443 -}}
{{- $kafka := false -}}
{{- range $broker := splitList "," ($g.kafkaBrokers | default "") -}}
{{- $port := regexFind "[0-9]+$" (regexFind ":[0-9]+$" (trim $broker)) -}}
{{- if $port }}{{ $_ := set $ports (printf "kafka-%s" $port) (int64 $port) }}{{ $kafka = true }}{{ end -}}
{{- end -}}
{{- if not $kafka }}{{ $_ := set $ports "kafka" 9093 }}{{ end -}}
{{- with $g.otlpEndpoint -}}
{{- $port := regexFind "[0-9]+$" (regexFind ":[0-9]+$" (urlParse .).host) -}}
{{- $_ := set $ports "otlp" (int64 ($port | default (ternary "443" "80" (hasPrefix "https://" .)))) -}}
{{- end -}}
{{- toYaml $ports -}}
{{- end -}}

{{- define "qiancheng-lib.networkpolicy" -}}
{{- $np := .Values.networkPolicy | default dict -}}
{{- $g := .Values.global | default dict -}}
{{- $monitoringNs := $np.monitoringNamespace | default $g.monitoringNamespace | default "monitoring" -}}
{{- $egressPorts := $np.egressPorts | default (fromYaml (include "qiancheng-lib.egressPorts" .)) -}}
{{- $ingressNamespaces := $np.extraIngressNamespaces | default list -}}
{{- with ($g.ingress | default dict).controllerNamespace -}}
{{- if and (or (include "qiancheng-lib.ingressEnabled" $) (include "qiancheng-lib.httpRouteEnabled" $)) (not (has . $ingressNamespaces)) -}}
{{- $ingressNamespaces = append $ingressNamespaces . -}}
{{- end -}}
{{- end -}}
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
        {{- range $ingressNamespaces }}
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

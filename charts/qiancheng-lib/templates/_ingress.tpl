{{/*
Ingress and Gateway API HTTPRoute for the service's API (both off by default:
ingress.enabled / httpRoute.enabled, or global.ingress.enabled / global.httpRoute.enabled
for every service). One host per service, <service>.<city>.<global.ingress.domain>
unless ingress.host, the host the OpenAPI documents name. Only the API's paths are
routed, never /metrics, /healthz or /readyz (those stay inside the cluster).
*/}}
{{- define "qiancheng-lib.ingressEnabled" -}}
{{- $g := .Values.global | default dict -}}
{{- if or (.Values.ingress | default dict).enabled ($g.ingress | default dict).enabled }}true{{ end -}}
{{- end -}}

{{- define "qiancheng-lib.httpRouteEnabled" -}}
{{- $g := .Values.global | default dict -}}
{{- if or (.Values.httpRoute | default dict).enabled ($g.httpRoute | default dict).enabled }}true{{ end -}}
{{- end -}}

{{/* Prefixes the services serve to callers (openapi/*.json, plus the Swagger UI). */}}
{{- define "qiancheng-lib.publicPrefixes" -}}
{{- toYaml (list "/v1" "/.well-known" "/docs") -}}
{{- end -}}

{{- define "qiancheng-lib.host" -}}
{{- $g := .Values.global | default dict -}}
{{- $domain := ($g.ingress | default dict).domain | default "qiancheng.example" -}}
{{- (.Values.ingress | default dict).host | default (printf "%s.%s.%s" (include "qiancheng-lib.fullname" .) (include "qiancheng-lib.city" .) $domain) -}}
{{- end -}}

{{- define "qiancheng-lib.ingress" -}}
{{- $g := .Values.global | default dict -}}
{{- $gi := $g.ingress | default dict -}}
{{- $in := .Values.ingress | default dict -}}
{{- $tls := $in.tls | default dict -}}
{{- $host := include "qiancheng-lib.host" . -}}
{{- $svc := include "qiancheng-lib.fullname" . -}}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ $svc }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "qiancheng-lib.labels" . | nindent 4 }}
    app.kubernetes.io/component: server
  {{- with merge (deepCopy ($in.annotations | default dict)) (deepCopy ($gi.annotations | default dict)) }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  {{- with $in.className | default $gi.className }}
  ingressClassName: {{ . }}
  {{- end }}
  {{- if ternary $tls.enabled true (hasKey $tls "enabled") }}
  tls:
    - hosts:
        - {{ $host | quote }}
      secretName: {{ $tls.secretName | default $gi.tlsSecretName | default (printf "%s-tls" $svc) }}
  {{- end }}
  rules:
    - host: {{ $host | quote }}
      http:
        paths:
          {{- range $prefix := fromYamlArray (include "qiancheng-lib.publicPrefixes" .) }}
          - path: {{ $prefix }}
            pathType: Prefix
            backend:
              service:
                name: {{ $svc }}
                port:
                  name: http
          {{- end }}
          - path: /openapi.json
            pathType: Exact
            backend:
              service:
                name: {{ $svc }}
                port:
                  name: http
{{- end -}}

{{- define "qiancheng-lib.httproute" -}}
{{- $g := .Values.global | default dict -}}
{{- $hr := .Values.httpRoute | default dict -}}
{{- $parents := $hr.parentRefs | default ($g.httpRoute | default dict).parentRefs -}}
{{- if not $parents -}}
{{- fail "httpRoute.enabled: httpRoute.parentRefs (or global.httpRoute.parentRefs) must name the Gateway, e.g. [{name: city-gateway, namespace: gateway-system, sectionName: https}]" -}}
{{- end -}}
{{- $svc := include "qiancheng-lib.fullname" . -}}
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: {{ $svc }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "qiancheng-lib.labels" . | nindent 4 }}
    app.kubernetes.io/component: server
  {{- with $hr.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  parentRefs:
    {{- toYaml $parents | nindent 4 }}
  hostnames:
    - {{ include "qiancheng-lib.host" . | quote }}
  rules:
    - matches:
        {{- range $prefix := fromYamlArray (include "qiancheng-lib.publicPrefixes" .) }}
        - path:
            type: PathPrefix
            value: {{ $prefix }}
        {{- end }}
        - path:
            type: Exact
            value: /openapi.json
      backendRefs:
        - name: {{ $svc }}
          port: {{ include "qiancheng-lib.httpPort" . }}
{{- end -}}

{{- define "qiancheng-lib.validateIngress" -}}
{{- if or (include "qiancheng-lib.ingressEnabled" .) (include "qiancheng-lib.httpRouteEnabled" .) -}}
{{- $host := include "qiancheng-lib.host" . -}}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$" $host) -}}
{{- fail (printf "ingress host %q (ingress.host, or <service>.<city>.<global.ingress.domain>) is not a DNS name" $host) -}}
{{- end -}}
{{- end -}}
{{- end -}}

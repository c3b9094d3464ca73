{{- define "qiancheng-lib.deployment" -}}
{{- $probes := .Values.probes | default dict -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "qiancheng-lib.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "qiancheng-lib.labels" . | nindent 4 }}
    app.kubernetes.io/component: server
spec:
  {{- if not (include "qiancheng-lib.hpaEnabled" .) }}
  replicas: {{ int64 .Values.replicaCount }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "qiancheng-lib.selectorLabels" . | nindent 6 }}
      app.kubernetes.io/component: server
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 0
  template:
    metadata:
      labels:
        {{- include "qiancheng-lib.labels" . | nindent 8 }}
        app.kubernetes.io/component: server
        {{- with include "qiancheng-lib.podLabels" . | fromYaml }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        # The ConfigMap's content (the pods read it through envFrom): a change rolls
        # the pods. Secrets are not the chart's: after rotating one, restart the
        # Deployment (kubectl rollout restart).
        checksum/config: {{ include "qiancheng-lib.env" . | sha256sum }}
        {{- with merge (deepCopy (.Values.podAnnotations | default dict)) (deepCopy ((.Values.global | default dict).podAnnotations | default dict)) }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      {{- with include "qiancheng-lib.serviceAccountName" . }}
      serviceAccountName: {{ . }}
      {{- end }}
      {{- include "qiancheng-lib.podSpecCommon" . | trim | nindent 6 }}
      terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds | default 30 }}
      topologySpreadConstraints:
        {{- with .Values.topologySpreadConstraints | default (.Values.global | default dict).topologySpreadConstraints }}
        {{- /* a constraint without labelSelector counts this service's pods (so one global list fits every service) */}}
        {{- $selector := dict "matchLabels" (set (fromYaml (include "qiancheng-lib.selectorLabels" $)) "app.kubernetes.io/component" "server") }}
        {{- range $c := . }}
        {{- $c := deepCopy $c }}
        {{- if not (hasKey $c "labelSelector") }}{{ $_ := set $c "labelSelector" $selector }}{{ end }}
        - {{ toYaml $c | nindent 10 | trim }}
        {{- end }}
        {{- else }}
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "qiancheng-lib.selectorLabels" . | nindent 14 }}
              app.kubernetes.io/component: server
        {{- end }}
      containers:
        - name: {{ include "qiancheng-lib.name" . }}
          image: {{ include "qiancheng-lib.image" . | quote }}
          imagePullPolicy: {{ (.Values.image | default dict).pullPolicy | default "IfNotPresent" }}
          args: {{ toJson (.Values.args | default (list "serve")) }}
          # Endpoints drop the pod while it sleeps, so no new request reaches
          # it once SIGTERM starts the graceful stop (http.shutdown_timeout_secs
          # 20 s within terminationGracePeriodSeconds).
          lifecycle:
            preStop:
              sleep:
                seconds: {{ .Values.preStopSleepSeconds | default 5 }}
          ports:
            - name: http
              containerPort: {{ include "qiancheng-lib.httpPort" . }}
              protocol: TCP
          # Non-secret settings from the ConfigMap; secrets one by one (secretKeyRef)
          # from this service's own Secret: never a whole shared Secret.
          envFrom:
            - configMapRef:
                name: {{ include "qiancheng-lib.fullname" . }}
          env:
            {{- include "qiancheng-lib.secretEnv" (dict "root" .) | trim | nindent 12 }}
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
            {{- $kafka := .Values.kafka | default dict }}
            {{- if ne (toString $kafka.staticMembership) "false" }}
            - name: {{ include "qiancheng-lib.envPrefix" . }}KAFKA__GROUP_INSTANCE_ID
              value: "$(POD_NAME)"
            {{- end }}
            {{- with $kafka.sessionTimeoutMs }}
            - name: {{ include "qiancheng-lib.envPrefix" $ }}KAFKA__SESSION_TIMEOUT_MS
              value: {{ . | quote }}
            {{- end }}
            - name: OTEL_SERVICE_NAME
              value: {{ include "qiancheng-lib.name" . | quote }}
            - name: OTEL_RESOURCE_ATTRIBUTES
              value: {{ printf "service.namespace=qiancheng,service.version=%s,qiancheng.city=%s,k8s.namespace.name=$(POD_NAMESPACE),k8s.pod.name=$(POD_NAME)" (.Chart.AppVersion | default .Chart.Version) (include "qiancheng-lib.city" .) | quote }}
            {{- with include "qiancheng-lib.extraEnv" . }}
            {{- . | nindent 12 }}
            {{- end }}
          startupProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: 2
            failureThreshold: {{ $probes.startupFailureThreshold | default 30 }}
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: {{ $probes.livenessPeriodSeconds | default 10 }}
            timeoutSeconds: {{ $probes.timeoutSeconds | default 2 }}
            failureThreshold: {{ $probes.livenessFailureThreshold | default 3 }}
          readinessProbe:
            httpGet:
              path: /readyz
              port: http
            periodSeconds: {{ $probes.readinessPeriodSeconds | default 5 }}
            timeoutSeconds: {{ $probes.timeoutSeconds | default 2 }}
            failureThreshold: {{ $probes.readinessFailureThreshold | default 3 }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
          securityContext:
            {{- include "qiancheng-lib.containerSecurityContext" . | nindent 12 }}
          volumeMounts:
            {{- include "qiancheng-lib.volumeMounts" . | trim | nindent 12 }}
      volumes:
        {{- include "qiancheng-lib.volumes" . | trim | nindent 8 }}
{{- end -}}

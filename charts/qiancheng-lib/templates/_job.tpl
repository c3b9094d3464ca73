{{/*
Migration Job: a Helm pre-install/pre-upgrade hook, so the schema is migrated and
the service's Kafka topics exist BEFORE the new pods roll out (a post-install hook
deadlocks with pods that wait for the schema). Migrations are baked into the image;
nothing is downloaded at install time.

The pod runs the service image twice: initContainer `migrate`, then `topics`
(`migrate` alone with global.kafkaTopics.mode strimzi: KafkaTopics create the topics).
Its non-secret env is rendered inline, not from the ConfigMap: hooks run before
the release's own objects exist, so on first install the ConfigMap is not there yet.
Secrets come from the service's pre-existing Secret, key by key, like the
Deployment's (the service checks its whole configuration before any subcommand);
the `migrate` container alone also gets DATABASE__OWNER_URL from the owner Secret
(ownerSecret): the owner role runs the DDL, serving runs as the application role.
Volumes (CA bundle, extraVolumes) are the Deployment's: configured files must exist.
*/}}
{{- define "qiancheng-lib.migrationContainer" -}}
- name: {{ .name }}
  image: {{ include "qiancheng-lib.image" .root | quote }}
  imagePullPolicy: {{ (.root.Values.image | default dict).pullPolicy | default "IfNotPresent" }}
  args: {{ toJson .args }}
  env:
    {{- range $k, $v := fromYaml (include "qiancheng-lib.env" .root) }}
    - name: {{ $k }}
      value: {{ $v | toString | quote }}
    {{- end }}
    {{- include "qiancheng-lib.secretEnv" (dict "root" .root "owner" (eq .name "migrate")) | trim | nindent 4 }}
    - name: OTEL_SERVICE_NAME
      value: {{ printf "%s-%s" (include "qiancheng-lib.name" .root) .name | quote }}
    {{- with include "qiancheng-lib.extraEnv" .root }}
    {{- . | nindent 4 }}
    {{- end }}
  resources:
    {{- toYaml .root.Values.migration.resources | nindent 4 }}
  securityContext:
    {{- include "qiancheng-lib.containerSecurityContext" .root | nindent 4 }}
  volumeMounts:
    {{- include "qiancheng-lib.volumeMounts" .root | trim | nindent 4 }}
{{- end -}}

{{- define "qiancheng-lib.job" -}}
{{- $mig := .Values.migration -}}
{{- $topics := and (ternary $mig.topics true (hasKey $mig "topics")) (not (include "qiancheng-lib.strimziTopics" .)) -}}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ include "qiancheng-lib.fullname" . }}-migrate
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "qiancheng-lib.labels" . | nindent 4 }}
    app.kubernetes.io/component: migrate
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: {{ $mig.hookWeight | default -5 | quote }}
    helm.sh/hook-delete-policy: before-hook-creation
spec:
  backoffLimit: {{ $mig.backoffLimit | default 3 }}
  activeDeadlineSeconds: {{ $mig.activeDeadlineSeconds | default 600 }}
  {{- with $mig.ttlSecondsAfterFinished }}
  ttlSecondsAfterFinished: {{ . }}
  {{- end }}
  template:
    metadata:
      labels:
        {{- include "qiancheng-lib.labels" . | nindent 8 }}
        app.kubernetes.io/component: migrate
    spec:
      restartPolicy: Never
      {{- /* a ServiceAccount the chart creates does not exist yet when the hook runs */}}
      {{- if not (.Values.serviceAccount | default dict).create }}
      {{- with include "qiancheng-lib.serviceAccountName" . }}
      serviceAccountName: {{ . }}
      {{- end }}
      {{- end }}
      {{- include "qiancheng-lib.podSpecCommon" . | trim | nindent 6 }}
      {{- if $topics }}
      initContainers:
        {{- include "qiancheng-lib.migrationContainer" (dict "root" . "name" "migrate" "args" ($mig.migrateArgs | default (list "migrate"))) | nindent 8 }}
      containers:
        {{- include "qiancheng-lib.migrationContainer" (dict "root" . "name" "topics" "args" ($mig.topicsArgs | default (list "topics"))) | nindent 8 }}
      {{- else }}
      containers:
        {{- include "qiancheng-lib.migrationContainer" (dict "root" . "name" "migrate" "args" ($mig.migrateArgs | default (list "migrate"))) | nindent 8 }}
      {{- end }}
      volumes:
        {{- include "qiancheng-lib.volumes" . | trim | nindent 8 }}
{{- end -}}

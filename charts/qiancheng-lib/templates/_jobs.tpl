{{/*
One-off Jobs: a subcommand of the service's binary, run once by a `helm upgrade`
that turns it on (jobs.<job>.enabled; off by default), then turned off again.
docs/runbook.md says when to run which.

  job          subcommand                                     hook
  provision    provision (schema, owner and application roles) pre-install,pre-upgrade, before the migration Job
  dlqReplay    dlq-replay --topic T [--list | --id ID] [--dry-run] post-install,post-upgrade
  republish    republish [--year Y] (demand-catalog, institution-registry)  post-install,post-upgrade
  rotateKeys   rotate-keys --batch N [--limit N]              post-install,post-upgrade

Hooks, so that each upgrade that has one on runs it anew (a Job's pod template
cannot change) and the last run stays for its logs until the next replaces it
(before-hook-creation). Helm waits for a hook Job within its --timeout, and a failed
one fails the upgrade. Pod and container posture, volumes and env are the migration
Job's (the env inline: a pre-install hook runs before the ConfigMap exists); the
secrets are the service's own keys, which the service's configuration check needs
before any subcommand, never the owner Secret. provision alone also gets its
Secret (jobs.provision.secret, default qiancheng-<service>-provision), key by key:
QC_ADMIN_DATABASE_URL, QC_SERVICE_DB_PASSWORD, QC_SERVICE_DB_APP_PASSWORD.
*/}}
{{- define "qiancheng-lib.provisionSecretName" -}}
{{- ((.Values.jobs | default dict).provision | default dict).secret | default (printf "qiancheng-%s-provision" (include "qiancheng-lib.name" .)) -}}
{{- end -}}

{{/* The enabled one-off Jobs as a YAML list of {name, args, hook}; fails on a job this service cannot run. */}}
{{- define "qiancheng-lib.oneOffJobList" -}}
{{- $g := .Values.global | default dict -}}
{{- $j := .Values.jobs | default dict -}}
{{- $name := include "qiancheng-lib.name" . -}}
{{- $out := list -}}
{{- $p := $j.provision | default dict -}}
{{- if or $p.enabled (($g.jobs | default dict).provision | default dict).enabled -}}
{{- $out = append $out (dict "name" "provision" "args" (list "provision") "pre" true) -}}
{{- end -}}
{{- $d := $j.dlqReplay | default dict -}}
{{- if $d.enabled -}}
{{- if not (has $d.topic ((.Values.kafka | default dict).ownedTopics | default list)) -}}
{{- fail (printf "jobs.dlqReplay.topic: %s does not own %q (it owns %v): replay a dead-letter topic in the topic's owner" $name ($d.topic | default "") ((.Values.kafka | default dict).ownedTopics | default list)) -}}
{{- end -}}
{{- if and $d.list (or $d.id $d.dryRun) -}}
{{- fail "jobs.dlqReplay: list only lists; it goes with neither id nor dryRun" -}}
{{- end -}}
{{- $args := list "dlq-replay" "--topic" $d.topic -}}
{{- if $d.list }}{{ $args = append $args "--list" }}{{ end -}}
{{- with $d.id }}{{ $args = concat $args (list "--id" .) }}{{ end -}}
{{- if $d.dryRun }}{{ $args = append $args "--dry-run" }}{{ end -}}
{{- $out = append $out (dict "name" "dlq-replay" "args" $args) -}}
{{- end -}}
{{- $r := $j.republish | default dict -}}
{{- if $r.enabled -}}
{{- if eq $name "demand-catalog" -}}
{{- if not (gt (int64 ($r.year | default 0)) 1999) -}}
{{- fail "jobs.republish.year: demand-catalog republishes one year's published catalogue; name the year" -}}
{{- end -}}
{{- $out = append $out (dict "name" "republish" "args" (list "republish" "--year" (toString (int64 $r.year)))) -}}
{{- else if eq $name "institution-registry" -}}
{{- if $r.year -}}
{{- fail "jobs.republish.year: institution-registry republishes every listed institution; it takes no year" -}}
{{- end -}}
{{- $out = append $out (dict "name" "republish" "args" (list "republish")) -}}
{{- else -}}
{{- fail (printf "jobs.republish: %s has no republish subcommand (demand-catalog and institution-registry have)" $name) -}}
{{- end -}}
{{- end -}}
{{- $k := $j.rotateKeys | default dict -}}
{{- if $k.enabled -}}
{{- if not (has "SERVICE__PII_ENCRYPTION_KEYS" (.Values.secretKeys | default list)) -}}
{{- fail (printf "jobs.rotateKeys: %s seals no personal data (no SERVICE__PII_ENCRYPTION_KEYS in its secretKeys)" $name) -}}
{{- end -}}
{{- $args := list "rotate-keys" "--batch" (toString (int64 ($k.batch | default 500))) -}}
{{- if $k.limit }}{{ $args = concat $args (list "--limit" (toString (int64 $k.limit))) }}{{ end -}}
{{- $out = append $out (dict "name" "rotate-keys" "args" $args) -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{- define "qiancheng-lib.oneOffJob" -}}
{{- $root := .root -}}
{{- $j := $root.Values.jobs | default dict -}}
{{- $prefix := include "qiancheng-lib.envPrefix" $root -}}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ include "qiancheng-lib.fullname" $root }}-{{ .job.name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "qiancheng-lib.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .job.name }}
  annotations:
    {{- if .job.pre }}
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "-10"
    {{- else }}
    helm.sh/hook: post-install,post-upgrade
    helm.sh/hook-weight: "5"
    {{- end }}
    helm.sh/hook-delete-policy: before-hook-creation
spec:
  backoffLimit: {{ $j.backoffLimit | default 0 }}
  activeDeadlineSeconds: {{ $j.activeDeadlineSeconds | default 3600 }}
  template:
    metadata:
      labels:
        {{- include "qiancheng-lib.labels" $root | nindent 8 }}
        app.kubernetes.io/component: {{ .job.name }}
    spec:
      restartPolicy: Never
      {{- /* as the migration Job: a ServiceAccount the chart creates is not there for a pre-install hook */}}
      {{- if not ($root.Values.serviceAccount | default dict).create }}
      {{- with include "qiancheng-lib.serviceAccountName" $root }}
      serviceAccountName: {{ . }}
      {{- end }}
      {{- end }}
      {{- include "qiancheng-lib.podSpecCommon" $root | trim | nindent 6 }}
      containers:
        - name: {{ .job.name }}
          image: {{ include "qiancheng-lib.image" $root | quote }}
          imagePullPolicy: {{ ($root.Values.image | default dict).pullPolicy | default "IfNotPresent" }}
          args: {{ toJson .job.args }}
          env:
            {{- range $k, $v := fromYaml (include "qiancheng-lib.env" $root) }}
            - name: {{ $k }}
              value: {{ $v | toString | quote }}
            {{- end }}
            {{- include "qiancheng-lib.secretEnv" (dict "root" $root "owner" false) | trim | nindent 12 }}
            {{- if eq .job.name "provision" }}
            {{- range $key := list "QC_ADMIN_DATABASE_URL" "QC_SERVICE_DB_PASSWORD" "QC_SERVICE_DB_APP_PASSWORD" }}
            - name: {{ $key }}
              valueFrom:
                secretKeyRef:
                  name: {{ include "qiancheng-lib.provisionSecretName" $root }}
                  key: {{ $key }}
            {{- end }}
            {{- end }}
            - name: OTEL_SERVICE_NAME
              value: {{ printf "%s-%s" (include "qiancheng-lib.name" $root) .job.name | quote }}
            {{- with include "qiancheng-lib.extraEnv" $root }}
            {{- . | nindent 12 }}
            {{- end }}
          resources:
            {{- toYaml $j.resources | nindent 12 }}
          securityContext:
            {{- include "qiancheng-lib.containerSecurityContext" $root | nindent 12 }}
          volumeMounts:
            {{- include "qiancheng-lib.volumeMounts" $root | trim | nindent 12 }}
      volumes:
        {{- include "qiancheng-lib.volumes" $root | trim | nindent 8 }}
{{- end -}}

{{- define "qiancheng-lib.oneOffJobs" -}}
{{- $root := . -}}
{{- range $i, $job := fromYamlArray (include "qiancheng-lib.oneOffJobList" .) }}
{{- if $i }}
---
{{- end }}
{{ include "qiancheng-lib.oneOffJob" (dict "root" $root "job" $job) }}
{{- end }}
{{- end -}}

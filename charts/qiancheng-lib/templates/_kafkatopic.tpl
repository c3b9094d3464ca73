{{/*
Kafka topics: each service's kafka.ownedTopics and their <topic>.dlq (with the
topic prefix), settings from global.kafkaTopics. Two ways to create them
(global.kafkaTopics.mode):
  job      the migration Job's `topics` container (the service's `topics` command)
           creates the missing ones before the rollout: partitions, replication
           factor and the dead-letter topics' retention (KAFKA__PARTITIONS,
           KAFKA__REPLICATION_FACTOR, KAFKA__DLQ_RETENTION_DAYS). It sets nothing
           else, so min.insync.replicas, retention and per-topic settings are refused
           in this mode (set them on the brokers, or use strimzi).
  strimzi  a Strimzi KafkaTopic (kafka.strimzi.io/v1beta2) per topic and per
           dead-letter topic, for the Topic Operator of the cluster named by the
           strimzi.io/cluster label; the Job runs `migrate` alone. Kept on uninstall
           (helm.sh/resource-policy: keep): deleting a KafkaTopic deletes the topic.
Neither changes a topic that exists (job) or shrinks partitions (Kafka cannot).
*/}}
{{- define "qiancheng-lib.kafkaTopics" -}}
{{- toYaml (((.Values.global | default dict).kafkaTopics) | default dict) -}}
{{- end -}}

{{- define "qiancheng-lib.strimziTopics" -}}
{{- if eq ((fromYaml (include "qiancheng-lib.kafkaTopics" .)).mode | default "job") "strimzi" }}true{{ end -}}
{{- end -}}

{{/* A topic's settings: global.kafkaTopics, then its entry in global.kafkaTopics.topics. */}}
{{- define "qiancheng-lib.topicSettings" -}}
{{- $kt := fromYaml (include "qiancheng-lib.kafkaTopics" .root) -}}
{{- $s := pick $kt "partitions" "replicationFactor" "minInsyncReplicas" "retentionDays" -}}
{{- $s = merge (deepCopy (get ($kt.topics | default dict) .topic | default dict)) $s -}}
{{- toYaml $s -}}
{{- end -}}

{{- define "qiancheng-lib.kafkaTopic" -}}
{{- $s := .settings -}}
{{- $root := .root -}}
{{- $kt := fromYaml (include "qiancheng-lib.kafkaTopics" $root) -}}
{{- $g := $root.Values.global | default dict -}}
{{- $config := dict -}}
{{- if $s.minInsyncReplicas }}{{ $_ := set $config "min.insync.replicas" (int64 $s.minInsyncReplicas) }}{{ end -}}
{{- if .retentionDays }}{{ $_ := set $config "retention.ms" (mul (int64 .retentionDays) 86400000) }}{{ end -}}
apiVersion: kafka.strimzi.io/v1beta2
kind: KafkaTopic
metadata:
  name: {{ .name | lower | replace "_" "-" | trunc 253 | trimSuffix "." | trimSuffix "-" }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "qiancheng-lib.labels" $root | nindent 4 }}
    app.kubernetes.io/component: kafka-topic
    strimzi.io/cluster: {{ $kt.strimziCluster | default ($g.kafkaUser | default dict).strimziCluster | quote }}
  annotations:
    helm.sh/resource-policy: keep
    meta.helm.sh/release-name: {{ $root.Release.Name }}
    meta.helm.sh/release-namespace: {{ $root.Release.Namespace }}
spec:
  topicName: {{ .name | quote }}
  partitions: {{ int64 $s.partitions }}
  replicas: {{ int64 $s.replicationFactor }}
  {{- with $config }}
  config:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}

{{- define "qiancheng-lib.kafkatopics" -}}
{{- $kt := fromYaml (include "qiancheng-lib.kafkaTopics" .) -}}
{{- $p := include "qiancheng-lib.topicPrefix" . -}}
{{- range $i, $t := (.Values.kafka | default dict).ownedTopics | default list }}
{{- $s := fromYaml (include "qiancheng-lib.topicSettings" (dict "root" $ "topic" $t)) }}
{{- if $i }}
---
{{- end }}
{{ include "qiancheng-lib.kafkaTopic" (dict "root" $ "name" (printf "%s%s" $p $t) "settings" $s "retentionDays" $s.retentionDays) }}
---
{{ include "qiancheng-lib.kafkaTopic" (dict "root" $ "name" (printf "%s%s.dlq" $p $t) "settings" $s "retentionDays" $kt.dlqRetentionDays) }}
{{- end }}
{{- end -}}

{{- define "qiancheng-lib.validateKafkaTopics" -}}
{{- $kt := fromYaml (include "qiancheng-lib.kafkaTopics" .) -}}
{{- $g := .Values.global | default dict -}}
{{- $mode := $kt.mode | default "job" -}}
{{- if not (has $mode (list "job" "strimzi")) -}}
{{- fail (printf "global.kafkaTopics.mode must be job or strimzi, got %q" $mode) -}}
{{- end -}}
{{- $inbox := (((.Values.config | default dict).retention | default dict).inbox_days) | default 60 -}}
{{- if ge (int64 ($kt.dlqRetentionDays | default 30)) (int64 $inbox) -}}
{{- fail (printf "global.kafkaTopics.dlqRetentionDays (%v) must be below config.retention.inbox_days (%v): a replayed dead letter older than its inbox row would apply twice" $kt.dlqRetentionDays $inbox) -}}
{{- end -}}
{{- if eq $mode "job" -}}
{{- if or $kt.minInsyncReplicas $kt.retentionDays $kt.topics -}}
{{- fail "global.kafkaTopics.minInsyncReplicas, retentionDays and topics need global.kafkaTopics.mode=strimzi: the topics command (mode job) sets partitions, replication factor and the dead-letter retention only" -}}
{{- end -}}
{{- else -}}
{{- if not ($kt.strimziCluster | default ($g.kafkaUser | default dict).strimziCluster) -}}
{{- fail "global.kafkaTopics.mode=strimzi: global.kafkaTopics.strimziCluster (or global.kafkaUser.strimziCluster) must name the Strimzi Kafka cluster" -}}
{{- end -}}
{{- range $t := (.Values.kafka | default dict).ownedTopics | default list -}}
{{- $s := fromYaml (include "qiancheng-lib.topicSettings" (dict "root" $ "topic" $t)) -}}
{{- if and $s.minInsyncReplicas (gt (int64 $s.minInsyncReplicas) (int64 $s.replicationFactor)) -}}
{{- fail (printf "topic %s: minInsyncReplicas (%v) exceeds replicationFactor (%v): no write could succeed" $t $s.minInsyncReplicas $s.replicationFactor) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

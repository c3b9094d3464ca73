{{/*
Strimzi KafkaUser (kafkaUser.enabled or global.kafkaUser.enabled; needs the Strimzi
CRDs and a User Operator that watches this namespace). The user is the service's
SASL/SCRAM user (kafka.saslUsername, default the service name); the User Operator
writes its password into a Secret of the same name, key `password`, which the pods
then read as KAFKA__SASL_PASSWORD.

ACLs (simple authorization), every name with the topic prefix:
  own topics (kafka.ownedTopics) and their <topic>.dlq   Write, Describe, Create
  own <topic>.dlq, group <topic>.dlq.replay               Read (dlq-replay: only the
                                                           owner may write the topic back)
  consumed topics (kafka.consumerGroups[].topics)          Read, Describe
  their <topic>.dlq (the consumer dead-letters there)      Write, Describe
  consumer groups (kafka.consumerGroups[].name)            Read

The meta.helm.sh annotations let a KafkaUser applied before the first install
(see charts/README.md) be adopted by the release.
*/}}
{{- define "qiancheng-lib.kafkauser" -}}
{{- $g := .Values.global | default dict -}}
{{- $k := .Values.kafka | default dict -}}
{{- $ku := .Values.kafkaUser | default dict -}}
{{- $p := include "qiancheng-lib.topicPrefix" . -}}
{{- $topics := dict -}}
{{- range $t := $k.ownedTopics | default list -}}
{{- $_ := set $topics (printf "%s%s" $p $t) (list "Write" "Describe" "Create") -}}
{{- $_ := set $topics (printf "%s%s.dlq" $p $t) (list "Write" "Describe" "Create" "Read") -}}
{{- end -}}
{{- $groups := list -}}
{{- range $t := $k.ownedTopics | default list -}}
{{- $groups = append $groups (printf "%s%s.dlq.replay" $p $t) -}}
{{- end -}}
{{- range $cg := $k.consumerGroups | default list -}}
{{- $groups = append $groups (printf "%s%s" $p (required "kafka.consumerGroups[].name is required" $cg.name)) -}}
{{- range $t := $cg.topics | default list -}}
{{- $name := printf "%s%s" $p $t -}}
{{- $_ := set $topics $name (concat (get $topics $name | default list) (list "Read" "Describe") | uniq) -}}
{{- $dlq := printf "%s.dlq" $name -}}
{{- $_ := set $topics $dlq (concat (get $topics $dlq | default list) (list "Write" "Describe") | uniq) -}}
{{- end -}}
{{- end -}}
{{- if not (or $topics $groups) -}}
{{- fail "kafkaUser.enabled: kafka.ownedTopics and kafka.consumerGroups are both empty, the user could do nothing" -}}
{{- end -}}
apiVersion: kafka.strimzi.io/v1beta2
kind: KafkaUser
metadata:
  name: {{ include "qiancheng-lib.kafkaUsername" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "qiancheng-lib.labels" . | nindent 4 }}
    app.kubernetes.io/component: kafka-user
    strimzi.io/cluster: {{ $ku.strimziCluster | default ($g.kafkaUser | default dict).strimziCluster | quote }}
  annotations:
    meta.helm.sh/release-name: {{ .Release.Name }}
    meta.helm.sh/release-namespace: {{ .Release.Namespace }}
spec:
  authentication:
    type: scram-sha-512
  authorization:
    type: simple
    acls:
      {{- range $name, $ops := $topics }}
      - resource:
          type: topic
          name: {{ $name | quote }}
          patternType: literal
        operations: {{ toJson $ops }}
      {{- end }}
      {{- range $name := $groups | uniq }}
      - resource:
          type: group
          name: {{ $name | quote }}
          patternType: literal
        operations: ["Read"]
      {{- end }}
{{- end -}}

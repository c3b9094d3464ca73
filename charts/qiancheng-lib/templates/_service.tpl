{{- define "qiancheng-lib.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "qiancheng-lib.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "qiancheng-lib.labels" . | nindent 4 }}
    app.kubernetes.io/component: server
spec:
  type: ClusterIP
  selector:
    {{- include "qiancheng-lib.selectorLabels" . | nindent 4 }}
    app.kubernetes.io/component: server
  ports:
    - name: http
      port: {{ include "qiancheng-lib.httpPort" . }}
      targetPort: http
      protocol: TCP
      appProtocol: http
{{- end -}}

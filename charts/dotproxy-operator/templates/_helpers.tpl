{{/* Chart name, at most 63 characters. */}}
{{- define "dotproxy-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name: <release>-<chart>, or just the release name when it already contains the chart name
(release "dotproxy-operator" gives "dotproxy-operator", the names the operator uses by default).
Kept to 52 characters so that suffixes such as "-webhook-tls" stay within 63.
*/}}
{{- define "dotproxy-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "dotproxy-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object of the chart. */}}
{{- define "dotproxy-operator.labels" -}}
helm.sh/chart: {{ include "dotproxy-operator.chart" . }}
{{ include "dotproxy-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: dotproxy
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Labels that select the operator's pods. */}}
{{- define "dotproxy-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "dotproxy-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "dotproxy-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "dotproxy-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "dotproxy-operator.leaseName" -}}
{{- default (include "dotproxy-operator.fullname" .) .Values.leaderElection.leaseName }}
{{- end }}

{{- define "dotproxy-operator.webhookServiceName" -}}
{{- printf "%s-webhook" (include "dotproxy-operator.fullname" .) }}
{{- end }}

{{- define "dotproxy-operator.webhookSecretName" -}}
{{- default (printf "%s-webhook-tls" (include "dotproxy-operator.fullname" .)) .Values.webhook.secretName }}
{{- end }}

{{- define "dotproxy-operator.webhookCertificateName" -}}
{{- printf "%s-webhook" (include "dotproxy-operator.fullname" .) }}
{{- end }}

{{- define "dotproxy-operator.webhookIssuerName" -}}
{{- printf "%s-selfsigned" (include "dotproxy-operator.fullname" .) }}
{{- end }}

{{/* IMAGE:TAG or IMAGE@DIGEST; the tag defaults to the chart's appVersion. */}}
{{- define "dotproxy-operator.imageRef" -}}
{{- $image := index . 0 }}
{{- $chart := index . 1 }}
{{- if $image.digest }}
{{- printf "%s@%s" $image.repository $image.digest }}
{{- else }}
{{- printf "%s:%s" $image.repository (default $chart.AppVersion $image.tag) }}
{{- end }}
{{- end }}

{{/* The second part of NAMESPACE/NAME (coreDNS.configMap, webhook.clusterDnsService). */}}
{{- define "dotproxy-operator.objectName" -}}
{{- index (splitList "/" .) 1 }}
{{- end }}

{{- define "dotproxy-operator.objectNamespace" -}}
{{- index (splitList "/" .) 0 }}
{{- end }}

{{/* The rules the operator needs in each namespace whose DnsOverTlsProxies it reconciles. */}}
{{- define "dotproxy-operator.namespacedRules" -}}
- apiGroups: ["dotproxy.io"]
  resources: ["dnsovertlsproxies"]
  verbs: ["get", "list", "watch", "update", "patch"]
- apiGroups: ["dotproxy.io"]
  resources: ["dnsovertlsproxies/status"]
  verbs: ["get", "update", "patch"]
- apiGroups: ["dotproxy.io"]
  resources: ["dnsovertlsproxies/finalizers"]
  verbs: ["update"]
- apiGroups: [""]
  resources: ["configmaps", "services"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["apps"]
  resources: ["daemonsets"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
# events: list for PodCreationRefusals; create and patch for the Events recorded on DnsOverTlsProxies
- apiGroups: [""]
  resources: ["events"]
  verbs: ["list", "create", "patch"]
{{- if .Values.rbac.trustedCASecrets }}
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get"]
{{- end }}
{{- if .Values.webhook.enabled }}
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch"]
{{- end }}
{{- if .Values.coreDNS.patch }}
# the fleet Service's Endpoints, read by name before CoreDNS is first switched to it
- apiGroups: [""]
  resources: ["endpoints"]
  verbs: ["get"]
{{- end }}
{{- end }}

{{/* The operator's environment: its settings (every flag --NAME is read from DOTPROXY_NAME). The
uninstall hook's Job gets the same, so that it finds what this operator made. */}}
{{- define "dotproxy-operator.env" -}}
# Every operator flag --NAME is read from DOTPROXY_NAME (README.md).
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
# The operator's own pod IPs: with --ip-families auto, the pod network's IP families.
- name: POD_IPS
  valueFrom:
    fieldRef:
      fieldPath: status.podIPs
- name: DOTPROXY_OPERATOR_NAMESPACE
  value: {{ .Release.Namespace | quote }}
{{- with .Values.watchNamespaces }}
- name: DOTPROXY_WATCH_NAMESPACES
  value: {{ join "," . | quote }}
{{- end }}
- name: DOTPROXY_LEADER_ELECTION
  value: {{ .Values.leaderElection.enabled | quote }}
- name: DOTPROXY_LEASE_NAME
  value: {{ include "dotproxy-operator.leaseName" . | quote }}
- name: DOTPROXY_LEASE_NAMESPACE
  value: {{ .Release.Namespace | quote }}
- name: DOTPROXY_PROXY_IMAGE
  value: {{ include "dotproxy-operator.imageRef" (list .Values.proxyImage .Chart) | quote }}
- name: DOTPROXY_COREDNS_CONFIGMAP
  value: {{ .Values.coreDNS.configMap | quote }}
- name: DOTPROXY_COREDNS_PATCH
  value: {{ .Values.coreDNS.patch | quote }}
- name: DOTPROXY_COREDNS_RELEASE_GRACE
  value: {{ .Values.coreDNS.releaseGracePeriod | quote }}
- name: DOTPROXY_TRUSTED_CA_SECRETS
  value: {{ .Values.rbac.trustedCASecrets | quote }}
- name: DOTPROXY_HTTP_PORT
  value: "8080"
- name: DOTPROXY_RESYNC_INTERVAL
  value: {{ .Values.resyncInterval | quote }}
- name: DOTPROXY_IP_FAMILIES
  value: {{ .Values.ipFamilies | quote }}
- name: DOTPROXY_LOG_FORMAT
  value: {{ .Values.logging.format | quote }}
- name: DOTPROXY_LOG_LEVEL
  value: {{ .Values.logging.level | quote }}
- name: DOTPROXY_PROXY_SCRAPE_ANNOTATIONS
  value: {{ .Values.metrics.proxies.scrapeAnnotations | quote }}
- name: DOTPROXY_WEBHOOK_ENABLED
  value: {{ .Values.webhook.enabled | quote }}
{{- if .Values.webhook.enabled }}
- name: DOTPROXY_WEBHOOK_PORT
  value: {{ .Values.webhook.port | quote }}
- name: DOTPROXY_WEBHOOK_CERT_MODE
  value: {{ ternary "external" "operator" (and .Values.webhook.enabled (eq .Values.webhook.certMode "certManager")) | quote }}
- name: DOTPROXY_WEBHOOK_SECRET
  value: {{ include "dotproxy-operator.webhookSecretName" . | quote }}
- name: DOTPROXY_WEBHOOK_CERT_DIR
  value: /etc/dotproxy/webhook-tls
- name: DOTPROXY_WEBHOOK_CONFIG_NAME
  value: {{ include "dotproxy-operator.fullname" . | quote }}
- name: DOTPROXY_WEBHOOK_SERVICE
  value: {{ include "dotproxy-operator.webhookServiceName" . | quote }}
- name: DOTPROXY_NATIVE_SIDECARS
  value: {{ .Values.webhook.nativeSidecars | quote }}
- name: DOTPROXY_CLUSTER_DNS_SERVICE
  value: {{ .Values.webhook.clusterDnsService | quote }}
- name: DOTPROXY_CLUSTER_DOMAIN
  value: {{ .Values.webhook.clusterDomain | quote }}
- name: DOTPROXY_DRAIN_PERIOD
  value: {{ .Values.webhook.drainPeriod | quote }}
{{- end }}
{{- with .Values.extraEnv }}
{{- toYaml . | nindent 0 }}
{{- end }}
{{- end }}

{{/* The uninstall hook's objects: the ServiceAccount and its RBAC at weight -10, then the Job at 0.
Deleted when the Job has succeeded; a failed Job is kept for its log, until the next attempt. */}}
{{- define "dotproxy-operator.uninstallHookAnnotations" -}}
helm.sh/hook: pre-delete
helm.sh/hook-weight: {{ . | quote }}
helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
{{- end }}

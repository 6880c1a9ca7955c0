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

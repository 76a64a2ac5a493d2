{{/* The chart's name. */}}
{{- define "cairn.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The full name: release-chart, or fullnameOverride. The headless name adds 9 characters. */}}
{{- define "cairn.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 54 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 54 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 54 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "cairn.headless" -}}
{{- printf "%s-headless" (include "cairn.fullname" .) }}
{{- end }}

{{- define "cairn.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "cairn.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cairn.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "cairn.labels" -}}
helm.sh/chart: {{ include "cairn.chart" . }}
{{ include "cairn.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: cairn
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "cairn.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "cairn.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "cairn.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The headless Service's DNS name: what cluster.dns resolves to every member's IP. */}}
{{- define "cairn.headlessFqdn" -}}
{{- printf "%s.%s.svc.%s" (include "cairn.headless" .) .Release.Namespace .Values.clusterDomain }}
{{- end }}

{{/*
One env entry per non-empty leaf of .values (the `config` tree): CAIRN_ + the dotted key
upper-cased with '.' and '-' as '_', exactly as the node maps its keys (ConfigKey.env()). Numbers
are printed as integers (Helm reads 1048576 as a float); a list (caches) as JSON, which is YAML
flow text.
*/}}
{{- define "cairn.configEnv" -}}
{{- $prefix := .prefix }}
{{- range $key, $value := .values }}
{{- $name := printf "%s_%s" $prefix ($key | upper | replace "." "_" | replace "-" "_") }}
{{- if kindIs "map" $value }}
{{- include "cairn.configEnv" (dict "prefix" $name "values" $value) }}
{{- else if kindIs "slice" $value }}
{{- if $value }}
- name: {{ $name }}
  value: {{ toJson $value | quote }}
{{- end }}
{{- else if or (kindIs "float64" $value) (kindIs "int64" $value) (kindIs "int" $value) }}
- name: {{ $name }}
  value: {{ int64 $value | toString | quote }}
{{- else if and (not (kindIs "invalid" $value)) (ne (toString $value) "") }}
- name: {{ $name }}
  value: {{ toString $value | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The number of Raft voters: config.cp.voters, else 3 when there are 3 or more members, else 1.
Refuses more voters than members: the group could never form.
*/}}
{{- define "cairn.voters" -}}
{{- $cp := .Values.config.cp | default dict }}
{{- $n := int .Values.replicaCount }}
{{- $voters := 1 }}
{{- if ne (toString (default "" $cp.voters)) "" }}
{{- $voters = int $cp.voters }}
{{- else if ge $n 3 }}
{{- $voters = 3 }}
{{- end }}
{{- if gt $voters $n }}
{{- fail (printf "config.cp.voters %d is more than replicaCount %d: the coordination group could never form" $voters $n) }}
{{- end }}
{{- $voters }}
{{- end }}

{{/* The first `voters` pod names, comma-separated: <fullname>-0,<fullname>-1,... */}}
{{- define "cairn.initialVoters" -}}
{{- $names := list }}
{{- range $i := until (int .voters) }}
{{- $names = append $names (printf "%s-%d" (include "cairn.fullname" $.root) $i) }}
{{- end }}
{{- join "," $names }}
{{- end }}

{{/* Refuses a PodDisruptionBudget that could let evictions take the group below a majority. */}}
{{- define "cairn.checkBudget" -}}
{{- $n := int .Values.replicaCount }}
{{- $majority := add (div $n 2) 1 }}
{{- $max := int .Values.podDisruptionBudget.maxUnavailable }}
{{- if gt (add $majority $max) $n }}
{{- fail (printf "podDisruptionBudget.maxUnavailable %d would let voluntary evictions leave fewer than a majority (%d) of replicaCount %d running; use at most %d" $max $majority $n (sub $n $majority)) }}
{{- end }}
{{- end }}

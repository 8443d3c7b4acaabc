{{/* The release's name for its objects, within the 63 characters a name may have. */}}
{{- define "socketlab.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The class Service's and Ingress's name. */}}
{{- define "socketlab.classname" -}}
{{- printf "%s-class" (include "socketlab.fullname" . | trunc 57 | trimSuffix "-") -}}
{{- end -}}

{{- define "socketlab.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "socketlab.labels" -}}
{{ include "socketlab.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The image, with a pinned tag. */}}
{{- define "socketlab.image" -}}
{{- $tag := toString .Values.image.tag -}}
{{- if or (eq $tag "") (eq $tag "latest") -}}
{{- fail "image.tag must name a version (the chart refuses \"latest\" and an empty tag): a replica started later must run the same gateway" -}}
{{- end -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}

{{/* The gateway's arguments, one a line, for a YAML list. */}}
{{- define "socketlab.args" -}}
- --addr=0.0.0.0:{{ .Values.gateway.port }}
- --expose
{{- if .Values.ingress.enabled }}
{{- if and .Values.ingress.host (not .Values.gateway.class) }}
- --host={{ .Values.ingress.host }}
{{- end }}
{{- if and .Values.ingress.classDomain .Values.gateway.class }}
- --host=*.{{ .Values.ingress.classDomain }}
{{- end }}
{{- end }}
{{- range .Values.gateway.hosts }}
- --host={{ . }}
{{- end }}
{{- with .Values.gateway.class }}
{{- if eq . "auto" }}
{{- fail "gateway.class cannot be \"auto\" here: each replica would make up a code of its own. Name the code, for example k7m-qx2-r9d" }}
{{- end }}
{{- if not (regexMatch "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$" .) }}
{{- fail (printf "gateway.class %q is not usable as a host name's first label (CODE.classDomain): use lowercase letters, digits and dashes, for example k7m-qx2-r9d" .) }}
{{- end }}
- --class={{ . }}
{{- end }}
{{- if .Values.gateway.class }}
{{- if .Values.state.databaseSecret.name }}
- --state=$(SOCKETLAB_STATE)
{{- else }}
- --state=/var/lib/socketlab
{{- end }}
{{- end }}
{{- with .Values.gateway.trustedProxies }}
- --trusted-proxies={{ join "," . }}
{{- end }}
{{- range .Values.gateway.allow }}
- --allow={{ . }}
{{- end }}
{{- range .Values.gateway.origins }}
- --origin={{ . }}
{{- end }}
{{- range $name, $value := .Values.gateway.flags }}
- --{{ $name }}={{ $value }}
{{- end }}
{{- end -}}

{{/* Every container: the image's user, nothing more, a read-only root file system. */}}
{{- define "socketlab.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end -}}

{{/* What both Ingresses ask of ingress-nginx: WebSockets that last, bodies no larger than a
program, and limits per real client address. */}}
{{- define "socketlab.ingressAnnotations" -}}
nginx.ingress.kubernetes.io/proxy-read-timeout: {{ .Values.ingress.proxyTimeoutSeconds | quote }}
nginx.ingress.kubernetes.io/proxy-send-timeout: {{ .Values.ingress.proxyTimeoutSeconds | quote }}
nginx.ingress.kubernetes.io/proxy-body-size: {{ .Values.ingress.bodySize | quote }}
nginx.ingress.kubernetes.io/limit-connections: {{ .Values.ingress.limits.connections | quote }}
nginx.ingress.kubernetes.io/limit-rps: {{ .Values.ingress.limits.rps | quote }}
{{- with .Values.ingress.annotations }}
{{ toYaml . }}
{{- end }}
{{- end -}}

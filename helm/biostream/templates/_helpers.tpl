{{/* Names: the release name, with "-biostream" unless it already says so; at most 45 characters
     so that the operator's derived names (<name>-rest, <name>-taskmanager-1-1) stay within 63. */}}
{{- define "biostream.fullname" -}}
{{- if contains "biostream" .Release.Name -}}
{{- .Release.Name | trunc 45 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-biostream" .Release.Name | trunc 45 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "biostream.flinkName" -}}{{ include "biostream.fullname" . }}{{- end -}}
{{- define "biostream.apiName" -}}{{ include "biostream.fullname" . }}-api{{- end -}}
{{- define "biostream.flinkServiceAccount" -}}{{ include "biostream.fullname" . }}-flink{{- end -}}

{{- define "biostream.labels" -}}
app.kubernetes.io/name: biostream
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: biostream
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Pods of the API. */}}
{{- define "biostream.apiSelector" -}}
app.kubernetes.io/name: biostream
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: api
{{- end -}}

{{/* Pods of the Flink cluster: the labels Flink's native Kubernetes mode puts on its JobManager and
     TaskManager pods (app = cluster id = the FlinkDeployment's name). */}}
{{- define "biostream.flinkSelector" -}}
app: {{ include "biostream.flinkName" . }}
type: flink-native-kubernetes
{{- end -}}

{{- define "biostream.taskManagerSelector" -}}
{{ include "biostream.flinkSelector" . }}
component: taskmanager
{{- end -}}

{{- define "biostream.jobManagerSelector" -}}
{{ include "biostream.flinkSelector" . }}
component: jobmanager
{{- end -}}

{{- define "biostream.flinkImage" -}}
{{ .Values.flink.image.repository }}:{{ .Values.flink.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "biostream.apiImage" -}}
{{ .Values.api.image.repository }}:{{ .Values.api.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* Ports Flink uses between its own pods; fixed so that the NetworkPolicies can name them. */}}
{{- define "biostream.flinkPorts" -}}
rpc: 6123
blob: 6124
taskmanagerRpc: 6122
data: 6121
rest: 8081
stateServer: 9067
stateProxy: 9069
{{- end -}}

{{/* Mount points of the files the pods read. */}}
{{- define "biostream.secretsDir" -}}/etc/biostream/secrets{{- end -}}
{{- define "biostream.apiConfigFile" -}}/etc/biostream/api.yaml{{- end -}}
{{- define "biostream.controlVerifyDir" -}}/etc/biostream/control-verify{{- end -}}

{{/* The KEK URI: a KMS key from values, or the local keyset mounted from its Secret. */}}
{{- define "biostream.kekUri" -}}
{{- if eq .Values.crypto.kek.type "local" -}}
biostream-local://{{ include "biostream.secretsDir" . }}/{{ .Values.crypto.kek.local.keysetKey }}
{{- else -}}
{{ .Values.crypto.kek.uri }}
{{- end -}}
{{- end -}}

{{/* Checks the schema cannot express; fails the render with the setting to change. */}}
{{- define "biostream.validate" -}}
{{- /* The schema refuses these already; repeated for installs that skip schema validation. */ -}}
{{- $_ := required "kafka.bootstrapServers is required" .Values.kafka.bootstrapServers -}}
{{- $_ = required "api.keys.secretName: name the existing Secret holding the API key store" .Values.api.keys.secretName -}}
{{- $_ = required "api.auditSigning.secretName: name the existing Secret holding the audit signing keyset" .Values.api.auditSigning.secretName -}}
{{- $_ = required "crypto.controlSigning.secretName: name the existing Secret holding the control signing keyset and its public half" .Values.crypto.controlSigning.secretName -}}
{{- $_ = required "crypto.cameras.secretName: name the existing Secret holding the camera master" .Values.crypto.cameras.secretName -}}
{{- if eq .Values.crypto.kek.type "local" -}}
{{- $_ = required "crypto.kek.local.secretName: name the existing Secret holding the local KEK keyset and master secret" .Values.crypto.kek.local.secretName -}}
{{- else -}}
{{- $_ = required "crypto.kek.uri: the KMS key URI (aws-kms://..., gcp-kms://...)" .Values.crypto.kek.uri -}}
{{- end -}}
{{- if .Values.api.tls.enabled -}}
{{- $_ = required "api.tls.secretName: name the existing Secret holding the keystore and its password" .Values.api.tls.secretName -}}
{{- end -}}
{{- $storage := .Values.flink.storage -}}
{{- range $name := list "checkpoints" "savepoints" "ha" -}}
{{- $dir := index $storage $name -}}
{{- if and (hasPrefix "file://" $dir) (not $storage.pvc.claimName) -}}
{{- fail (printf "flink.storage.%s is %s: a file:// directory must be on the shared volume flink.storage.pvc.claimName (no PVC named)" $name $dir) -}}
{{- end -}}
{{- if and (hasPrefix "file://" $dir) (not (hasPrefix "file:///flink-data/" $dir)) -}}
{{- fail (printf "flink.storage.%s is %s: a file:// directory must be under file:///flink-data/, where flink.storage.pvc.claimName is mounted" $name $dir) -}}
{{- end -}}
{{- end -}}
{{- if and (eq .Values.crypto.kek.type "kms") (hasPrefix "biostream-local://" .Values.crypto.kek.uri) -}}
{{- fail "crypto.kek.uri names a local keyset: use crypto.kek.type=local and crypto.kek.local.secretName" -}}
{{- end -}}
{{- $pdb := .Values.api.podDisruptionBudget -}}
{{- if and $pdb.enabled (ge (int $pdb.minAvailable) (int .Values.api.replicas)) -}}
{{- fail (printf "api.podDisruptionBudget.minAvailable (%d) must be below api.replicas (%d): otherwise no API pod may ever be evicted and node drains hang" (int $pdb.minAvailable) (int .Values.api.replicas)) -}}
{{- end -}}
{{- if and .Values.api.ingress.enabled (not .Values.api.ingress.host) -}}
{{- fail "api.ingress.enabled needs api.ingress.host" -}}
{{- end -}}
{{- end -}}

{{/* biostream.kafka.* security of one principal (argument: dict root, principal: the job's or the API's sasl values). */}}
{{- define "biostream.kafkaSecurity" -}}
{{- $kafka := .root.Values.kafka -}}
biostream.kafka.security-protocol: {{ $kafka.securityProtocol | quote }}
{{- if hasPrefix "SASL_" $kafka.securityProtocol }}
biostream.kafka.sasl.mechanism: {{ $kafka.sasl.mechanism | quote }}
biostream.kafka.sasl.username: {{ .principal.username | quote }}
biostream.kafka.sasl.password-file: {{ printf "%s/%s" (include "biostream.secretsDir" .root) .principal.passwordKey | quote }}
{{- end }}
{{- if and (hasSuffix "SSL" $kafka.securityProtocol) $kafka.truststore.secretName }}
biostream.kafka.ssl.truststore-file: {{ printf "%s/%s" (include "biostream.kafkaTruststoreDir" .root) $kafka.truststore.key | quote }}
biostream.kafka.ssl.truststore-type: {{ $kafka.truststore.type | quote }}
{{- end }}
{{- end -}}

{{- define "biostream.kafkaTruststoreDir" -}}/etc/biostream/kafka-truststore{{- end -}}

{{/* The owner-only file of a principal's Kafka password, for biostream.ownerOnlyInit (argument: dict root, principal). */}}
{{- define "biostream.kafkaPasswordFiles" -}}
{{- if hasPrefix "SASL_" .root.Values.kafka.securityProtocol -}}
- volume: kafka-password
  secretName: {{ .principal.secretName }}
  key: {{ .principal.passwordKey }}
{{- end -}}
{{- end -}}

{{/* The truststore volume and its mount (argument: root; empty without a truststore). */}}
{{- define "biostream.kafkaTruststoreVolume" -}}
{{- if and (hasSuffix "SSL" .Values.kafka.securityProtocol) .Values.kafka.truststore.secretName -}}
- name: kafka-truststore
  secret:
    secretName: {{ .Values.kafka.truststore.secretName }}
    items:
      - key: {{ .Values.kafka.truststore.key }}
        path: {{ .Values.kafka.truststore.key }}
{{- end -}}
{{- end -}}

{{- define "biostream.kafkaTruststoreMount" -}}
{{- if and (hasSuffix "SSL" .Values.kafka.securityProtocol) .Values.kafka.truststore.secretName -}}
- name: kafka-truststore
  mountPath: {{ include "biostream.kafkaTruststoreDir" . }}
  readOnly: true
{{- end -}}
{{- end -}}

{{/* biostream.* settings the job and the API share (flink-conf style keys, string values). */}}
{{- define "biostream.sharedSettings" -}}
biostream.kafka.bootstrap-servers: {{ .Values.kafka.bootstrapServers | quote }}
{{- range $role, $topic := .Values.topics }}
biostream.topics.{{ $role }}: {{ $topic | quote }}
{{- end }}
biostream.crypto.kek-uri: {{ include "biostream.kekUri" . | quote }}
biostream.crypto.key-store: {{ .Values.crypto.keyStore | quote }}
biostream.crypto.period: {{ .Values.crypto.period | quote }}
{{- range $key, $value := .Values.settings }}
{{ $key }}: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{/* Secret files that biostream refuses unless only their owner may read them (the local KEK keyset,
     the audit signing keyset). Secret volumes cannot give a non-root user an owner-only file, so an
     init container copies them, mode 600, into an in-memory volume that the main container reads.
     Argument: a dict with root (the chart context), image, and files (list of dicts volume, key). */}}
{{- define "biostream.ownerOnlyInit" -}}
- name: owner-only-secrets
  image: {{ .image }}
  command:
    - sh
    - -ec
    - |
      umask 077
      {{- range .files }}
      install -m 0600 /etc/biostream/secret-src/{{ .volume }}/{{ .key }} {{ include "biostream.secretsDir" $.root }}/{{ .key }}
      {{- end }}
  securityContext:
    {{- include "biostream.containerSecurityContext" .root | nindent 4 }}
  volumeMounts:
    - name: owner-only-secrets
      mountPath: {{ include "biostream.secretsDir" .root }}
    {{- range .files }}
    - name: {{ .volume }}
      mountPath: /etc/biostream/secret-src/{{ .volume }}
      readOnly: true
    {{- end }}
{{- end -}}

{{/* The source Secret volumes and the in-memory volume of biostream.ownerOnlyInit. */}}
{{- define "biostream.ownerOnlyVolumes" -}}
- name: owner-only-secrets
  emptyDir:
    medium: Memory
    sizeLimit: 1Mi
{{- range .files }}
- name: {{ .volume }}
  secret:
    secretName: {{ .secretName }}
    defaultMode: 0440
    items:
      - key: {{ .key }}
        path: {{ .key }}
{{- end }}
{{- end -}}

{{/* The KEK's owner-only files, for biostream.ownerOnlyInit. */}}
{{- define "biostream.kekFiles" -}}
{{- if eq .Values.crypto.kek.type "local" -}}
- volume: kek
  secretName: {{ .Values.crypto.kek.local.secretName }}
  key: {{ .Values.crypto.kek.local.keysetKey }}
{{- end -}}
{{- end -}}

{{/* The master secret of a local KEK, as MasterSecret reads it. */}}
{{- define "biostream.kekEnv" -}}
{{- if eq .Values.crypto.kek.type "local" -}}
- name: BIOSTREAM_MASTER_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ .Values.crypto.kek.local.secretName }}
      key: {{ .Values.crypto.kek.local.masterSecretKey }}
{{- end -}}
{{- end -}}

{{- define "biostream.containerSecurityContext" -}}
allowPrivilegeEscalation: false
capabilities:
  drop: [ALL]
{{- end -}}

{{/* The FlinkDeployment's flinkConfiguration before flink.configuration is merged over it (the schema
     keeps the keys that HA, exactly-once and the NetworkPolicies rely on out of flink.configuration). */}}
{{- define "biostream.flinkConfiguration" -}}
{{- $ports := include "biostream.flinkPorts" . | fromYaml -}}
{{- $storage := .Values.flink.storage -}}
# ---- state: RocksDB, incremental checkpoints, on storage that outlives the pods
state.backend.type: rocksdb
execution.checkpointing.incremental: "true"
execution.checkpointing.storage: filesystem
execution.checkpointing.interval: {{ .Values.flink.checkpointInterval | quote }}
execution.checkpointing.mode: EXACTLY_ONCE
execution.checkpointing.min-pause: 1s
execution.checkpointing.timeout: 2min
execution.checkpointing.tolerable-failed-checkpoints: "3"
execution.checkpointing.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION
execution.checkpointing.num-retained: {{ .Values.flink.retainedCheckpoints | quote }}
execution.checkpointing.dir: {{ $storage.checkpoints | quote }}
execution.checkpointing.savepoint-dir: {{ $storage.savepoints | quote }}
# The keys Flink 2 replaced: operator 1.x checks them for savepoint upgrades.
state.checkpoints.dir: {{ $storage.checkpoints | quote }}
state.savepoints.dir: {{ $storage.savepoints | quote }}
# ---- Kubernetes HA: leader election and job metadata in ConfigMaps, state handles in storage
high-availability.type: kubernetes
high-availability.storageDir: {{ $storage.ha | quote }}
{{- with .Values.flink.periodicSavepointInterval }}
kubernetes.operator.periodic.savepoint.interval: {{ . | quote }}
{{- end }}
kubernetes.operator.savepoint.history.max.count: "5"
# ---- failure handling (flink-conf/config.yaml)
restart-strategy.type: exponential-delay
restart-strategy.exponential-delay.initial-backoff: 1s
restart-strategy.exponential-delay.max-backoff: 1min
restart-strategy.exponential-delay.backoff-multiplier: "2.0"
restart-strategy.exponential-delay.reset-backoff-threshold: 1h
restart-strategy.exponential-delay.jitter-factor: "0.1"
# ---- slots and memory
taskmanager.numberOfTaskSlots: {{ .Values.flink.taskSlots | quote }}
taskmanager.memory.task.off-heap.size: {{ .Values.flink.taskManager.offHeap | quote }}
taskmanager.memory.managed.fraction: "0.2"
{{- with .Values.flink.taskManager.gpus }}
# ---- GPUs (docs/gpu.md): Flink's external resource framework asks Kubernetes for them on every
# TaskManager pod (not the JobManager's) and tells the slots which GPU indexes they got.
external-resources: gpu
external-resource.gpu.amount: {{ . | toString | quote }}
external-resource.gpu.driver-factory.class: org.apache.flink.externalresource.gpu.GPUDriverFactory
external-resource.gpu.kubernetes.config-key: nvidia.com/gpu
{{- end }}
# ---- fixed ports, named by the NetworkPolicies
jobmanager.rpc.port: {{ $ports.rpc | quote }}
blob.server.port: {{ $ports.blob | quote }}
taskmanager.rpc.port: {{ $ports.taskmanagerRpc | quote }}
taskmanager.data.port: {{ $ports.data | quote }}
rest.port: {{ $ports.rest | quote }}
# ---- queryable state: the API reads camera-latest and the other states through the proxy
queryable-state.enable: "true"
queryable-state.proxy.ports: {{ $ports.stateProxy | quote }}
queryable-state.server.ports: {{ $ports.stateServer | quote }}
# ---- no jar uploads from the web UI (they run arbitrary code on the cluster)
web.submit.enable: "false"
web.cancel.enable: "true"
# ---- metrics
metrics.reporter.prom.factory.class: org.apache.flink.metrics.prometheus.PrometheusReporterFactory
metrics.reporter.prom.port: {{ .Values.metrics.flinkPort | quote }}
# ---- biostream (read by PipelineJob.main from this configuration)
biostream.kafka.group-id: {{ .Values.kafka.groupId | quote }}
biostream.kafka.transactional-id-prefix: {{ .Values.kafka.transactionalIdPrefix | quote }}
biostream.kafka.transaction-timeout-ms: {{ .Values.kafka.transactionTimeoutMs | toString | quote }}
# The job's Kafka principal: its password file is on the JobManager and every TaskManager.
{{ include "biostream.kafkaSecurity" (dict "root" . "principal" .Values.kafka.sasl.job) }}
# The public keys control events must verify under (read when the job is built, in the JobManager).
biostream.control.verify-keyset-file: {{ printf "%s/%s" (include "biostream.controlVerifyDir" .) .Values.crypto.controlSigning.verifyKey | quote }}
# Every frame must carry its camera's MAC; the master is the init container's owner-only copy.
biostream.cameras.authentication: "required"
biostream.cameras.master-file: {{ printf "%s/%s" (include "biostream.secretsDir" .) .Values.crypto.cameras.masterKey | quote }}
{{- with .Values.crypto.cameras.allowed }}
biostream.cameras.allowed: {{ join "," . | quote }}
{{- end }}
{{ include "biostream.sharedSettings" . }}
{{- end -}}

package kube

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Images of the bundled services. Pinned to a major (or an exact release for
// Prometheus, whose flags change between minors); update them here.
const (
	// RedisImage is the official Redis 7 image (Docker Hub "redis").
	RedisImage = "redis:7"
	// PrometheusImage is Prometheus 3.5, the long-term-support release
	// (Docker Hub "prom/prometheus").
	PrometheusImage = "prom/prometheus:v3.5.0"
	// PostgresImage is the official PostgreSQL 17 image (Docker Hub
	// "postgres"); 18 moved PGDATA, which the db manifests set.
	PostgresImage = "postgres:17"
)

// Names and ports of the bundled services' Services, fixed so the engine can
// reach them at [ServiceURL] without asking the cluster.
const (
	// RedisServiceName is the bundled Redis's Service (and Deployment).
	RedisServiceName = "jsorc-redis"
	// RedisPort is the port of [RedisServiceName].
	RedisPort = 6379
	// PrometheusServiceName is the bundled Prometheus's Service (and
	// Deployment): the fixed address the engine proxies under /prometheus/.
	PrometheusServiceName = "jsorc-prometheus"
	// PrometheusPort is the port of [PrometheusServiceName].
	PrometheusPort = 9090
	// PostgresServiceName is the bundled PostgreSQL's Service (and Deployment).
	PostgresServiceName = "jsorc-db"
	// PostgresPort is the port of [PostgresServiceName].
	PostgresPort = 5432
	// PostgresClaimName is the db's PersistentVolumeClaim; Prune keeps it
	// unless told otherwise.
	PostgresClaimName = "jsorc-db-data"
	// PostgresUser and PostgresDatabase are the role and database the db
	// manifests create.
	PostgresUser     = "jsorc"
	PostgresDatabase = "jsorc"
)

// Bundled service names, as META_CONFIG's keep_alive spells them.
const (
	// ServiceRedis is the bundled Redis.
	ServiceRedis = "redis"
	// ServicePromon is the bundled Prometheus.
	ServicePromon = "promon"
	// ServiceDB is the bundled PostgreSQL.
	ServiceDB = "db"
)

// ActionServerCommand is the command an action server container runs; the
// image must have it on its PATH.
const ActionServerCommand = "jsorc"

// Labels set on the pods of the manifests below (selectors use them; they
// never change for a given object, since a Deployment's selector is immutable).
const (
	labelName     = "app.kubernetes.io/name"
	labelInstance = "app.kubernetes.io/instance"
	// LabelModule names the action module an action server serves.
	LabelModule = "jsorc.dev/module"
)

// BundledServices lists the services [BundledManifests] knows.
func BundledServices() []string {
	return []string{ServiceRedis, ServicePromon, ServiceDB}
}

// BundledManifests returns the default manifests of a bundled service:
// "redis", "promon" (Prometheus scraping itself) or "db" (PostgreSQL). redis
// and db read their credentials from the Secret [ServiceSecret] names,
// which must exist before their pods start (EnsureSecret).
func BundledManifests(name string) ([]map[string]any, error) {
	switch name {
	case ServiceRedis:
		return RedisManifests(), nil
	case ServicePromon:
		return PrometheusManifests(nil), nil
	case ServiceDB:
		return PostgresManifests(), nil
	}
	return nil, fmt.Errorf("kube: no bundled service %q (known: %s)", name, strings.Join(BundledServices(), ", "))
}

// ResourceName turns any name (a module such as "use_enc") into a DNS-1035
// label usable as a Service or Deployment name: lower case, runs of other
// characters replaced by '-', starting with a letter, at most 63 characters.
// Names that had to be shortened or changed get a short hash suffix so that
// two modules never share a name.
func ResourceName(prefix, name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(prefix + name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.Trim(b.String(), "-")
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		s = "x-" + s
	}
	if s == prefix+name && len(s) <= 63 {
		return s
	}
	sum := sha256.Sum256([]byte(prefix + name))
	suffix := "-" + hex.EncodeToString(sum[:])[:6]
	if len(s) > 63-len(suffix) {
		s = strings.TrimRight(s[:63-len(suffix)], "-")
	}
	return s + suffix
}

// ActionServerName is the name of the Deployment and Service of a module's
// action server: "jsorc-action-" and the module name made DNS-safe.
func ActionServerName(module string) string {
	return ResourceName("jsorc-action-", module)
}

// ActionServerManifests returns the Deployment and Service of an action
// server for module: the container runs
// `jsorc serve-action MODULE --addr 0.0.0.0:PORT` followed by args, is ready
// when GET /jaseci_actions_spec/ answers and alive while GET /healthz does.
// Both objects are named [ActionServerName]; the in-cluster URL is
// ServiceURL(ActionServerName(module), namespace, port).
func ActionServerManifests(module, image string, port int, args []string, replicas int32) []map[string]any {
	name := ActionServerName(module)
	podLabels := map[string]any{labelName: "jsorc-action-server", labelInstance: name}
	cmdArgs := []any{"serve-action", module, "--addr", "0.0.0.0:" + strconv.Itoa(port)}
	for _, a := range args {
		cmdArgs = append(cmdArgs, a)
	}
	container := map[string]any{
		"name":            "action-server",
		"image":           image,
		"imagePullPolicy": "IfNotPresent",
		"command":         []any{ActionServerCommand},
		"args":            cmdArgs,
		"ports":           []any{map[string]any{"name": "http", "containerPort": port, "protocol": "TCP"}},
		"readinessProbe":  httpProbe("/jaseci_actions_spec/", port, 2, 5),
		"livenessProbe":   httpProbe("/healthz", port, 10, 10),
	}
	moduleLabels := map[string]any{labelName: "jsorc-action-server", labelInstance: name}
	if len(module) <= 63 {
		moduleLabels[LabelModule] = module
	}
	return []map[string]any{
		deployment(name, moduleLabels, replicas, podLabels, map[string]any{
			"prometheus.io/scrape": "true",
			"prometheus.io/port":   strconv.Itoa(port),
			"prometheus.io/path":   "/metrics",
		}, map[string]any{"containers": []any{container}}, ""),
		service(name, moduleLabels, podLabels, port),
	}
}

// Where the pods of the bundled services find their Secrets, and the
// unprivileged users the official images run their servers as.
const (
	credentialsMount = "/run/secrets/jsorc"
	apiTokenMount    = "/etc/jsorc-api-token"
	imageUID         = 999   // redis and postgres in the official images
	prometheusUID    = 65534 // nobody, in prom/prometheus
)

// RedisManifests returns the Deployment and Service of the bundled Redis
// (no persistence: it is a cache). It runs as the image's redis user and
// reads its configuration, with the password and the disabled commands,
// from the Secret [RedisSecretName]; its readiness probe authenticates.
func RedisManifests() []map[string]any {
	podLabels := map[string]any{labelName: "redis", labelInstance: RedisServiceName}
	auth := "REDISCLI_AUTH=\"$(cat " + credentialsMount + "/" + SecretPasswordKey + ")\" redis-cli ping | grep -qx PONG"
	container := map[string]any{
		"name":            "redis",
		"image":           RedisImage,
		"imagePullPolicy": "IfNotPresent",
		"command":         []any{"redis-server"},
		"args":            []any{credentialsMount + "/" + SecretRedisConfKey, "--save", "", "--appendonly", "no"},
		"ports":           []any{map[string]any{"name": "redis", "containerPort": RedisPort, "protocol": "TCP"}},
		"readinessProbe":  execProbe([]any{"sh", "-c", auth}, 2, 5),
		"livenessProbe":   tcpProbe(RedisPort, 10, 10),
		"securityContext": unprivileged(imageUID),
		"volumeMounts":    []any{credentialsVolumeMount()},
	}
	pod := map[string]any{
		"containers":      []any{container},
		"securityContext": map[string]any{"fsGroup": imageUID},
		"volumes":         []any{secretVolume("credentials", RedisSecretName)},
	}
	return []map[string]any{
		deployment(RedisServiceName, podLabels, 1, podLabels, nil, pod, ""),
		service(RedisServiceName, podLabels, podLabels, RedisPort),
	}
}

// PrometheusScrapeInterval is how often the bundled Prometheus scrapes;
// rates over it need windows of several intervals.
const PrometheusScrapeInterval = 15 * time.Second

// EngineJob is the scrape job of the engine itself; each action server is
// the job named by its module.
const EngineJob = "jsorc"

// PrometheusScrape is what the bundled Prometheus scrapes besides itself.
type PrometheusScrape struct {
	// Targets maps each action server's module, its job, to its host:port
	// (its Service), so that queries by job break the figures down by
	// module.
	Targets map[string]string
	// Engine is the host:port of the engine's API, when the engine runs in
	// the cluster; "" leaves it out. Its job is [EngineJob].
	Engine string
	// EngineToken makes the engine's scrape authenticate with the token in
	// [APITokenSecretName] (the engine answers /metrics to others than
	// loopback only with it). Set it only when that Secret exists: the pod
	// mounts it.
	EngineToken bool
}

// PrometheusConfig is the prometheus.yml of the bundled Prometheus: it
// scrapes itself and each of targets (job → host:port, e.g. a module's
// action server's Service), each as its own job, every
// [PrometheusScrapeInterval].
func PrometheusConfig(targets map[string]string) string {
	return prometheusConfig(PrometheusScrape{Targets: targets})
}

// prometheusConfig is the prometheus.yml for s.
func prometheusConfig(s PrometheusScrape) string {
	var b strings.Builder
	iv := strconv.Itoa(int(PrometheusScrapeInterval/time.Second)) + "s"
	b.WriteString("global:\n  scrape_interval: " + iv + "\n  evaluation_interval: " + iv + "\n")
	b.WriteString("scrape_configs:\n")
	b.WriteString("  - job_name: prometheus\n    static_configs:\n      - targets: [\"localhost:9090\"]\n")
	for _, job := range slices.Sorted(maps.Keys(s.Targets)) {
		if job == EngineJob || job == "prometheus" {
			continue // a module may not take the engine's or Prometheus's job
		}
		b.WriteString("  - job_name: " + strconv.Quote(job) + "\n    static_configs:\n")
		b.WriteString("      - targets: [" + strconv.Quote(s.Targets[job]) + "]\n")
	}
	if s.Engine != "" {
		b.WriteString("  - job_name: " + EngineJob + "\n")
		if s.EngineToken {
			b.WriteString("    authorization:\n      type: Bearer\n")
			b.WriteString("      credentials_file: " + apiTokenMount + "/" + APITokenKey + "\n")
		}
		b.WriteString("    static_configs:\n      - targets: [" + strconv.Quote(s.Engine) + "]\n")
	}
	return b.String()
}

// PrometheusManifests returns the ConfigMap, Deployment and Service of the
// bundled Prometheus ("promon") scraping itself and targets (job →
// host:port).
func PrometheusManifests(targets map[string]string) []map[string]any {
	return PrometheusManifestsFor(PrometheusScrape{Targets: targets})
}

// PrometheusManifestsFor returns the ConfigMap, Deployment and Service of
// the bundled Prometheus ("promon") scraping s. Its Service is
// [PrometheusServiceName] on [PrometheusPort]. The pod template carries a
// hash of the configuration, so a change of targets rolls the pod and
// Prometheus reads the new file. With s.EngineToken the pod mounts the
// API token's Secret, readable by the image's user only.
func PrometheusManifestsFor(s PrometheusScrape) []map[string]any {
	const cmName = "jsorc-prometheus-config"
	cfg := prometheusConfig(s)
	sum := sha256.Sum256([]byte(cfg))
	podLabels := map[string]any{labelName: "prometheus", labelInstance: PrometheusServiceName}
	mounts := []any{
		map[string]any{"name": "config", "mountPath": "/etc/prometheus"},
		map[string]any{"name": "data", "mountPath": "/prometheus"},
	}
	volumes := []any{
		map[string]any{"name": "config", "configMap": map[string]any{"name": cmName}},
		map[string]any{"name": "data", "emptyDir": map[string]any{}},
	}
	if s.EngineToken && s.Engine != "" {
		mounts = append(mounts, map[string]any{"name": "api-token", "mountPath": apiTokenMount, "readOnly": true})
		volumes = append(volumes, secretVolume("api-token", APITokenSecretName))
	}
	container := map[string]any{
		"name":            "prometheus",
		"image":           PrometheusImage,
		"imagePullPolicy": "IfNotPresent",
		"args": []any{
			"--config.file=/etc/prometheus/prometheus.yml",
			"--storage.tsdb.path=/prometheus",
			"--storage.tsdb.retention.time=1d",
			"--web.enable-lifecycle",
			// Its UI is reached through the engine's /prometheus/ (over a
			// port-forward from outside the cluster): links carry that
			// prefix, while it serves at its root.
			"--web.external-url=http://localhost:" + strconv.Itoa(PrometheusPort) + "/prometheus/",
			"--web.route-prefix=/",
		},
		"ports":          []any{map[string]any{"name": "http", "containerPort": PrometheusPort, "protocol": "TCP"}},
		"readinessProbe": httpProbe("/-/ready", PrometheusPort, 5, 5),
		"livenessProbe":  httpProbe("/-/healthy", PrometheusPort, 15, 15),
		"volumeMounts":   mounts,
	}
	pod := map[string]any{
		"containers":      []any{container},
		"securityContext": map[string]any{"fsGroup": prometheusUID},
		"volumes":         volumes,
	}
	return []map[string]any{
		{
			"apiVersion": "v1",
			"kind":       "ConfigMap",
			"metadata":   map[string]any{"name": cmName, "labels": podLabels},
			"data":       map[string]any{"prometheus.yml": cfg},
		},
		deployment(PrometheusServiceName, podLabels, 1, podLabels,
			map[string]any{"jsorc.dev/config-hash": hex.EncodeToString(sum[:])[:16]}, pod, ""),
		service(PrometheusServiceName, podLabels, podLabels, PrometheusPort),
	}
}

// pgRekeyScript sets, at every start of the pod, the password of the
// Secret in a cluster that already exists (one made by an older jsorc with
// a fixed password, or whose Secret was replaced): single-user mode, given
// the SCRAM verifier, so the password itself never reaches the server or
// its log. A new volume is left to the image's initdb.
const pgRekeyScript = `set -e
if [ -s "$PGDATA/PG_VERSION" ]; then
  printf "ALTER ROLE ` + PostgresUser + ` WITH PASSWORD '%s';\n" "$(cat ` + credentialsMount + `/` + SecretVerifierKey + `)" |
    postgres --single -c exit_on_error=on -D "$PGDATA" postgres >/dev/null
fi
`

// PostgresManifests returns the PersistentVolumeClaim ([PostgresClaimName],
// 1Gi, ReadWriteOnce, the cluster's default storage class), Deployment
// (Recreate: one pod owns the volume) and Service of the bundled PostgreSQL
// ("db"), with role and database [PostgresUser]/[PostgresDatabase]. The
// password comes from the Secret [PostgresSecretName], as a file, never in
// the spec; an init container sets it in an existing cluster.
func PostgresManifests() []map[string]any {
	podLabels := map[string]any{labelName: "postgres", labelInstance: PostgresServiceName}
	const pgdata = "/var/lib/postgresql/data/pgdata"
	dataMount := map[string]any{"name": "data", "mountPath": "/var/lib/postgresql/data"}
	container := map[string]any{
		"name":            "postgres",
		"image":           PostgresImage,
		"imagePullPolicy": "IfNotPresent",
		"env": []any{
			map[string]any{"name": "POSTGRES_USER", "value": PostgresUser},
			map[string]any{"name": "POSTGRES_PASSWORD_FILE", "value": credentialsMount + "/" + SecretPasswordKey},
			map[string]any{"name": "POSTGRES_DB", "value": PostgresDatabase},
			map[string]any{"name": "PGDATA", "value": pgdata},
		},
		"ports":          []any{map[string]any{"name": "postgres", "containerPort": PostgresPort, "protocol": "TCP"}},
		"readinessProbe": execProbe([]any{"pg_isready", "-U", PostgresUser, "-d", PostgresDatabase}, 5, 5),
		"livenessProbe":  tcpProbe(PostgresPort, 30, 10),
		"volumeMounts":   []any{dataMount, credentialsVolumeMount()},
	}
	rekey := map[string]any{
		"name":            "set-password",
		"image":           PostgresImage,
		"imagePullPolicy": "IfNotPresent",
		"command":         []any{"sh", "-c", pgRekeyScript},
		"env":             []any{map[string]any{"name": "PGDATA", "value": pgdata}},
		"securityContext": unprivileged(imageUID),
		"volumeMounts":    []any{dataMount, credentialsVolumeMount()},
	}
	pod := map[string]any{
		"initContainers":  []any{rekey},
		"containers":      []any{container},
		"securityContext": map[string]any{"fsGroup": imageUID},
		"volumes": []any{
			map[string]any{"name": "data", "persistentVolumeClaim": map[string]any{"claimName": PostgresClaimName}},
			secretVolume("credentials", PostgresSecretName),
		},
	}
	return []map[string]any{
		{
			"apiVersion": "v1",
			"kind":       "PersistentVolumeClaim",
			"metadata":   map[string]any{"name": PostgresClaimName, "labels": podLabels},
			"spec": map[string]any{
				"accessModes": []any{"ReadWriteOnce"},
				"resources":   map[string]any{"requests": map[string]any{"storage": "1Gi"}},
			},
		},
		deployment(PostgresServiceName, podLabels, 1, podLabels, nil, pod, "Recreate"),
		service(PostgresServiceName, podLabels, podLabels, PostgresPort),
	}
}

// secretVolume mounts the Secret name, its files readable by the owner
// and the pod's fsGroup only.
func secretVolume(volume, name string) map[string]any {
	return map[string]any{"name": volume, "secret": map[string]any{"secretName": name, "defaultMode": 0o440}}
}

func credentialsVolumeMount() map[string]any {
	return map[string]any{"name": "credentials", "mountPath": credentialsMount, "readOnly": true}
}

// unprivileged is a container securityContext running as uid.
func unprivileged(uid int) map[string]any {
	return map[string]any{
		"runAsNonRoot":             true,
		"runAsUser":                uid,
		"runAsGroup":               uid,
		"allowPrivilegeEscalation": false,
	}
}

// deployment builds an apps/v1 Deployment selecting podLabels.
func deployment(name string, labels map[string]any, replicas int32, podLabels, podAnnotations, podSpec map[string]any, strategy string) map[string]any {
	tmplMeta := map[string]any{"labels": podLabels}
	if len(podAnnotations) > 0 {
		tmplMeta["annotations"] = podAnnotations
	}
	spec := map[string]any{
		"replicas": replicas,
		"selector": map[string]any{"matchLabels": podLabels},
		"template": map[string]any{"metadata": tmplMeta, "spec": podSpec},
	}
	if strategy != "" {
		spec["strategy"] = map[string]any{"type": strategy}
	}
	return map[string]any{
		"apiVersion": "apps/v1",
		"kind":       "Deployment",
		"metadata":   map[string]any{"name": name, "labels": labels},
		"spec":       spec,
	}
}

// service builds a ClusterIP Service exposing one TCP port.
func service(name string, labels, selector map[string]any, port int) map[string]any {
	return map[string]any{
		"apiVersion": "v1",
		"kind":       "Service",
		"metadata":   map[string]any{"name": name, "labels": labels},
		"spec": map[string]any{
			"type":     "ClusterIP",
			"selector": selector,
			"ports": []any{map[string]any{
				"name": "main", "port": port, "targetPort": port, "protocol": "TCP",
			}},
		},
	}
}

func httpProbe(path string, port, initialDelay, period int) map[string]any {
	return map[string]any{
		"httpGet":             map[string]any{"path": path, "port": port},
		"initialDelaySeconds": initialDelay,
		"periodSeconds":       period,
		"timeoutSeconds":      1,
	}
}

func tcpProbe(port, initialDelay, period int) map[string]any {
	return map[string]any{
		"tcpSocket":           map[string]any{"port": port},
		"initialDelaySeconds": initialDelay,
		"periodSeconds":       period,
	}
}

func execProbe(cmd []any, initialDelay, period int) map[string]any {
	return map[string]any{
		"exec":                map[string]any{"command": cmd},
		"initialDelaySeconds": initialDelay,
		"periodSeconds":       period,
	}
}

package kube_test

import (
	"encoding/json"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/jsorc/jsorc/kube"
)

func TestResourceName(t *testing.T) {
	tests := []struct{ prefix, in, want string }{
		{"jsorc-action-", "textenc", "jsorc-action-textenc"},
		{"", "use-enc", "use-enc"},
	}
	for _, tt := range tests {
		if got := kube.ResourceName(tt.prefix, tt.in); got != tt.want {
			t.Errorf("ResourceName(%q, %q) = %q, want %q", tt.prefix, tt.in, got, tt.want)
		}
	}
	seen := map[string]string{}
	for _, in := range []string{"use_enc", "use-enc", "USE_ENC", "9lives", "__", strings.Repeat("long_module_", 10), strings.Repeat("long_module_", 11)} {
		got := kube.ActionServerName(in)
		if errs := validation.IsDNS1035Label(got); len(errs) > 0 {
			t.Errorf("ActionServerName(%q) = %q: %v", in, got, errs)
		}
		if prev, dup := seen[got]; dup {
			t.Errorf("ActionServerName(%q) and (%q) are both %q", in, prev, got)
		}
		seen[got] = in
	}
}

func TestActionServerManifests(t *testing.T) {
	objs := kube.ActionServerManifests("use_enc", "ghcr.io/x/jsorc:1", 8123, []string{"--log", "debug"}, 3)
	if len(objs) != 2 || objs[0]["kind"] != "Deployment" || objs[1]["kind"] != "Service" {
		t.Fatalf("kinds: %v, %v", objs[0]["kind"], objs[1]["kind"])
	}
	b, err := json.Marshal(objs)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{
		`"command":["jsorc"]`,
		`"args":["serve-action","use_enc","--addr","0.0.0.0:8123","--log","debug"]`,
		`"replicas":3`, `"image":"ghcr.io/x/jsorc:1"`, `"path":"/jaseci_actions_spec/"`, `"path":"/healthz"`,
		`"name":"jsorc-action-use-enc-`, `"port":8123`, `"targetPort":8123`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("manifests lack %s:\n%s", want, s)
		}
	}
}

func TestBundledManifests(t *testing.T) {
	for _, name := range kube.BundledServices() {
		objs, err := kube.BundledManifests(name)
		if err != nil || len(objs) == 0 {
			t.Fatalf("%s: %v", name, err)
		}
		kinds := map[string]int{}
		for _, o := range objs {
			kinds[o["kind"].(string)]++
			if _, err := json.Marshal(o); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
		if kinds["Deployment"] != 1 || kinds["Service"] != 1 {
			t.Errorf("%s: kinds %v", name, kinds)
		}
	}
	prom := kube.PrometheusManifests(map[string]string{"a": "a.ns.svc:8000"})
	svc := prom[2]["metadata"].(map[string]any)["name"]
	if svc != kube.PrometheusServiceName || !strings.Contains(prom[0]["data"].(map[string]any)["prometheus.yml"].(string), `"a.ns.svc:8000"`) {
		t.Errorf("promon: service %v, config %v", svc, prom[0]["data"])
	}
	h1 := kube.PrometheusManifests(nil)[1]["spec"].(map[string]any)["template"]
	h2 := kube.PrometheusManifests(map[string]string{"x": "x:1"})[1]["spec"].(map[string]any)["template"]
	if b1, _ := json.Marshal(h1); string(b1) == func() string { b2, _ := json.Marshal(h2); return string(b2) }() {
		t.Error("a Prometheus config change does not change the pod template (no roll)")
	}
	db, _ := kube.BundledManifests(kube.ServiceDB)
	if db[0]["kind"] != "PersistentVolumeClaim" {
		t.Errorf("db: first object %v, want its PVC", db[0]["kind"])
	}
	if _, err := kube.BundledManifests("mail"); err == nil {
		t.Error("BundledManifests accepted an unknown service")
	}
}

func TestDecodeManifests(t *testing.T) {
	src := `
apiVersion: v1
kind: ConfigMap
metadata: {name: a}
---
---
apiVersion: v1
kind: List
items:
  - {apiVersion: v1, kind: Service, metadata: {name: b}}
  - {apiVersion: v1, kind: Service, metadata: {name: c}}
`
	objs, err := kube.DecodeManifests([]byte(src))
	if err != nil || len(objs) != 3 {
		t.Fatalf("DecodeManifests = %d objects, %v", len(objs), err)
	}
	if _, err := kube.DecodeManifests([]byte("a: [")); err == nil {
		t.Error("bad YAML decoded")
	}
	json, err := kube.DecodeManifests([]byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}`))
	if err != nil || len(json) != 1 {
		t.Errorf("JSON: %v, %v", json, err)
	}
}

// TestBundledManifestsCredentials: no password in any spec; redis and db
// read theirs from their Secrets as files and run unprivileged; promon
// scrapes the engine with the API token only when told it exists.
func TestBundledManifestsCredentials(t *testing.T) {
	for _, name := range []string{kube.ServiceRedis, kube.ServiceDB} {
		objs, _ := kube.BundledManifests(name)
		js, _ := json.Marshal(objs)
		for _, bad := range []string{`"POSTGRES_PASSWORD"`, `"value":"jsorc","name":"POSTGRES_PASSWORD`, "requirepass"} {
			if strings.Contains(string(js), bad) {
				t.Errorf("%s's manifests hold %s", name, bad)
			}
		}
		for _, want := range []string{`"secretName":"` + kube.ServiceSecret(name) + `"`, `"runAsNonRoot":true`, `"defaultMode":288`} {
			if !strings.Contains(string(js), want) {
				t.Errorf("%s's manifests lack %s", name, want)
			}
		}
	}
	db, _ := json.Marshal(kube.PostgresManifests())
	if !strings.Contains(string(db), `"initContainers"`) || !strings.Contains(string(db), "exit_on_error=on") {
		t.Error("db has no init container that sets the password in an existing cluster")
	}
	// Its UI links under the engine's /prometheus/, where the engine serves
	// it (through a port-forward from outside the cluster).
	if dep, _ := json.Marshal(kube.PrometheusManifests(nil)[1]); !strings.Contains(string(dep), `"--web.external-url=http://localhost:9090/prometheus/"`) ||
		!strings.Contains(string(dep), `"--web.route-prefix=/"`) {
		t.Errorf("promon's args do not put its UI under /prometheus/: %s", dep)
	}
	// One job per action server, named by its module: tracksys's queries
	// by job break the figures down by module.
	cfg := kube.PrometheusConfig(map[string]string{"use_enc": "use-enc.ns.svc:80", "bi_enc": "bi-enc.ns.svc:80"})
	for _, want := range []string{"job_name: \"bi_enc\"\n    static_configs:\n      - targets: [\"bi-enc.ns.svc:80\"]",
		"job_name: \"use_enc\"\n    static_configs:\n      - targets: [\"use-enc.ns.svc:80\"]", "scrape_interval: 15s"} {
		if !strings.Contains(cfg, want) {
			t.Errorf("config lacks %q:\n%s", want, cfg)
		}
	}
	for _, tt := range []struct {
		s          kube.PrometheusScrape
		job, token bool
	}{
		{kube.PrometheusScrape{}, false, false},
		{kube.PrometheusScrape{Engine: "10.0.0.1:8799"}, true, false},
		{kube.PrometheusScrape{Engine: "10.0.0.1:8799", EngineToken: true}, true, true},
		{kube.PrometheusScrape{EngineToken: true}, false, false},
	} {
		objs := kube.PrometheusManifestsFor(tt.s)
		cfg := objs[0]["data"].(map[string]any)["prometheus.yml"].(string)
		dep, _ := json.Marshal(objs[1])
		if got := strings.Contains(cfg, "job_name: jsorc\n"); got != tt.job {
			t.Errorf("%+v: engine job %v, want %v:\n%s", tt.s, got, tt.job, cfg)
		}
		if got := strings.Contains(cfg, "credentials_file: /etc/jsorc-api-token/token"); got != tt.token {
			t.Errorf("%+v: token %v, want %v:\n%s", tt.s, got, tt.token, cfg)
		}
		if got := strings.Contains(string(dep), kube.APITokenSecretName); got != tt.token {
			t.Errorf("%+v: token mounted %v, want %v", tt.s, got, tt.token)
		}
	}
}

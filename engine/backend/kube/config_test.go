package kube

import (
	"errors"
	"testing"

	"k8s.io/client-go/rest"

	"github.com/jsorc/jsorc/engine/actions"
	"github.com/jsorc/jsorc/engine/backend"
)

// The kube backend's cluster comes from, in order: a REST configuration,
// --kubeconfig (or KUBECONFIG), --in-cluster, META_CONFIG's
// kubernetes.config, META_CONFIG's in_cluster inside a pod, the default
// kubeconfig.
func TestKubeConfigResolution(t *testing.T) {
	path := "/from/meta"
	inPod := func(k string) string {
		if k == "KUBERNETES_SERVICE_HOST" {
			return "10.0.0.1"
		}
		return ""
	}
	noPod := func(string) string { return "" }
	meta := func(inCluster bool, config *string) backend.Env {
		m := backend.Meta{Namespace: "team-a", InCluster: inCluster}
		if config != nil {
			m.Kubeconfig = *config
		}
		return backend.Env{Meta: m}
	}
	tests := []struct {
		name          string
		opts          Options
		meta          backend.Env
		getenv        func(string) string
		kubeconfig    string
		inCluster     bool
		rest          bool
		namespace     string
		wantErrorKind error
	}{
		{name: "rest", opts: Options{REST: &rest.Config{}, Kubeconfig: "/x"}, meta: meta(true, &path), getenv: inPod, rest: true, namespace: "team-a"},
		{name: "flag", opts: Options{Kubeconfig: "/flag"}, meta: meta(true, &path), getenv: inPod, kubeconfig: "/flag", namespace: "team-a"},
		{name: "both", opts: Options{Kubeconfig: "/flag", InCluster: true}, meta: meta(true, nil), getenv: noPod, wantErrorKind: backend.ErrInvalid},
		{name: "in-cluster flag", opts: Options{InCluster: true, Namespace: "mine"}, meta: meta(false, &path), getenv: noPod, inCluster: true, namespace: "mine"},
		{name: "meta config", meta: meta(true, &path), getenv: inPod, kubeconfig: path, namespace: "team-a"},
		{name: "meta in-cluster in a pod", meta: meta(true, nil), getenv: inPod, inCluster: true, namespace: "team-a"},
		{name: "meta in-cluster outside a pod", meta: meta(true, nil), getenv: noPod, namespace: "team-a"},
		{name: "meta out of cluster", meta: meta(false, nil), getenv: inPod, namespace: "team-a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, how, err := kubeConfig(tt.opts, tt.meta, tt.getenv)
			if tt.wantErrorKind != nil {
				if !errors.Is(err, tt.wantErrorKind) {
					t.Fatalf("err %v, want %v", err, tt.wantErrorKind)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Kubeconfig != tt.kubeconfig || cfg.InCluster != tt.inCluster || (cfg.REST != nil) != tt.rest || cfg.Namespace != tt.namespace || how == "" {
				t.Errorf("got kubeconfig %q in-cluster %v rest %v namespace %q (%s)", cfg.Kubeconfig, cfg.InCluster, cfg.REST != nil, cfg.Namespace, how)
			}
		})
	}
}

// configSpec lists a built-in's actions without loading its weight: a
// synth of a terabyte would fail to load if mem_mb were not forced to 0.
func TestConfigSpecAllocatesNothing(t *testing.T) {
	kb := &Backend{builtins: actions.NewRegistry()}
	spec, err := kb.configSpec(backend.ServerSpec{Module: "use_enc", Builtin: "synth", Params: map[string]any{"mem_mb": 1 << 20, "actions": []any{"encode", "cos_sim"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(spec) != 2 || spec["use_enc.encode"] == nil || spec["use_enc.cos_sim"] == nil {
		t.Errorf("spec %v", spec)
	}
	if spec, err := kb.configSpec(backend.ServerSpec{Module: "custom"}); spec != nil || err != nil {
		t.Errorf("no builtin: %v, %v", spec, err)
	}
}

package kube_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	"github.com/jsorc/jsorc/kube"
	"github.com/jsorc/jsorc/kube/kubetest"
)

func TestNewErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tests := []struct {
		name string
		cfg  kube.Config
		want string
	}{
		{"missing kubeconfig", kube.Config{Kubeconfig: filepath.Join(t.TempDir(), "nope")}, "kubeconfig"},
		{"both", kube.Config{Kubeconfig: "x", InCluster: true}, "not both"},
		{"in cluster outside a pod", kube.Config{InCluster: true}, "in-cluster"},
		{"bad namespace", kube.Config{REST: &rest.Config{Host: "https://127.0.0.1:1"}, Namespace: "Not_A_Namespace"}, "namespace"},
		{"unreachable", kube.Config{REST: &rest.Config{Host: "https://127.0.0.1:1", Timeout: 2 * time.Second}}, "cannot reach the API server"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "in cluster outside a pod" {
				t.Setenv("KUBERNETES_SERVICE_HOST", "")
			}
			_, err := kube.New(ctx, tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	t.Run("no configuration at all", func(t *testing.T) {
		t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "absent"))
		t.Setenv("HOME", t.TempDir())
		_, err := kube.New(ctx, kube.Config{})
		if err == nil || !strings.Contains(err.Error(), "no Kubernetes configuration") {
			t.Errorf("New = %v", err)
		}
	})
}

func TestNewFromKubeconfig(t *testing.T) {
	c := needCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	kc, err := kube.New(ctx, kube.Config{Kubeconfig: kubetest.Kubeconfig()})
	if err != nil {
		t.Fatal(err)
	}
	if kc.Namespace() == "" || kc.FieldManager() != kube.DefaultFieldManager || kc.Host() != c.admin.Host {
		t.Errorf("namespace %q, field manager %q, host %q", kc.Namespace(), kc.FieldManager(), kc.Host())
	}
}

package cli_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/jsorc/jsorc/cli"
	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/store"
)

func TestServeBackendFlags(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "no-kubeconfig")
	tests := []struct {
		name  string
		env   map[string]string
		args  []string
		usage bool
		want  string
	}{
		{"unknown backend", nil, []string{"--backend", "nomad"}, true, "--backend"},
		{"kube flag on the local backend", nil, []string{"--image", "x:1"}, true, "--backend kube"},
		{"kubeconfig and in-cluster", nil, []string{"--backend", "kube", "--kubeconfig", missing, "--in-cluster"}, true, "exclude"},
		{"missing kubeconfig", nil, []string{"--backend", "kube", "--kubeconfig", missing}, false, missing},
		{"KUBECONFIG", map[string]string{"KUBECONFIG": missing}, []string{"--backend", "kube"}, false, missing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--log-level", "error"}, tt.args...)
			r := run(t, tt.env, args...)
			if r.err == nil || !strings.Contains(r.err.Error(), tt.want) || errors.Is(r.err, cli.ErrUsage) != tt.usage {
				t.Errorf("serve %v: %v; want an error containing %q (usage %v)", tt.args, r.err, tt.want, tt.usage)
			}
		})
	}
}

// `jsorc serve --backend kube` with the cluster named by META_CONFIG's
// kubernetes field and its namespace, driven by the CLI.
func TestServeKube(t *testing.T) {
	t.Parallel()
	path := os.Getenv("JSORC_TEST_KUBECONFIG")
	if path == "" {
		path = os.Getenv("KUBECONFIG")
	}
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("KUBE TESTS FAILED: no cluster (set JSORC_TEST_KUBECONFIG), and CI=true forbids skipping them")
		}
		t.Skip("KUBE TESTS SKIPPED: set JSORC_TEST_KUBECONFIG (or KUBECONFIG) to the kubeconfig of a cluster where you may create namespaces")
	}
	ns := testNamespace(t, path)
	data := t.TempDir()
	meta := engine.DefaultMeta()
	meta.Namespace = ns
	meta.KeepAlive = []string{}
	meta.Kubernetes = engine.KubeAccess{InCluster: false, Config: &path}
	b, err := json.Marshal(meta)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetMeta(b); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- cli.Run(ctx, []string{"serve", "--backend", "kube", "--image", "jsorc:test", "--addr", "127.0.0.1:0", "--data", data, "--log-level", "warn"},
			cli.Env{Stdout: &out, Stderr: &errOut, Getenv: tokenEnv})
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "serving on") {
		select {
		case err := <-done:
			t.Fatalf("serve --backend kube: %v\n%s", err, errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve printed nothing: %q %q", out.String(), errOut.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	line := out.String()
	if !strings.Contains(line, "kube backend") {
		t.Errorf("serve line %q does not name the backend", line)
	}
	url := strings.Fields(line[strings.Index(line, "http://"):])[0]
	if o := runOK(t, url, "actions", "load", "textenc", "-mode", "remote", "-wait"); !strings.Contains(o, "READY") {
		t.Errorf("load -mode remote -wait: %q", o)
	}
	if o := runOK(t, url, "actions", "status", "textenc"); !strings.Contains(o, ".svc:8000/") {
		t.Errorf("status: %q; want the in-cluster URL", o)
	}
	if o := runOK(t, url, "actions", "unload", "textenc", "-mode", "auto"); !strings.Contains(o, "retired") {
		t.Errorf("unload: %q", o)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
}

// testNamespace creates a fresh namespace of the cluster of kubeconfig,
// deleted (without waiting) when the test ends.
func testNamespace(t *testing.T, kubeconfig string) string {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := "jsorc-cli-" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		bg := metav1.DeletePropagationBackground
		_ = cs.CoreV1().Namespaces().Delete(context.Background(), name, metav1.DeleteOptions{PropagationPolicy: &bg})
	})
	return name
}

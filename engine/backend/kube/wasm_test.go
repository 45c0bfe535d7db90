package kube_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/jsorc/jsorc/engine"
	kubebackend "github.com/jsorc/jsorc/engine/backend/kube"
	"github.com/jsorc/jsorc/engine/wasm"
	"github.com/jsorc/jsorc/internal/wasmexamples"
	"github.com/jsorc/jsorc/kube"
)

// TestKubeWasmRemote loads WebAssembly modules in remote mode on the real
// control plane: the Deployment runs `serve-action --wasm` with the module
// mounted from ConfigMaps — one for a small module, parts in a projected
// volume for one over a ConfigMap's size — whose bytes are the module's.
// kwok runs no containers: the test asserts on the objects.
func TestKubeWasmRemote(t *testing.T) {
	t.Parallel()
	c := needKube(t)
	ns := c.namespace("jsorc-wasm")
	e := c.engine(kubeEngine{meta: testMeta(ns)})
	tests := []struct {
		module, example string
		parts           int
		actions         []string
	}{
		{"probe", wasmexamples.Probe, 1, []string{"args", "echo", "env", "fail", "grow", "loop", "now", "random", "read", "trap", "work"}},
		{"textrank_go", wasmexamples.TextrankGo, 0, []string{"about", "rank", "tokenize"}},
	}
	for _, tc := range tests {
		t.Run(tc.module, func(t *testing.T) {
			// Compiling the Go module and retiring its five objects take
			// their time under -race on a loaded machine.
			ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
			defer cancel()
			path := wasmexamples.Path(t, tc.example)
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			parts := tc.parts
			if parts == 0 {
				parts = (len(raw) + kubebackend.WasmPartBytes - 1) / kubebackend.WasmPartBytes
				if parts < 2 {
					t.Fatalf("%s is %d bytes: too small to need parts", tc.example, len(raw))
				}
			}
			src := filepath.Join(t.TempDir(), "m.yaml")
			yaml := fmt.Sprintf("%s:\n  wasm: %s\n  instances: 2\n  wasm_config: {env: {MODE: kube}}\n", tc.module, path)
			if _, err := e.ConfigureActions(ctx, tc.module, src, []byte(yaml)); err != nil {
				t.Fatal(err)
			}
			if _, err := e.Load(ctx, tc.module, "remote", engine.LoadOptions{}); err != nil {
				t.Fatal(err)
			}
			st := waitRemote(t, e, tc.module, 2*time.Minute)
			if !slices.Equal(st.Actions, tc.actions) {
				t.Errorf("actions %v, want %v (read from the module)", st.Actions, tc.actions)
			}

			// The module's bytes, from its ConfigMaps, in order.
			var got bytes.Buffer
			for i := range parts {
				cm := c.get(ns, configMapsGVR, kubebackend.WasmConfigMapName(tc.module, i))
				if cm == nil {
					t.Fatalf("ConfigMap %d of %d missing", i, parts)
				}
				checkJsorcLabels(t, cm, tc.module)
				b64, _, _ := unstructured.NestedString(cm.Object, "binaryData", "module.wasm")
				b, err := base64.StdEncoding.DecodeString(b64)
				if err != nil {
					t.Fatal(err)
				}
				got.Write(b)
			}
			if c.get(ns, configMapsGVR, kubebackend.WasmConfigMapName(tc.module, parts)) != nil {
				t.Errorf("a ConfigMap beyond the %d parts", parts)
			}
			if !bytes.Equal(got.Bytes(), raw) {
				t.Errorf("the ConfigMaps hold %d bytes that are not the module's %d", got.Len(), len(raw))
			}

			dep := c.get(ns, deploymentsGVR, kube.ActionServerName(tc.module))
			if dep == nil {
				t.Fatal("no Deployment")
			}
			checkJsorcLabels(t, dep, tc.module)
			ann, _, _ := unstructured.NestedString(dep.Object, "spec", "template", "metadata", "annotations", kubebackend.AnnotationWasmSHA256)
			if ann != wasm.Digest(raw) {
				t.Errorf("pod annotation %s = %q, want the module's digest", kubebackend.AnnotationWasmSHA256, ann)
			}
			ctrs, _, _ := unstructured.NestedSlice(dep.Object, "spec", "template", "spec", "containers")
			ctr := ctrs[0].(map[string]any)
			args := toStrings(ctr["args"])
			wantArgs := []string{"serve-action", "--addr", "0.0.0.0:8000", "--name", tc.module, "--wasm", kubebackend.WasmFile, "--wasm-config"}
			if len(args) != len(wantArgs)+1 || !slices.Equal(args[:len(wantArgs)], wantArgs) {
				t.Errorf("container args %v, want %v and the settings", args, wantArgs)
			} else if cfg := args[len(args)-1]; cfg != fmt.Sprintf(`{"sha256":"%s","env":{"MODE":"kube"},"instances":2}`, wasm.Digest(raw)) {
				t.Errorf("--wasm-config %s", cfg)
			}
			mounts, _ := ctr["volumeMounts"].([]any)
			if len(mounts) != 1 || mounts[0].(map[string]any)["mountPath"] != kubebackend.WasmMountDir || mounts[0].(map[string]any)["readOnly"] != true {
				t.Errorf("volume mounts %v", mounts)
			}
			vols, _, _ := unstructured.NestedSlice(dep.Object, "spec", "template", "spec", "volumes")
			if len(vols) != 1 {
				t.Fatalf("volumes %v", vols)
			}
			v := vols[0].(map[string]any)
			if parts == 1 {
				items, _, _ := unstructured.NestedSlice(v, "configMap", "items")
				if len(items) != 1 || items[0].(map[string]any)["path"] != "module.wasm" {
					t.Errorf("single-part volume %v", v)
				}
			} else {
				srcs, _, _ := unstructured.NestedSlice(v, "projected", "sources")
				if len(srcs) != parts {
					t.Fatalf("projected volume of %d sources, want %d", len(srcs), parts)
				}
				for i, s := range srcs {
					items, _, _ := unstructured.NestedSlice(s.(map[string]any), "configMap", "items")
					if p := items[0].(map[string]any)["path"]; p != fmt.Sprintf("module.wasm.%03d", i) {
						t.Errorf("part %d mounted as %v", i, p)
					}
				}
			}

			// Retiring deletes the ConfigMaps with the Deployment.
			if _, err := e.Unload(ctx, tc.module, "auto", true); err != nil {
				t.Fatal(err)
			}
			eventually(t, 2*time.Minute, "ConfigMaps gone", func() bool {
				return c.get(ns, configMapsGVR, kubebackend.WasmConfigMapName(tc.module, 0)) == nil &&
					c.get(ns, deploymentsGVR, kube.ActionServerName(tc.module)) == nil
			})
		})
	}
}

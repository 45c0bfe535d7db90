package kube

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jsorc/jsorc/engine/actions"
	"github.com/jsorc/jsorc/engine/backend"
	"github.com/jsorc/jsorc/engine/wasm"
	k8s "github.com/jsorc/jsorc/kube"
)

// How a WebAssembly module reaches its pod (docs/wasm-abi.md): in
// ConfigMaps' binaryData, mounted read-only at WasmMountDir — one
// ConfigMap when it fits, else parts side by side in a projected volume,
// which `serve-action --wasm` joins.
const (
	// WasmMountDir is where the module's volume is mounted.
	WasmMountDir = "/wasm"
	// WasmFile is the module's path in the pod.
	WasmFile = WasmMountDir + "/module.wasm"
	// WasmPartBytes is the most one ConfigMap carries: a ConfigMap holds at
	// most 1 MiB, metadata included.
	WasmPartBytes = 900 << 10
	// WasmMaxBytes is the largest module shipped in ConfigMaps.
	WasmMaxBytes = 64 << 20
	// AnnotationWasmSHA256 on the pod template carries the module's digest,
	// so a new build rolls the Deployment.
	AnnotationWasmSHA256 = "jsorc.dev/wasm-sha256"
	wasmVolume           = "wasm-module"
	wasmKey              = "module.wasm"
)

// wasmPlan is the Deployment and Service of `jsorc serve-action --wasm`
// in the engine's image, with the module in ConfigMaps mounted beside.
func (kb *Backend) wasmPlan(spec backend.ServerSpec) (plan, error) {
	name, ns := spec.Module, kb.kc.Namespace()
	raw, err := wasm.ReadFile(spec.Wasm.Path)
	if err != nil {
		return plan{}, backend.Errorf(backend.ErrInvalid, "module %q: %v", name, err)
	}
	if len(raw) > WasmMaxBytes {
		return plan{}, backend.Errorf(backend.ErrInvalid, "module %q: %d bytes is more than the %d MiB jsorc ships in ConfigMaps; build an image holding it and give kube.manifests running `jsorc serve-action --wasm FILE`", name, len(raw), WasmMaxBytes>>20)
	}
	port := DefaultPort
	if spec.Port > 0 {
		port = spec.Port
	}
	cfg, err := json.Marshal(spec.Wasm)
	if err != nil {
		return plan{}, fmt.Errorf("module %q: encoding its wasm settings: %w", name, err)
	}
	objs := k8s.ActionServerManifests(name, kb.image, port, []string{"--name", name, "--wasm", WasmFile, "--wasm-config", string(cfg)}, 1)
	cms, volume := wasmConfigMaps(name, raw)
	if err := mountWasm(objs, volume, wasm.Digest(raw)); err != nil {
		return plan{}, fmt.Errorf("module %q: %w", name, err)
	}
	svc := k8s.ActionServerName(name)
	return plan{objs: append(cms, objs...), deployment: svc, service: svc, port: port, url: k8s.ServiceURL(svc, ns, port)}, nil
}

// WasmConfigMapName is the name of part i of module's ConfigMaps.
func WasmConfigMapName(module string, i int) string {
	return k8s.ResourceName("jsorc-wasm-", fmt.Sprintf("%s-%d", module, i))
}

// wasmConfigMaps cuts the module into ConfigMaps and returns them with the
// volume that mounts them: a plain configMap volume for one part, a
// projected volume of module.wasm.000, .001, ... for several.
func wasmConfigMaps(module string, raw []byte) ([]map[string]any, map[string]any) {
	var cms []map[string]any
	var sources []any
	parts := (len(raw) + WasmPartBytes - 1) / WasmPartBytes
	for i := range parts {
		chunk := raw[i*WasmPartBytes : min(len(raw), (i+1)*WasmPartBytes)]
		name := WasmConfigMapName(module, i)
		cms = append(cms, map[string]any{
			"apiVersion": "v1",
			"kind":       "ConfigMap",
			"metadata":   map[string]any{"name": name},
			"binaryData": map[string]any{wasmKey: base64.StdEncoding.EncodeToString(chunk)},
		})
		path := wasmKey
		if parts > 1 {
			path = fmt.Sprintf("%s.%03d", wasmKey, i)
		}
		sources = append(sources, map[string]any{"configMap": map[string]any{
			"name": name, "items": []any{map[string]any{"key": wasmKey, "path": path}},
		}})
	}
	if parts == 1 {
		return cms, map[string]any{"name": wasmVolume, "configMap": sources[0].(map[string]any)["configMap"]}
	}
	return cms, map[string]any{"name": wasmVolume, "projected": map[string]any{"sources": sources}}
}

// mountWasm turns the serve-action Deployment of objs into one serving the
// module: no built-in argument, the module's volume mounted read-only, and
// its digest on the pod template.
func mountWasm(objs []map[string]any, volume map[string]any, sum string) error {
	for _, o := range objs {
		if o["kind"] != "Deployment" {
			continue
		}
		spec, _ := o["spec"].(map[string]any)
		tmpl, _ := spec["template"].(map[string]any)
		pod, _ := tmpl["spec"].(map[string]any)
		ctrs, _ := pod["containers"].([]any)
		if len(ctrs) == 0 {
			break
		}
		ctr, _ := ctrs[0].(map[string]any)
		args, _ := ctr["args"].([]any)
		if len(args) < 2 || args[0] != "serve-action" {
			break
		}
		ctr["args"] = append([]any{"serve-action"}, args[2:]...)
		ctr["volumeMounts"] = []any{map[string]any{"name": wasmVolume, "mountPath": WasmMountDir, "readOnly": true}}
		pod["volumes"] = []any{volume}
		meta, _ := tmpl["metadata"].(map[string]any)
		ann, _ := meta["annotations"].(map[string]any)
		if ann == nil {
			ann = map[string]any{}
			meta["annotations"] = ann
		}
		ann[AnnotationWasmSHA256] = sum
		return nil
	}
	return fmt.Errorf("the action server manifests have no serve-action container")
}

// wasmSpec lists a wasm module's actions, for when its server's spec
// endpoint cannot be read: the module is loaded once from the engine's
// compiled-code cache.
func wasmSpec(spec backend.ServerSpec) (map[string][]string, error) {
	raw, err := wasm.ReadFile(spec.Wasm.Path)
	if err != nil {
		return nil, backend.Errorf(backend.ErrInvalid, "module %q: %v", spec.Module, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	m, err := wasm.Load(ctx, raw, wasm.Options{Name: spec.Module, CacheDir: spec.Wasm.CacheDir, Instances: 1})
	if err != nil {
		return nil, backend.Errorf(backend.ErrInvalid, "module %q: listing its actions: %v", spec.Module, err)
	}
	defer m.Close()
	return actions.Spec(spec.Module, m), nil
}

package kube

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"k8s.io/apimachinery/pkg/util/yaml"
)

// DecodeManifests reads Kubernetes objects from YAML (documents separated by
// "---") or JSON, as a user's service definition file holds them. Empty
// documents are skipped; a "kind: List" is expanded into its items.
func DecodeManifests(data []byte) ([]map[string]any, error) {
	dec := yaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var objs []map[string]any
	for i := 0; ; i++ {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return objs, nil
			}
			return nil, fmt.Errorf("kube: manifest document %d: %w", i, err)
		}
		if len(m) == 0 {
			continue
		}
		if m["kind"] == "List" {
			items, _ := m["items"].([]any)
			for j, it := range items {
				o, ok := it.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("kube: manifest document %d: item %d is not an object", i, j)
				}
				objs = append(objs, o)
			}
			continue
		}
		objs = append(objs, m)
	}
}

package kube

import (
	"encoding/json"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func jsonValue(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestContains(t *testing.T) {
	tests := []struct {
		name       string
		live, want string
		ok         bool
	}{
		{"equal scalars", `{"a":1,"b":"x","c":true}`, `{"a":1,"b":"x","c":true}`, true},
		{"extra live keys", `{"a":1,"status":{"x":1}}`, `{"a":1}`, true},
		{"changed number", `{"replicas":5}`, `{"replicas":2}`, false},
		{"changed string", `{"image":"b"}`, `{"image":"a"}`, false},
		{"missing key", `{}`, `{"a":"x"}`, false},
		{"empty wanted map absent", `{}`, `{"resources":{}}`, true},
		{"null wanted", `{}`, `{"a":null}`, true},
		{"number vs string", `{"port":"80"}`, `{"port":80}`, false},
		{"scalar list equal", `{"args":["a","b"]}`, `{"args":["a","b"]}`, true},
		{"scalar list reordered", `{"args":["b","a"]}`, `{"args":["a","b"]}`, false},
		{"scalar list longer", `{"args":["a","b","c"]}`, `{"args":["a","b"]}`, false},
		{"object list with defaults", `{"ports":[{"name":"http","containerPort":80,"protocol":"TCP"}]}`,
			`{"ports":[{"name":"http","containerPort":80}]}`, true},
		{"object list extra element (other manager)", `{"env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]}`,
			`{"env":[{"name":"A","value":"1"}]}`, true},
		{"object list reordered", `{"env":[{"name":"B","value":"2"},{"name":"A","value":"1"}]}`,
			`{"env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]}`, true},
		{"object list element changed", `{"env":[{"name":"A","value":"9"}]}`, `{"env":[{"name":"A","value":"1"}]}`, false},
		{"object list element removed", `{"env":[{"name":"B","value":"2"}]}`,
			`{"env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]}`, false},
		{"empty list absent", `{}`, `{"args":[]}`, true},
		{"map vs scalar", `{"a":"x"}`, `{"a":{"b":1}}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			live := jsonValue(t, tt.live)
			// live objects hold int64 numbers, as unstructured does
			u := &unstructured.Unstructured{}
			if err := u.UnmarshalJSON([]byte(`{"apiVersion":"v1","kind":"X","x":` + tt.live + `}`)); err != nil {
				t.Fatal(err)
			}
			for _, l := range []any{live, u.Object["x"]} {
				if got := contains(l, jsonValue(t, tt.want)); got != tt.ok {
					t.Errorf("contains(%s, %s) = %v, want %v (live %T)", tt.live, tt.want, got, tt.ok, l)
				}
			}
		})
	}
}

func TestConfigVersionIgnoresOrderAndSeesChanges(t *testing.T) {
	c := &Client{namespace: "ns"}
	a := ActionServerManifests("m", "img", 8000, nil, 1)
	b := []map[string]any{a[1], a[0]}
	va, err := c.ConfigVersion(a)
	if err != nil {
		t.Fatal(err)
	}
	vb, _ := c.ConfigVersion(b)
	if va != vb {
		t.Errorf("order changed the config version: %s vs %s", va, vb)
	}
	vc, _ := c.ConfigVersion(ActionServerManifests("m", "img", 8000, nil, 2))
	if va == vc {
		t.Error("a different replica count kept the config version")
	}
	if len(va) > 63 || strings.Trim(va, "0123456789abcdef") != "" {
		t.Errorf("config version %q is not a short hex label value", va)
	}
}

func TestNormaliseNamespaces(t *testing.T) {
	c := &Client{namespace: "jsorc"}
	u, err := c.normalise(map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "x"}})
	if err != nil || u.GetNamespace() != "jsorc" {
		t.Fatalf("normalise = %v, %v; want namespace defaulted", u, err)
	}
	_, err = c.normalise(map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "x", "namespace": "other"}})
	if err == nil || !strings.Contains(err.Error(), `manages namespace "jsorc" only`) {
		t.Errorf("normalise in another namespace: %v", err)
	}
	in := map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "x"}}
	_, _ = c.normalise(in)
	if _, ok := in["metadata"].(map[string]any)["namespace"]; ok {
		t.Error("normalise modified its input")
	}
}

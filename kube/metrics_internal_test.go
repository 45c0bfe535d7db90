package kube

import (
	"encoding/json"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
)

// podMetricsObject is a PodMetrics object of metrics.k8s.io/v1beta1 whose
// containers use cpu and memory as the metrics API writes them.
func podMetricsObject(name string, usages ...[2]string) *unstructured.Unstructured {
	var containers []any
	for i, u := range usages {
		usage := map[string]any{}
		if u[0] != "" {
			usage["cpu"] = u[0]
		}
		if u[1] != "" {
			usage["memory"] = u[1]
		}
		containers = append(containers, map[string]any{"name": "c" + string(rune('0'+i)), "usage": usage})
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "metrics.k8s.io/v1beta1", "kind": "PodMetrics",
		"metadata":  map[string]any{"name": name},
		"timestamp": "2026-12-04T21:00:00Z", "window": "15.012s",
		"containers": containers,
	}}
}

// decodeUsage reads obj as PodMetrics reads an item of the list.
func decodeUsage(t *testing.T, obj *unstructured.Unstructured) (PodUsage, error) {
	t.Helper()
	raw, err := obj.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var p podMetrics
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	return p.usage()
}

func TestPodUsageUnits(t *testing.T) {
	tests := []struct {
		name       string
		usages     [][2]string
		wantMilli  float64 // millicores
		wantBytes  int64
		wantErrSub string
	}{
		{"millicores and mebibytes", [][2]string{{"250m", "64Mi"}}, 250, 64 << 20, ""},
		{"nanocores and kibibytes, as metrics-server writes them", [][2]string{{"1234567n", "24576Ki"}}, 1.234567, 24576 << 10, ""},
		{"whole cores and decimal units", [][2]string{{"2", "1G"}}, 2000, 1_000_000_000, ""},
		{"microcores", [][2]string{{"1500u", "100"}}, 1.5, 100, ""},
		{"containers are summed", [][2]string{{"100m", "10Mi"}, {"50m", "6Mi"}}, 150, 16 << 20, ""},
		{"a container without usage counts zero", [][2]string{{"", ""}, {"10m", "1Ki"}}, 10, 1024, ""},
		{"no containers", nil, 0, 0, ""},
		{"a cpu that does not parse", [][2]string{{"lots", "1Mi"}}, 0, 0, `usage cpu "lots"`},
		{"a memory that does not parse", [][2]string{{"1m", "12 MB"}}, 0, 0, `usage memory "12 MB"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := decodeUsage(t, podMetricsObject("p", tc.usages...))
			if tc.wantErrSub != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErrSub) || !strings.Contains(err.Error(), "PodMetrics p") {
					t.Fatalf("err = %v; want one naming the pod and %s", err, tc.wantErrSub)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := float64(u.CPUNano) / 1e6; got != tc.wantMilli {
				t.Errorf("CPU = %v millicores; want %v", got, tc.wantMilli)
			}
			if u.MemBytes != tc.wantBytes {
				t.Errorf("memory = %d bytes; want %d", u.MemBytes, tc.wantBytes)
			}
			if u.Window.Seconds() != 15.012 || u.At.IsZero() {
				t.Errorf("window %v at %v; want 15.012s at the timestamp", u.Window, u.At)
			}
		})
	}
}

func TestSumByOwner(t *testing.T) {
	sel := func(instance string) labels.Selector {
		return labels.SelectorFromSet(labels.Set{"app.kubernetes.io/instance": instance})
	}
	owners := []OwnerSelector{{Owner: "qa", Selector: sel("jsorc-action-qa")}, {Owner: "enc", Selector: sel("jsorc-action-enc")}}
	byName := func(pod string) string {
		if strings.HasPrefix(pod, "jsorc-action-enc-") {
			return "enc"
		}
		return ""
	}
	pod := func(name, instance string, nano, bytes int64) PodUsage {
		p := PodUsage{Name: name, CPUNano: nano, MemBytes: bytes}
		if instance != "" {
			p.Labels = map[string]string{"app.kubernetes.io/instance": instance}
		}
		return p
	}
	tests := []struct {
		name   string
		pods   []PodUsage
		want   map[string]Usage
		owners map[string]string
	}{
		{"nothing", nil, map[string]Usage{}, map[string]string{}},
		{"one pod", []PodUsage{pod("jsorc-action-qa-1", "jsorc-action-qa", 5e8, 100)},
			map[string]Usage{"qa": {CPUNano: 5e8, MemBytes: 100, Pods: 1}}, map[string]string{"jsorc-action-qa-1": "qa"}},
		{"a module's replicas are summed", []PodUsage{
			pod("jsorc-action-qa-1", "jsorc-action-qa", 25e7, 100),
			pod("jsorc-action-qa-2", "jsorc-action-qa", 75e7, 300),
			pod("jsorc-action-enc-1", "jsorc-action-enc", 1e6, 7),
		}, map[string]Usage{"qa": {CPUNano: 1e9, MemBytes: 400, Pods: 2}, "enc": {CPUNano: 1e6, MemBytes: 7, Pods: 1}},
			map[string]string{"jsorc-action-qa-1": "qa", "jsorc-action-qa-2": "qa", "jsorc-action-enc-1": "enc"}},
		{"a pod without labels goes by its name", []PodUsage{pod("jsorc-action-enc-abc", "", 3, 4)},
			map[string]Usage{"enc": {CPUNano: 3, MemBytes: 4, Pods: 1}}, map[string]string{"jsorc-action-enc-abc": "enc"}},
		{"pods of nobody are left out", []PodUsage{pod("someone-else", "other", 9, 9), pod("bare", "", 1, 1)},
			map[string]Usage{}, map[string]string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, podOwner := SumByOwner(tc.pods, owners, byName)
			if len(got) != len(tc.want) {
				t.Fatalf("sums %v; want %v", got, tc.want)
			}
			for k, w := range tc.want {
				if got[k] != w {
					t.Errorf("%s: %+v; want %+v", k, got[k], w)
				}
			}
			if len(podOwner) != len(tc.owners) {
				t.Fatalf("pods %v; want %v", podOwner, tc.owners)
			}
			for k, w := range tc.owners {
				if podOwner[k] != w {
					t.Errorf("pod %s: owner %q; want %q", k, podOwner[k], w)
				}
			}
		})
	}
	if c := (Usage{CPUNano: 1_500_000_000}).Cores(); c != 1.5 {
		t.Errorf("Cores = %v; want 1.5", c)
	}
}

package kube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
)

// The resource metrics API (metrics.k8s.io, which metrics-server serves
// where a cluster runs it): whether the cluster serves it, and the CPU and
// memory of the pods of one namespace. jsorc's Role allows get and list of
// pods.metrics.k8s.io in its namespace (testdata/role.yaml).

// MetricsGroup is the API group of the resource metrics API.
const MetricsGroup = "metrics.k8s.io"

// podMetricsGVR is the PodMetrics resource jsorc reads.
var podMetricsGVR = schema.GroupVersionResource{Group: MetricsGroup, Version: "v1beta1", Resource: "pods"}

// ErrNoMetricsAPI says that the cluster serves no metrics.k8s.io (no
// metrics-server, or none registered for v1beta1 pods).
var ErrNoMetricsAPI = errors.New("the cluster serves no " + MetricsGroup)

// PodUsage is one pod's CPU and memory as the metrics API measured them:
// the sum over its containers, over the window ending at At.
type PodUsage struct {
	Name   string
	Labels map[string]string
	// CPUNano is the CPU used, in nanocores (1e9 = one core); MemBytes the
	// working-set memory in bytes.
	CPUNano  int64
	MemBytes int64
	At       time.Time
	Window   time.Duration
}

// Cores is the CPU used, in cores.
func (u PodUsage) Cores() float64 { return float64(u.CPUNano) / 1e9 }

// Usage is the CPU and memory summed over an owner's pods.
type Usage struct {
	CPUNano  int64
	MemBytes int64
	Pods     int
}

// Cores is the CPU used, in cores.
func (u Usage) Cores() float64 { return float64(u.CPUNano) / 1e9 }

// MetricsReader reads the metrics API in one namespace: the discovery
// check (is it served?) and the PodMetrics of the namespace. Its methods
// are safe for concurrent use.
type MetricsReader struct {
	namespace string
	// rest reaches the API server's paths (discovery's client).
	rest rest.Interface
}

// Metrics is the client's reader of the metrics API in its namespace.
func (c *Client) Metrics() *MetricsReader {
	return &MetricsReader{namespace: c.namespace, rest: c.clientset.Discovery().RESTClient()}
}

// NewMetricsReader builds a reader of the metrics API of the API server rc
// names, in namespace; it contacts nothing until asked.
func NewMetricsReader(rc *rest.Config, namespace string) (*MetricsReader, error) {
	d, err := discovery.NewDiscoveryClientForConfig(rc)
	if err != nil {
		return nil, fmt.Errorf("kube: discovery client: %w", err)
	}
	return &MetricsReader{namespace: namespace, rest: d.RESTClient()}, nil
}

// Served asks the API server's discovery whether it serves PodMetrics
// (metrics.k8s.io/v1beta1, resource pods, verb list). It answers nil when
// it does, an error wrapping [ErrNoMetricsAPI] when the group or the
// resource is not there, and another error when the API server did not
// answer the question (the aggregated API registered but its server down,
// a timeout).
func (m *MetricsReader) Served(ctx context.Context) error {
	gv := podMetricsGVR.GroupVersion().String()
	raw, err := m.rest.Get().AbsPath("/apis", podMetricsGVR.Group, podMetricsGVR.Version).Do(ctx).Raw()
	switch {
	case apierrors.IsNotFound(err):
		return fmt.Errorf("%w (discovery has no %s)", ErrNoMetricsAPI, gv)
	case apierrors.IsServiceUnavailable(err):
		return fmt.Errorf("kube: %s is registered but its server does not answer (is metrics-server running?): %w", gv, err)
	case err != nil:
		return fmt.Errorf("kube: discovery of %s: %w", gv, err)
	}
	var list metav1.APIResourceList
	if err := json.Unmarshal(raw, &list); err != nil {
		return fmt.Errorf("kube: discovery of %s: decoding the answer: %w", gv, err)
	}
	for _, r := range list.APIResources {
		if r.Name == podMetricsGVR.Resource && slices.Contains(r.Verbs, "list") {
			return nil
		}
	}
	return fmt.Errorf("%w (%s serves no listable pods)", ErrNoMetricsAPI, gv)
}

// PodMetrics lists the PodMetrics of the namespace (one request),
// restricted to selector when it is not empty. The list is decoded into
// the few fields it needs rather than into unstructured maps: that is a
// third of the time and of the garbage at every sample.
func (m *MetricsReader) PodMetrics(ctx context.Context, selector string) ([]PodUsage, error) {
	req := m.rest.Get().AbsPath("/apis", podMetricsGVR.Group, podMetricsGVR.Version, "namespaces", m.namespace, podMetricsGVR.Resource)
	if selector != "" {
		req = req.Param("labelSelector", selector)
	}
	raw, err := req.Do(ctx).Raw()
	if err != nil {
		if apierrors.IsForbidden(err) {
			return nil, fmt.Errorf("kube: the engine may not list %s in namespace %s (its Role needs get, list on pods.%s): %w",
				podMetricsGVR.GroupResource(), m.namespace, MetricsGroup, err)
		}
		return nil, fmt.Errorf("kube: listing %s in namespace %s: %w", podMetricsGVR.GroupResource(), m.namespace, err)
	}
	var list podMetricsList
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("kube: listing %s in namespace %s: decoding the answer: %w", podMetricsGVR.GroupResource(), m.namespace, err)
	}
	out := make([]PodUsage, 0, len(list.Items))
	for i := range list.Items {
		u, err := list.Items[i].usage()
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// podMetricsList holds what jsorc reads of a PodMetricsList of
// metrics.k8s.io/v1beta1.
type podMetricsList struct {
	Items []podMetrics `json:"items"`
}

// podMetrics holds what jsorc reads of one PodMetrics.
type podMetrics struct {
	Metadata struct {
		Name   string            `json:"name"`
		Labels map[string]string `json:"labels"`
	} `json:"metadata"`
	Timestamp  string `json:"timestamp"`
	Window     string `json:"window"`
	Containers []struct {
		Name  string            `json:"name"`
		Usage map[string]string `json:"usage"`
	} `json:"containers"`
}

// usage reads one PodMetrics: its containers' usage summed. A quantity
// that does not parse is an error naming the pod and the container.
func (p *podMetrics) usage() (PodUsage, error) {
	u := PodUsage{Name: p.Metadata.Name, Labels: p.Metadata.Labels}
	u.At, _ = time.Parse(time.RFC3339, p.Timestamp)
	u.Window, _ = time.ParseDuration(p.Window)
	for _, c := range p.Containers {
		cpu, err := quantity(c.Usage, "cpu")
		if err != nil {
			return u, fmt.Errorf("kube: PodMetrics %s, container %s: %w", u.Name, c.Name, err)
		}
		mem, err := quantity(c.Usage, "memory")
		if err != nil {
			return u, fmt.Errorf("kube: PodMetrics %s, container %s: %w", u.Name, c.Name, err)
		}
		u.CPUNano += cpu.ScaledValue(resource.Nano)
		u.MemBytes += mem.Value()
	}
	return u, nil
}

// quantity parses usage[key], zero when absent.
func quantity(usage map[string]string, key string) (resource.Quantity, error) {
	s, ok := usage[key]
	if !ok {
		return resource.Quantity{}, nil
	}
	q, err := resource.ParseQuantity(s)
	if err != nil {
		return q, fmt.Errorf("usage %s %q: %w", key, s, err)
	}
	return q, nil
}

// OwnerSelector is an owner's pods' label selector: its Deployment's
// spec.selector.matchLabels.
type OwnerSelector struct {
	Owner    string
	Selector labels.Selector
}

// SumByOwner sums the usage of pods by owner: a pod belongs to the owner
// whose selector matches its labels, or, when its labels match none (a
// PodMetrics without labels), to the owner whose Deployment its name
// continues (DEPLOY-HASH-ID), by ownerOfName. Pods of no owner are left
// out. Pods maps each counted pod to its owner.
func SumByOwner(pods []PodUsage, owners []OwnerSelector, ownerOfName func(pod string) string) (sums map[string]Usage, podOwner map[string]string) {
	sums, podOwner = map[string]Usage{}, map[string]string{}
	for _, p := range pods {
		owner := ""
		for _, o := range owners {
			if len(p.Labels) > 0 && o.Selector.Matches(labels.Set(p.Labels)) {
				owner = o.Owner
				break
			}
		}
		if owner == "" && ownerOfName != nil {
			owner = ownerOfName(p.Name)
		}
		if owner == "" {
			continue
		}
		s := sums[owner]
		s.CPUNano += p.CPUNano
		s.MemBytes += p.MemBytes
		s.Pods++
		sums[owner] = s
		podOwner[p.Name] = owner
	}
	return sums, podOwner
}

// OwnerSelectors are the pod selectors of jsorc's Deployments, from the
// cache, by owner.
func (o *Observer) OwnerSelectors() []OwnerSelector {
	var out []OwnerSelector
	for _, d := range o.deployments() {
		match, _, _ := unstructured.NestedStringMap(d.Object, "spec", "selector", "matchLabels")
		if len(match) == 0 || d.GetDeletionTimestamp() != nil {
			continue
		}
		out = append(out, OwnerSelector{Owner: d.GetLabels()[LabelOwner], Selector: labels.SelectorFromSet(match)})
	}
	slices.SortFunc(out, func(a, b OwnerSelector) int { return strings.Compare(a.Owner, b.Owner) })
	return out
}

// OwnerOfPod is the owner of the Deployment a pod's name continues, ""
// when none.
func (o *Observer) OwnerOfPod(name string) string { return o.ownerOf(name) }

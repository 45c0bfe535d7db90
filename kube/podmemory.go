package kube

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// PodMemory is the memory one pod of a Deployment asks for, from its
// template: what a replica costs of a node where nothing measures it.
type PodMemory struct {
	// Bytes is the sum over the pod's containers of each one's memory
	// request, or its limit when it gives no request (the request
	// Kubernetes then assumes); 0 when no container gives either.
	Bytes int64
	// From says where the figure comes from: "request", "limit", or
	// "request and limit" when containers differ; "" with no figure.
	From string
}

// PodMemoryOf reads the memory a Deployment's pods ask for from the
// Deployment object (spec.template.spec.containers[].resources). A
// quantity that does not parse is an error naming the container.
func PodMemoryOf(deployment map[string]any) (PodMemory, error) {
	ctrs, _, _ := unstructured.NestedSlice(deployment, "spec", "template", "spec", "containers")
	var out PodMemory
	var requests, limits int
	for i, c := range ctrs {
		ctr, _ := c.(map[string]any)
		name, _ := ctr["name"].(string)
		if name == "" {
			name = fmt.Sprint(i)
		}
		for _, kind := range []string{"requests", "limits"} {
			v, found, _ := unstructured.NestedFieldNoCopy(ctr, "resources", kind, "memory")
			if !found || v == nil {
				continue
			}
			s, ok := v.(string)
			if !ok {
				s = fmt.Sprint(v) // a number in a manifest not yet through the API server
			}
			q, err := resource.ParseQuantity(s)
			if err != nil {
				return PodMemory{}, fmt.Errorf("container %s: resources.%s.memory %q: %w", name, kind, s, err)
			}
			out.Bytes += q.Value()
			if kind == "requests" {
				requests++
			} else {
				limits++
			}
			break
		}
	}
	switch {
	case requests > 0 && limits > 0:
		out.From = "request and limit"
	case requests > 0:
		out.From = "request"
	case limits > 0:
		out.From = "limit"
	}
	return out, nil
}

// DeploymentMemory is the memory each pod of the owner's Deployment name
// asks for, read from the informer cache (no API call); the zero
// PodMemory when the Deployment is not cached or asks for none.
func (c *Client) DeploymentMemory(owner, name string) (PodMemory, error) {
	u := c.cached(schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}, c.namespace, name)
	if u == nil || u.GetLabels()[LabelOwner] != owner {
		return PodMemory{}, nil
	}
	return PodMemoryOf(u.Object)
}

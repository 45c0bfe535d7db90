package kube_test

import (
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// podsPerNode is what a kwok node of the test cluster takes, as a kubelet
// would by default: the scheduler leaves every pod beyond it Pending.
const podsPerNode = 110

// addNodes adds count fake nodes to the test cluster for the rest of the
// benchmark: kwok runs every node annotated kwok.x-k8s.io/node=fake (as it
// runs kwok-node-0), so their pods become Running and Ready. One node takes
// 110 pods, fewer than 1,000 modules need. It waits until they are Ready and
// deletes them at the end.
func (c *kubeCluster) addNodes(b *testing.B, prefix string, count int) {
	b.Helper()
	ctx := ctxT(b)
	nodes := c.cs.CoreV1().Nodes()
	names := make([]string, count)
	for i := range names {
		names[i] = fmt.Sprintf("%s-%d", prefix, i)
		pods := resource.MustParse(fmt.Sprint(podsPerNode))
		capacity := corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("32"),
			corev1.ResourceMemory: resource.MustParse("256Gi"),
			corev1.ResourcePods:   pods,
		}
		// A node's status may be set when it is created; kwok keeps it.
		node := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{
				Name:        names[i],
				Annotations: map[string]string{"kwok.x-k8s.io/node": "fake"},
				Labels:      map[string]string{"type": "kwok", "kubernetes.io/hostname": names[i], "kubernetes.io/os": "linux"},
			},
			Status: corev1.NodeStatus{Capacity: capacity, Allocatable: capacity},
		}
		if _, err := nodes.Create(ctx, node, metav1.CreateOptions{}); err != nil {
			b.Fatalf("adding fake node %s: %v", names[i], err)
		}
	}
	b.Cleanup(func() {
		for _, name := range names {
			if err := nodes.Delete(ctxT(b), name, metav1.DeleteOptions{}); err != nil {
				b.Errorf("deleting fake node %s: %v", name, err)
			}
		}
	})
	deadline := time.Now().Add(time.Minute)
	for _, name := range names {
		for {
			n, err := nodes.Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				b.Fatalf("fake node %s: %v", name, err)
			}
			if nodeReady(n) {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("fake node %s not Ready after a minute: is kwok running?", name)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
}

// nodeReady reports whether n's Ready condition is True.
func nodeReady(n *corev1.Node) bool {
	for _, cond := range n.Status.Conditions {
		if cond.Type == corev1.NodeReady {
			return cond.Status == corev1.ConditionTrue
		}
	}
	return false
}

// Package kubetest is the test harness shared by the tests that need a real
// Kubernetes cluster (package kube's and the engine's): it finds the
// cluster's kubeconfig, skips loudly without one (and fails under CI=true),
// makes fresh namespaces, hands out ServiceAccount tokens, and counts API
// requests by kind. Only tests import it.
//
// The cluster comes from JSORC_TEST_KUBECONFIG, else KUBECONFIG: any cluster
// where the tests may create namespaces — kind, k3d, a dev cluster, or the
// control plane of ../shared/k8s.
package kubetest

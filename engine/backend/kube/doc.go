// Package kube is the kube backend: remote action servers and kept-alive
// services run as Deployments and Services in one namespace of a
// Kubernetes cluster.
//
// It wires the engine's backend seam (package backend) to the cluster
// client of package kube (imported here as k8s): its informers, whose
// events wake the action server and the service they belong to; server-side
// apply, drift and prune; and, for an engine outside the cluster, the
// port-forwards that carry calls and readiness probes to in-cluster action
// servers (the backend is a backend.Dialer). A module's server is STARTING
// until its Deployment has its ready replicas and, when the engine can
// reach it, its spec endpoint answers; objects changed or deleted by hand
// are re-applied. When the engine stops, its servers stay in the cluster
// and the next start adopts them; retiring a server deletes its objects.
//
// The keep-alive compares each kept service's objects in the informer
// cache with its definition every backoff_interval and on every watch event
// of its objects, applies what is missing or changed and prunes what an
// older definition left (never a PersistentVolumeClaim); in steady state a
// tick makes no API request.
//
// All client-go types stay here and in package kube: Options holds the
// kube backend's own settings (kubeconfig, in-cluster, namespace, image, a
// test's REST configuration), so the engine's options name none.
package kube

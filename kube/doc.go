// Package kube is jsorc's Kubernetes backend: it applies, watches, repairs and
// retires the objects that run remote action servers and kept-alive services
// in one namespace of a cluster, through k8s.io/client-go.
//
// # What it does
//
//   - [Client.Apply] writes an owner's objects with server-side apply, one
//     field manager ([DefaultFieldManager]) and force, and labels every object
//     with [LabelManagedBy], [LabelOwner] and [LabelConfigVersion] (a hash of the
//     owner's whole definition). Applying the same definition twice changes
//     nothing on the server: the resourceVersion stays the same.
//   - [Client.Start] runs one shared informer per tracked resource
//     ([DefaultResources]), filtered by the managed-by label and the namespace.
//     Readiness ([Client.DeploymentReady]), the memory a Deployment's pods
//     ask for ([Client.DeploymentMemory]), drift ([Client.Diff]) and the
//     owner's objects ([Client.Objects]) are read from that cache, so a
//     keep-alive tick in steady state makes no API request at all.
//     [Client.Watch] delivers an [Event] for every change the informers see,
//     so a Deployment deleted by hand is noticed within a second, not at the
//     next poll.
//   - [Client.Prune] deletes what an older definition created and the current
//     one no longer has, never a PersistentVolumeClaim unless asked to;
//     [Client.Delete] retires everything of an owner (foreground propagation,
//     each object's own grace period; NotFound is not an error).
//   - [Client.PortForward] reaches an in-cluster Service from an engine that
//     runs outside the cluster, through the API server's pod port-forward.
//   - manifests.go holds the manifests of an action server and of the bundled
//     services (redis, promon, db) as Go data.
//
// # Drift: how a change made by hand is found
//
// The keep-alive loop does not re-apply on every tick (that would cost one
// PATCH per object per tick). [Client.Diff] compares, in the cache, each
// object's config-version label with the current definition's hash, and then
// checks that every field jsorc applies still has the applied value on the
// live object (lists of objects are matched element by element, ignoring
// elements other managers added). Anything missing or different is reported,
// and the engine re-applies that owner: server-side apply with force takes the
// fields back from whichever manager changed them. A value the API server
// normalises (a quantity written "0.5" comes back "500m") would be reported as
// changed on every tick and cost one idempotent PATCH; the bundled manifests
// use canonical forms so that does not happen.
//
// # What it must not know
//
// Package kube imports nothing of this project but the leaf package
// internal/pubsub, the broker its watch events go through. It knows owners
// only as strings and objects only as unstructured maps; the engine decides
// what an owner is (an action module, a service) and when to apply, prune or
// delete.
//
// # Permissions
//
// Everything the package does is allowed by the namespace-scoped Role in
// testdata/role.yaml, and nothing more: list, watch, create, patch and delete
// on deployments, services, configmaps and persistentvolumeclaims (server-side
// apply is a PATCH, and creating through it also needs create), get on
// services and list on pods (PortForward), create on pods/portforward, and
// get and list on pods.metrics.k8s.io (the CPU and memory of pods, where the
// cluster serves the metrics API; [MetricsReader]).
// The tests bind it to a ServiceAccount, authenticate with a TokenRequest
// token, and check that the client works in its namespace and is Forbidden in
// another.
//
// # Logs
//
// client-go logs through klog to stderr. A program with a terminal UI calls
// [RouteClientGoLogs] once from main.
//
// # Testing
//
// The tests run against a real cluster (kwok simulates pods on the one in
// ../shared/k8s; kind, k3d or any dev cluster works too). Point
// JSORC_TEST_KUBECONFIG (or KUBECONFIG) at its kubeconfig; each test creates
// its own namespace and deletes it at the end without waiting. With neither
// variable the cluster tests are skipped with a loud message, and under
// CI=true they fail instead. Benchmarks (go test -bench . ./kube) report the
// time from Apply to a ready Deployment and the API requests per keep-alive
// tick.
package kube

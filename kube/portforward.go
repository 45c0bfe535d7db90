package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"
)

// PortForwardTimeout bounds how long PortForward waits for the API server to
// open the tunnel to the pod.
const PortForwardTimeout = 15 * time.Second

// ErrNoRunningPod is wrapped by PortForward's error when no running, ready
// pod backs the Service.
var ErrNoRunningPod = errors.New("no running pod")

// PortForward opens a local port on 127.0.0.1 that reaches port of the
// Service through the API server's port-forward of one of its running, ready
// pods (SPDY, as kubectl port-forward). It is how an engine outside the
// cluster calls an in-cluster action server. The returned stop closes the
// tunnel and waits for it; the tunnel also closes when ctx ends or the pod
// goes away (then connections to localAddr fail and the caller forwards
// again). It needs get on services, list on pods and create on
// pods/portforward. On a simulated cluster (kwok) pods run nothing and the
// API server cannot reach a kubelet, so it fails with an error saying so.
func (c *Client) PortForward(ctx context.Context, namespace, service string, port int) (localAddr string, stop func(), err error) {
	if namespace == "" {
		namespace = c.namespace
	}
	what := fmt.Sprintf("kube: port-forward to service %s/%s port %d", namespace, service, port)
	svc, err := c.clientset.CoreV1().Services(namespace).Get(ctx, service, metav1.GetOptions{})
	if err != nil {
		if apierrors.IsNotFound(err) {
			return "", nil, fmt.Errorf("%s: no such service: %w", what, err)
		}
		return "", nil, fmt.Errorf("%s: %w", what, err)
	}
	if len(svc.Spec.Selector) == 0 {
		return "", nil, fmt.Errorf("%s: the service has no pod selector", what)
	}
	var sp *corev1.ServicePort
	for i := range svc.Spec.Ports {
		if int(svc.Spec.Ports[i].Port) == port {
			sp = &svc.Spec.Ports[i]
		}
	}
	if sp == nil {
		return "", nil, fmt.Errorf("%s: the service has no such port", what)
	}
	pods, err := c.clientset.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{
		LabelSelector: labels.SelectorFromSet(svc.Spec.Selector).String(),
	})
	if err != nil {
		return "", nil, fmt.Errorf("%s: list pods: %w", what, err)
	}
	pod := pickPod(pods.Items)
	if pod == nil {
		return "", nil, fmt.Errorf("%s: %w behind it (%d pods match its selector)", what, ErrNoRunningPod, len(pods.Items))
	}
	target, err := targetPort(sp, pod)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", what, err)
	}
	return c.forwardPod(ctx, pod, target, what)
}

// forwardPod tunnels a local port to target on pod.
func (c *Client) forwardPod(ctx context.Context, pod *corev1.Pod, target int, what string) (string, func(), error) {
	what = fmt.Sprintf("%s (pod %s, port %d)", what, pod.Name, target)
	u := c.clientset.CoreV1().RESTClient().Post().
		Resource("pods").Namespace(pod.Namespace).Name(pod.Name).SubResource("portforward").URL()
	transport, upgrader, err := spdy.RoundTripperFor(c.rest)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", what, err)
	}
	dialer := spdy.NewDialer(upgrader, &http.Client{Transport: transport}, http.MethodPost, u)

	fwdCtx, cancel := context.WithCancel(ctx)
	ready := make(chan struct{})
	errOut := &logWriter{log: func(s string) { c.logger.Warn("kube port-forward", "pod", pod.Name, "msg", s) }}
	pf, err := portforward.NewOnAddressesWithContext(fwdCtx, dialer, []string{"127.0.0.1"},
		[]string{"0:" + strconv.Itoa(target)}, ready, io.Discard, errOut)
	if err != nil {
		cancel()
		return "", nil, fmt.Errorf("%s: %w", what, err)
	}
	done := make(chan error, 1)
	go func() { done <- pf.ForwardPorts() }()

	timer := time.NewTimer(PortForwardTimeout)
	defer timer.Stop()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		if err == nil {
			err = errors.New("closed before it was ready")
		}
		return "", nil, fmt.Errorf("%s: the API server could not open a tunnel to the pod (is it really running? on a simulated cluster such as kwok no pod runs): %w", what, err)
	case <-timer.C:
		cancel()
		return "", nil, fmt.Errorf("%s: no tunnel after %s (the API server cannot reach the pod's node)", what, PortForwardTimeout)
	case <-ctx.Done():
		cancel()
		return "", nil, fmt.Errorf("%s: %w", what, ctx.Err())
	}
	ports, err := pf.GetPorts()
	if err != nil || len(ports) == 0 {
		cancel()
		return "", nil, fmt.Errorf("%s: no local port: %w", what, err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			<-done
		})
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(int(ports[0].Local))), stop, nil
}

// pickPod chooses a running, ready pod that is not being deleted, the same
// one each time for the same pods.
func pickPod(pods []corev1.Pod) *corev1.Pod {
	var ok []*corev1.Pod
	for i := range pods {
		p := &pods[i]
		if p.DeletionTimestamp != nil || p.Status.Phase != corev1.PodRunning {
			continue
		}
		for _, cond := range p.Status.Conditions {
			if cond.Type == corev1.PodReady && cond.Status == corev1.ConditionTrue {
				ok = append(ok, p)
				break
			}
		}
	}
	if len(ok) == 0 {
		return nil
	}
	slices.SortFunc(ok, func(a, b *corev1.Pod) int { return strings.Compare(a.Name, b.Name) })
	return ok[0]
}

// targetPort resolves a service port's target on a pod: a number, a named
// container port, or the service port itself.
func targetPort(sp *corev1.ServicePort, pod *corev1.Pod) (int, error) {
	switch {
	case sp.TargetPort.Type == intstr.Int && sp.TargetPort.IntVal != 0:
		return int(sp.TargetPort.IntVal), nil
	case sp.TargetPort.Type == intstr.String && sp.TargetPort.StrVal != "":
		for _, ctr := range pod.Spec.Containers {
			for _, p := range ctr.Ports {
				if p.Name == sp.TargetPort.StrVal {
					return int(p.ContainerPort), nil
				}
			}
		}
		return 0, fmt.Errorf("pod %s has no container port named %q", pod.Name, sp.TargetPort.StrVal)
	}
	return int(sp.Port), nil
}

// logWriter turns the port-forwarder's error lines into log records.
type logWriter struct {
	log func(string)
}

func (w *logWriter) Write(p []byte) (int, error) {
	if s := strings.TrimSpace(string(p)); s != "" {
		w.log(s)
	}
	return len(p), nil
}

// ServiceURL is the in-cluster URL of a Service's port:
// http://<service>.<namespace>.svc:<port>/.
func ServiceURL(name, namespace string, port int) string {
	return fmt.Sprintf("http://%s.%s.svc:%d/", name, namespace, port)
}

package kube_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/jsorc/jsorc/engine/services"
	"github.com/jsorc/jsorc/kube"
)

// TestKubeServiceCredentials: redis and db get a credentials Secret, made
// once per namespace and kept through re-applies and engine restarts; no
// password is in any spec; Info names the Secret, never the secret; promon
// scrapes the engine with the API token's Secret when it exists.
// (Not parallel: it sets POD_IP, as deploy/ does for an engine in a pod.)
func TestKubeServiceCredentials(t *testing.T) {
	c := needKube(t)
	t.Setenv("POD_IP", "10.1.2.3")
	ns := c.namespace("jsorc-credentials")
	ctx := ctxT(t)
	token := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: kube.APITokenSecretName},
		Data: map[string][]byte{kube.APITokenKey: []byte("api-token")}}
	if _, err := c.cs.CoreV1().Secrets(ns).Create(ctx, token, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	meta := testMeta(ns)
	meta.Automation = true
	meta.KeepAlive = []string{"redis", "db", "promon"}
	dir := t.TempDir()
	first, err := c.open(kubeEngine{meta: meta, dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	e := first.Engine
	e.SetAPIAddr("0.0.0.0:8799")
	interval := time.Duration(meta.BackoffInterval) * time.Second

	secret := func(name string) *corev1.Secret {
		s, err := c.cs.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return nil
		}
		return s
	}
	eventually(t, 30*time.Second, "the credentials Secrets", func() bool {
		return secret(kube.RedisSecretName) != nil && secret(kube.PostgresSecretName) != nil
	})
	redis, db := secret(kube.RedisSecretName), secret(kube.PostgresSecretName)
	pw := string(db.Data[kube.SecretPasswordKey])
	if len(pw) < 40 || !strings.HasPrefix(string(db.Data[kube.SecretVerifierKey]), "SCRAM-SHA-256$4096:") {
		t.Errorf("db's Secret: %q", db.Data)
	}
	if rpw := string(redis.Data[kube.SecretPasswordKey]); len(rpw) < 40 || !strings.Contains(string(redis.Data[kube.SecretRedisConfKey]), "requirepass "+rpw+"\n") {
		t.Errorf("redis's Secret: %q", redis.Data)
	}

	// No password in any spec; the old fixed one is gone.
	for _, name := range []string{kube.PostgresServiceName, kube.RedisServiceName} {
		var d []byte
		eventually(t, 30*time.Second, name+"'s Deployment", func() bool {
			u := c.get(ns, deploymentsGVR, name)
			if u != nil {
				d, _ = json.Marshal(u.Object)
			}
			return u != nil
		})
		for _, secret := range [][]byte{db.Data[kube.SecretPasswordKey], redis.Data[kube.SecretPasswordKey], []byte(`"POSTGRES_PASSWORD"`)} {
			if bytes.Contains(d, secret) {
				t.Errorf("%s's Deployment holds %q", name, secret)
			}
		}
	}
	info := e.ServiceInfo()
	if got, want := info["db"].Credentials, "Secret "+ns+"/"+kube.PostgresSecretName+" (key password)"; got != want {
		t.Errorf("db credentials %q, want %q", got, want)
	}
	if js, _ := json.Marshal(info); bytes.Contains(js, []byte(pw)) {
		t.Error("service info shows the password")
	}

	// promon scrapes the engine with the token's Secret.
	eventually(t, 30*time.Second, "promon's engine job with the token", func() bool {
		cm := c.get(ns, configMapsGVR, "jsorc-prometheus-config")
		if cm == nil {
			return false
		}
		cfg, _ := cm.Object["data"].(map[string]any)["prometheus.yml"].(string)
		return strings.Contains(cfg, `targets: ["10.1.2.3:8799"]`) && strings.Contains(cfg, "credentials_file: /etc/jsorc-api-token/token")
	})
	prom, _ := json.Marshal(c.get(ns, deploymentsGVR, kube.PrometheusServiceName).Object)
	if !bytes.Contains(prom, []byte(`"secretName":"`+kube.APITokenSecretName+`"`)) {
		t.Errorf("promon does not mount the token's Secret: %s", prom)
	}

	// Re-applies and a restart of the engine keep the Secrets as they are.
	for _, name := range []string{"redis", "db"} {
		if err := e.ServiceRefresh(context.Background(), name); err != nil {
			t.Fatal(err)
		}
	}
	waitKubeService(t, e, "redis", 2*interval, func(in services.Info) bool { return in.State == services.StateReady })
	closeEngine(t, first)
	e2 := c.engine(kubeEngine{meta: meta, dir: dir})
	waitKubeService(t, e2, "redis", 2*interval, func(in services.Info) bool { return in.State == services.StateReady })
	time.Sleep(interval)
	for _, before := range []*corev1.Secret{redis, db} {
		after := secret(before.Name)
		if after == nil || after.ResourceVersion != before.ResourceVersion || !equalData(after.Data, before.Data) {
			t.Errorf("Secret %s changed by a re-apply or a restart", before.Name)
		}
	}
}

func equalData(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !bytes.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

package kube

import (
	"context"
	"fmt"
	"net"
	"os"

	"github.com/jsorc/jsorc/engine/services"
	k8s "github.com/jsorc/jsorc/kube"
)

// ensureServiceSecret creates, once per namespace, the credentials Secret
// of a bundled service that has one (redis, db) before its objects are
// applied: a generated password, and what its pod reads (redis's
// configuration, PostgreSQL's SCRAM verifier). An existing Secret is left
// as it is, whatever happens to the service.
func (k *keeper) ensureServiceSecret(ctx context.Context, name string) error {
	secret := k8s.ServiceSecret(name)
	if secret == "" {
		return nil
	}
	created, err := k.kb.kc.EnsureSecret(ctx, secret, func() (map[string][]byte, error) {
		return serviceSecretData(name)
	})
	if err != nil {
		return err
	}
	if created {
		k.kb.log.Info("keep-alive created a service's credentials", "service", name, "secret", secret)
	}
	return nil
}

// serviceSecretData generates the data of a bundled service's credentials
// Secret.
func serviceSecretData(name string) (map[string][]byte, error) {
	password, err := services.GeneratePassword()
	if err != nil {
		return nil, err
	}
	data := map[string][]byte{k8s.SecretPasswordKey: []byte(password)}
	switch name {
	case k8s.ServiceRedis:
		data[k8s.SecretRedisConfKey] = []byte(services.RedisConfig(password))
	case k8s.ServiceDB:
		v, err := services.SCRAMVerifier(password)
		if err != nil {
			return nil, err
		}
		data[k8s.SecretVerifierKey] = []byte(v)
	default:
		return nil, fmt.Errorf("no credentials for service %q", name)
	}
	return data, nil
}

// serviceCredentials says where a bundled service's credentials live, for
// Info: never the secret itself.
func serviceCredentials(name, namespace string, bundled bool) string {
	if s := k8s.ServiceSecret(name); bundled && s != "" {
		return fmt.Sprintf("Secret %s/%s (key %s)", namespace, s, k8s.SecretPasswordKey)
	}
	return ""
}

// checkAPIToken notes whether the engine's API token Secret exists, so that
// promon's scrape of the engine authenticates with it; a change re-applies
// promon.
func (k *keeper) checkAPIToken(ctx context.Context) {
	ok, err := k.kb.kc.SecretExists(ctx, k8s.APITokenSecretName)
	if err != nil {
		k.kb.log.Warn("keep-alive: looking for the API token's Secret", "secret", k8s.APITokenSecretName, "err", err)
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if ok != k.apiToken {
		k.apiToken = ok
		k.rebuildLocked()
		k.settings = true
		k.poke()
	}
}

// podIPEnv names the variable that gives an engine in a pod its IP
// (deploy/ sets it from the downward API).
const podIPEnv = "POD_IP"

// engineTarget is where promon reaches the engine's API at addr (where it
// listens): the pod's IP (set only in a pod) and addr's port; "" when
// either is unknown.
func engineTarget(addr string) string {
	ip := os.Getenv(podIPEnv)
	if ip == "" || addr == "" {
		return ""
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	return net.JoinHostPort(ip, port)
}

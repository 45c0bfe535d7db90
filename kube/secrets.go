package kube

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Secrets jsorc reads or creates. A credentials Secret is created once per
// namespace (EnsureSecret) and never changed by jsorc afterwards: not by a
// re-apply, not by keep-alive, not by a restart of the engine. Deleting it
// makes the next apply of its service generate a new one.
const (
	// RedisSecretName holds the bundled Redis's password
	// ([SecretPasswordKey]) and its configuration file ([SecretRedisConfKey]).
	RedisSecretName = "jsorc-redis-credentials"
	// PostgresSecretName holds the password of the bundled PostgreSQL's
	// role [PostgresUser] ([SecretPasswordKey]) and its SCRAM-SHA-256
	// verifier ([SecretVerifierKey]).
	PostgresSecretName = "jsorc-db-credentials"
	// APITokenSecretName is the engine's API token, key [APITokenKey]; the
	// deployment creates it. promon scrapes the engine with it when it
	// exists.
	APITokenSecretName = "jsorc-api-token"
	// APITokenKey is the key of the token in [APITokenSecretName].
	APITokenKey = "token"

	// SecretPasswordKey, SecretVerifierKey and SecretRedisConfKey are the
	// keys of the credentials Secrets.
	SecretPasswordKey  = "password"
	SecretVerifierKey  = "verifier"
	SecretRedisConfKey = "redis.conf"
)

// ServiceSecret returns the name of the credentials Secret of a bundled
// service, "" for one without credentials (promon).
func ServiceSecret(service string) string {
	switch service {
	case ServiceRedis:
		return RedisSecretName
	case ServiceDB:
		return PostgresSecretName
	}
	return ""
}

// EnsureSecret creates the Secret name with the data gen returns, unless
// it exists; an existing Secret is never read or changed. created reports
// whether this call made it. Two engines racing both succeed, and only one
// Secret exists.
func (c *Client) EnsureSecret(ctx context.Context, name string, gen func() (map[string][]byte, error)) (created bool, err error) {
	exists, err := c.SecretExists(ctx, name)
	if err != nil || exists {
		return false, err
	}
	data, err := gen()
	if err != nil {
		return false, fmt.Errorf("kube: secret %s: %w", name, err)
	}
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name:      name,
			Namespace: c.namespace,
			Labels:    map[string]string{LabelManagedBy: ManagedByValue},
		},
		Type: corev1.SecretTypeOpaque,
		Data: data,
	}
	_, err = c.clientset.CoreV1().Secrets(c.namespace).Create(ctx, s, metav1.CreateOptions{FieldManager: c.fieldManager})
	switch {
	case apierrors.IsAlreadyExists(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("kube: create secret %s/%s: %w", c.namespace, name, err)
	}
	return true, nil
}

// SecretExists reports whether the Secret name exists in the namespace
// (the data the API server returns is dropped at once).
func (c *Client) SecretExists(ctx context.Context, name string) (bool, error) {
	_, err := c.clientset.CoreV1().Secrets(c.namespace).Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("kube: get secret %s/%s: %w", c.namespace, name, err)
	}
	return true, nil
}

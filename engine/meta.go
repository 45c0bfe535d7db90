package engine

import (
	"bytes"
	"encoding/json"
)

// MetaConfig is JSORC's META_CONFIG: how the engine's loops behave.
type MetaConfig struct {
	// Automation lets the loops act; when false they only observe.
	Automation bool `json:"automation"`
	// BackoffInterval is the keep-alive period in seconds (floor 5).
	BackoffInterval int `json:"backoff_interval"`
	// Namespace is where the kube backend creates objects.
	Namespace string `json:"namespace"`
	// KeepAlive names the services the keep-alive loop looks after.
	KeepAlive []string `json:"keep_alive"`
	// Kubernetes says how to reach the cluster.
	Kubernetes KubeAccess `json:"kubernetes"`
	// MaxModules bounds how many modules may be configured (jsorc's; each
	// costs a few kilobytes at rest, and one goroutine once loaded).
	MaxModules int `json:"max_modules"`
	// Mail configures the mail service (JSORC's MAIL_CONFIG keys); it runs
	// while KeepAlive names "mail".
	Mail *MailConfig `json:"mail,omitempty"`
}

// KubeAccess is the "kubernetes" field of META_CONFIG.
type KubeAccess struct {
	InCluster bool `json:"in_cluster"`
	// Config is a kubeconfig path, or null for the default lookup.
	Config *string `json:"config"`
}

// MinBackoffInterval is the floor JSORC put on backoff_interval, in seconds.
const MinBackoffInterval = 5

// MaxBackoffInterval bounds backoff_interval (one day, in seconds): beyond
// it the period would overflow a time.Duration and stop the keep-alive loop.
const MaxBackoffInterval = 86400

// DefaultMaxModules is META_CONFIG's default max_modules, and
// MaxMaxModules the largest it may be.
const (
	DefaultMaxModules = 100_000
	MaxMaxModules     = 1_000_000
)

// DefaultMeta returns JSORC's default META_CONFIG, with jsorc's additions.
func DefaultMeta() MetaConfig {
	return MetaConfig{
		Automation:      false,
		BackoffInterval: 10,
		Namespace:       "default",
		KeepAlive:       []string{"promon", "redis", "task", "mail"},
		Kubernetes:      KubeAccess{InCluster: true},
		MaxModules:      DefaultMaxModules,
	}
}

// ParseMeta decodes a META_CONFIG JSON document strictly, on top of the
// defaults, and checks it.
func ParseMeta(data []byte) (MetaConfig, error) {
	m := DefaultMeta()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return MetaConfig{}, errorf(ErrInvalid, "META_CONFIG: %v", err)
	}
	if dec.More() {
		return MetaConfig{}, errorf(ErrInvalid, "META_CONFIG: trailing data after the JSON object")
	}
	if err := m.Validate(); err != nil {
		return MetaConfig{}, err
	}
	return m, nil
}

// Validate checks the values of a META_CONFIG.
func (m MetaConfig) Validate() error {
	if m.BackoffInterval < MinBackoffInterval {
		return errorf(ErrInvalid, "META_CONFIG: backoff_interval %d is below the floor of %d seconds", m.BackoffInterval, MinBackoffInterval)
	}
	if m.BackoffInterval > MaxBackoffInterval {
		return errorf(ErrInvalid, "META_CONFIG: backoff_interval %d is above the limit of %d seconds (one day)", m.BackoffInterval, MaxBackoffInterval)
	}
	if m.MaxModules < 1 || m.MaxModules > MaxMaxModules {
		return errorf(ErrInvalid, "META_CONFIG: max_modules %d is out of range: want 1..%d", m.MaxModules, MaxMaxModules)
	}
	if m.Namespace == "" {
		return errorf(ErrInvalid, "META_CONFIG: namespace is empty")
	}
	if m.Mail != nil {
		return m.Mail.validate()
	}
	return nil
}

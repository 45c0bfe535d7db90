package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine/backend"
	"github.com/jsorc/jsorc/engine/services"
)

// MetaConfigName is the only config name JSORC's config_set/config_get know.
const MetaConfigName = types.MetaConfigName

// ConfigGet is JSORC's config_get: the named config as a JSON string.
func (e *Engine) ConfigGet(name string) (string, error) {
	if name == MailConfigName {
		mc := e.Meta().Mail
		if mc == nil {
			mc = &MailConfig{Port: 587}
		}
		b, err := json.Marshal(mc)
		return string(b), err
	}
	if name != MetaConfigName {
		return "", errorf(ErrNotFound, "config %q: the only config is %s", name, MetaConfigName)
	}
	e.mu.Lock()
	m := e.meta
	e.mu.Unlock()
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("engine: encoding %s: %w", MetaConfigName, err)
	}
	return string(b), nil
}

// ConfigSet is JSORC's config_set: value is the JSON string of the whole
// config, decoded strictly on top of the defaults and validated before it
// is stored. It takes effect at the next service_refresh of "meta".
func (e *Engine) ConfigSet(ctx context.Context, name, value string) error {
	var m MetaConfig
	switch name {
	case MailConfigName: // kept as META_CONFIG's mail
		var mc MailConfig
		dec := json.NewDecoder(strings.NewReader(value))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&mc); err != nil {
			return errorf(ErrInvalid, "%s: %v", MailConfigName, err)
		}
		if err := mc.validate(); err != nil {
			return err
		}
		m = e.Meta()
		m.Mail = &mc
	case MetaConfigName:
		var err error
		if m, err = ParseMeta([]byte(value)); err != nil {
			return err
		}
	default:
		return errorf(ErrNotFound, "config %q: the configs are %s and %s", name, MetaConfigName, MailConfigName)
	}
	if err := e.storeMeta(m); err != nil {
		return err
	}
	e.mu.Lock()
	e.meta = m
	e.mu.Unlock()
	e.publish(causeOf(ctx), EventConfig, MetaConfigName, "set (it takes effect at `service refresh meta`)")
	return nil
}

// storeMeta stores a META_CONFIG.
func (e *Engine) storeMeta(m MetaConfig) error {
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("engine: encoding %s: %w", MetaConfigName, err)
	}
	if err := e.store.SetMeta(b); err != nil {
		return fmt.Errorf("engine: storing %s: %w", MetaConfigName, err)
	}
	return nil
}

// Meta returns the META_CONFIG in force.
func (e *Engine) Meta() MetaConfig {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.meta
}

// ServiceRefresh is JSORC's service_refresh: "meta" re-reads META_CONFIG
// and restarts the keep-alive loop with it; a service's name re-creates
// that service.
func (e *Engine) ServiceRefresh(ctx context.Context, name string) error {
	_, err := e.ServiceRefreshReport(ctx, name)
	return err
}

// ServiceRefreshReport is ServiceRefresh that also says what it did when
// there is more to say than "done" (else ""). For meta, a change of where
// the backend works (the kube backend's namespace, its way to the cluster)
// applies at once: what runs moves there make-before-break, and the answer
// says what moved and what stayed.
func (e *Engine) ServiceRefreshReport(ctx context.Context, name string) (string, error) {
	if name != "meta" {
		if err := e.refreshService(ctx, name); err != nil {
			if errors.Is(err, services.ErrUnknownService) {
				return "", errorf(ErrNotFound, "service_refresh %q: %w", name, err)
			}
			return "", errorf(ErrConflict, "service_refresh %q: %w", name, err)
		}
		e.publish(causeOf(ctx), EventService, name, "re-created (service refresh)")
		return "", nil
	}
	raw, err := e.store.Meta()
	if err != nil {
		return "", fmt.Errorf("engine: reading %s: %w", MetaConfigName, err)
	}
	m := DefaultMeta()
	if raw != nil {
		if m, err = ParseMeta(raw); err != nil {
			return "", err
		}
	}
	e.mu.Lock()
	e.meta = m
	e.mu.Unlock()
	msg := ""
	if err := e.applyMeta(); errors.Is(err, backend.ErrReopen) {
		if msg, err = e.moveBackend(ctx, err); err != nil {
			return "", err
		}
	} else if err != nil {
		return "", err
	}
	e.publish(causeOf(ctx), EventConfig, MetaConfigName, cmp.Or(msg, "applied to the keep-alive loop (service refresh meta)"))
	return msg, nil
}

package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine/backend"
	"github.com/jsorc/jsorc/engine/services"
)

// MetaConfigName is the only config name JSORC's config_set/config_get know.
const MetaConfigName = types.MetaConfigName

// HiddenPass stands for MAIL_CONFIG's password in what config_get and
// config_list show: the password never leaves the engine. A config_set
// that gives it back keeps the stored password, so a script may get a
// config, change another key and set it again.
const HiddenPass = "********"

// ConfigGet is JSORC's config_get: the named config as a JSON string
// (META_CONFIG, or MAIL_CONFIG, kept as META_CONFIG's mail), its mail
// password hidden.
func (e *Engine) ConfigGet(name string) (string, error) {
	m := e.Meta()
	var v any
	switch name {
	case MetaConfigName:
		if m.Mail != nil {
			m.Mail = m.Mail.hidden()
		}
		v = m
	case MailConfigName:
		mc := m.Mail
		if mc == nil {
			mc = &MailConfig{Port: 587}
		}
		v = mc.hidden()
	default:
		return "", unknownConfig(name)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("engine: encoding %s: %w", name, err)
	}
	return string(b), nil
}

// unknownConfig is the error of a config name jsorc does not keep.
func unknownConfig(name string) error {
	return errorf(ErrNotFound, "config %q: the configs are %s and %s (a service's own config is its definition: `jsorc service config FILE`)", name, MetaConfigName, MailConfigName)
}

// hidden is a copy of the config with its password replaced by HiddenPass.
func (c *MailConfig) hidden() *MailConfig {
	cp := *c
	if cp.Pass != "" {
		cp.Pass = HiddenPass
	}
	return &cp
}

// keepPass gives c the stored password when c gives HiddenPass back.
func (c *MailConfig) keepPass(stored *MailConfig) {
	if c != nil && c.Pass == HiddenPass {
		c.Pass = ""
		if stored != nil {
			c.Pass = stored.Pass
		}
	}
}

// ConfigSet is JSORC's config_set: value is the JSON string of the whole
// config, decoded strictly on top of the defaults and validated before it
// is stored. It takes effect at the next service_refresh of "meta". A
// META_CONFIG without "mail" keeps the mail config, and a mail password
// given back as HiddenPass keeps the stored one.
func (e *Engine) ConfigSet(ctx context.Context, name, value string) error {
	var m MetaConfig
	cur := e.Meta()
	switch name {
	case MailConfigName: // kept as META_CONFIG's mail
		var mc MailConfig
		dec := json.NewDecoder(strings.NewReader(value))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&mc); err != nil {
			return errorf(ErrInvalid, "%s: %v", MailConfigName, err)
		}
		mc.keepPass(cur.Mail)
		if err := mc.validate(); err != nil {
			return err
		}
		m = cur
		m.Mail = &mc
	case MetaConfigName:
		var err error
		if m, err = ParseMeta([]byte(value)); err != nil {
			return err
		}
		// MAIL_CONFIG was a config of its own in JSORC: a META_CONFIG
		// without "mail" leaves it as it is (config_delete removes it).
		if m.Mail == nil {
			m.Mail = cur.Mail
		}
		m.Mail.keepPass(cur.Mail)
	default:
		return unknownConfig(name)
	}
	return e.setMeta(ctx, m, name+" set (it takes effect at `service refresh meta`)")
}

// setMeta stores m as the META_CONFIG in force and says so.
func (e *Engine) setMeta(ctx context.Context, m MetaConfig, what string) error {
	if err := e.storeMeta(m); err != nil {
		return err
	}
	e.mu.Lock()
	e.meta = m
	e.mu.Unlock()
	e.publish(causeOf(ctx), EventConfig, MetaConfigName, what)
	return nil
}

// ConfigList is JSORC's config_list: the configs that hold a value,
// sorted (META_CONFIG always, as JSORC stored its defaults at first
// read; MAIL_CONFIG once set).
func (e *Engine) ConfigList() []string {
	out := []string{MetaConfigName}
	if e.Meta().Mail != nil {
		out = []string{MailConfigName, MetaConfigName}
	}
	return out
}

// ConfigExists is JSORC's config_exists.
func (e *Engine) ConfigExists(name string) bool {
	return slices.Contains(e.ConfigList(), name)
}

// ConfigDelete is JSORC's config_delete: META_CONFIG goes back to its
// defaults (the mail config, JSORC's separate MAIL_CONFIG, stays);
// MAIL_CONFIG is removed, which stops the mail service at the next
// service_refresh. It answers JSORC's sentence.
func (e *Engine) ConfigDelete(ctx context.Context, name string) (string, error) {
	m := e.Meta()
	switch name {
	case MetaConfigName:
		mail := m.Mail
		m = DefaultMeta()
		m.Mail = mail
	case MailConfigName:
		if m.Mail == nil {
			return "", errorf(ErrNotFound, "config %q is not set", name)
		}
		m.Mail = nil
	default:
		return "", unknownConfig(name)
	}
	if err := e.setMeta(ctx, m, name+" deleted (it takes effect at `service refresh meta`)"); err != nil {
		return "", err
	}
	return name + " Deleted.", nil
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

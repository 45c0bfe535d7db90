package engine_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/jsorc/jsorc/engine"
)

// TestMailConfig: MAIL_CONFIG takes JSORC's keys (its own ignored ones
// too), is kept as META_CONFIG's mail, and refuses what cannot work,
// saying what to give.
func TestMailConfig(t *testing.T) {
	e := newEngine(t)
	ok := `{"host": "smtp.example.com", "port": 587, "user": "u", "pass": "p", "sender": "jsorc@example.com", "tls": true,
		"to": ["ops@example.com"], "enabled": true, "quiet": false, "automated": false, "version": 2, "backend": "smtp",
		"templates": {"activation_subj": "x"}, "migrate": false}`
	if err := e.ConfigSet(ctxT(t), engine.MailConfigName, ok); err != nil {
		t.Fatal(err)
	}
	if m := e.Meta().Mail; m == nil || m.Host != "smtp.example.com" || m.To[0] != "ops@example.com" {
		t.Fatalf("META_CONFIG's mail: %+v", m)
	}
	if got, err := e.ConfigGet(engine.MailConfigName); err != nil || !strings.Contains(got, `"host":"smtp.example.com"`) {
		t.Errorf("config_get MAIL_CONFIG: %s, %v", got, err)
	}
	if got, _ := e.ConfigGet(engine.MetaConfigName); !strings.Contains(got, `"mail":{`) {
		t.Errorf("META_CONFIG lacks mail: %s", got)
	}
	for _, tc := range []struct{ cfg, want string }{
		{`{"sender": "a@b"}`, "host is empty"},
		{`{"host": "h", "sender": "a@b", "security": "none", "user": "u", "pass": "p"}`, "no password in clear"},
		{`{"host": "h"}`, "give sender"},
		{`{"host": "h", "sender": "a@b", "to": ["nobody"]}`, "not an address"},
		{`{"host": "h", "sender": "a@b", "colour": 1}`, "colour"},
	} {
		err := e.ConfigSet(ctxT(t), engine.MailConfigName, tc.cfg)
		if !errors.Is(err, engine.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an invalid-config error saying %q", tc.cfg, err, tc.want)
		}
	}
	// JSORC's default keep_alive names mail; an unreachable server is not ready.
	if in := e.ServiceInfo()[engine.MailServiceName]; !in.Enabled || in.State == "ready" || in.URL != "smtp://smtp.example.com:587" {
		t.Errorf("mail: %+v", in)
	}
}

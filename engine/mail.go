package engine

// This file holds the mail service: the incident notifier. Configured with
// JSORC's MAIL_CONFIG keys (in META_CONFIG's "mail", or config_set
// MAIL_CONFIG), and run while keep_alive names "mail", it probes its SMTP
// server with a real handshake every backoff interval, and mails the
// recipients when a kept-alive service goes down, an action server
// crashes or the policy fails to move a module — at most one mail per
// min_interval, holding what happened meanwhile.

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/smtp"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jsorc/jsorc/api/types"
	"github.com/jsorc/jsorc/engine/services"
)

// MailServiceName is the mail service's name in META_CONFIG's keep_alive.
const MailServiceName = "mail"

// MailConfigName is JSORC's name of the mail config; jsorc keeps it as
// META_CONFIG's "mail".
const MailConfigName = "MAIL_CONFIG"

// Mail service bounds.
const (
	// defaultMailInterval is the least time between two mails.
	defaultMailInterval = 5 * time.Minute
	// maxIncidents bounds the incidents held for the next mail; the
	// oldest are dropped, and the mail says how many.
	maxIncidents = 100
	// smtpTimeout bounds one SMTP conversation.
	smtpTimeout = 20 * time.Second
)

// MailConfig is JSORC's MAIL_CONFIG (host, port, user, pass, sender, tls)
// with what an incident notifier needs besides: the recipients, and how
// often it may write.
type MailConfig struct {
	Host string `json:"host"`
	// Port defaults to 587.
	Port int    `json:"port,omitempty"`
	User string `json:"user,omitempty"`
	Pass string `json:"pass,omitempty"`
	// Sender defaults to User.
	Sender string `json:"sender,omitempty"`
	// TLS is JSORC's: true (the default) for STARTTLS, false for implicit
	// TLS (SMTP over TLS).
	TLS *bool `json:"tls,omitempty"`
	// Security, when set, says it in words: "starttls", "tls" or "none"
	// (plain SMTP, for a relay on loopback).
	Security string `json:"security,omitempty"`
	// CAFile is a PEM file of the certificates to trust besides the
	// system's (a private relay's).
	CAFile string `json:"ca_file,omitempty"`
	// To lists the recipients of incident mails.
	To []string `json:"to,omitempty"`
	// MinInterval is the least time between two mails, in seconds
	// (default 300).
	MinInterval int `json:"min_interval,omitempty"`
	// JSORC's other keys, accepted and ignored: it mailed account
	// activations, jsorc mails incidents.
	Enabled   *bool           `json:"enabled,omitempty"`
	Quiet     *bool           `json:"quiet,omitempty"`
	Automated *bool           `json:"automated,omitempty"`
	Version   *int            `json:"version,omitempty"`
	Backend   string          `json:"backend,omitempty"`
	Templates json.RawMessage `json:"templates,omitempty"`
	Migrate   *bool           `json:"migrate,omitempty"`
}

// security is how the connection is protected: "starttls", "tls" or
// "none".
func (c MailConfig) security() string {
	switch {
	case c.Security != "":
		return c.Security
	case c.TLS != nil && !*c.TLS:
		return "tls"
	}
	return "starttls"
}

func (c MailConfig) addr() string {
	port := c.Port
	if port == 0 {
		port = 587
	}
	return net.JoinHostPort(c.Host, strconv.Itoa(port))
}

func (c MailConfig) interval() time.Duration {
	if c.MinInterval > 0 {
		return time.Duration(c.MinInterval) * time.Second
	}
	return defaultMailInterval
}

// validate checks a mail config.
func (c MailConfig) validate() error {
	switch {
	case c.Host == "":
		return errorf(ErrInvalid, "%s: host is empty: give the SMTP server's host", MailConfigName)
	case c.Port < 0 || c.Port > 65535:
		return errorf(ErrInvalid, "%s: port %d is not a port", MailConfigName, c.Port)
	case !slices.Contains([]string{"starttls", "tls", "none"}, c.security()):
		return errorf(ErrInvalid, "%s: security %q: want starttls, tls or none", MailConfigName, c.Security)
	case c.security() == "none" && c.User != "":
		return errorf(ErrInvalid, "%s: user and pass need TLS (security starttls or tls): jsorc sends no password in clear", MailConfigName)
	case c.MinInterval < 0:
		return errorf(ErrInvalid, "%s: min_interval is negative", MailConfigName)
	}
	if c.Sender == "" && c.User == "" {
		return errorf(ErrInvalid, "%s: give sender (or user, which it defaults to)", MailConfigName)
	}
	for _, to := range c.To {
		if !strings.Contains(to, "@") || strings.ContainsAny(to, "\r\n<>") {
			return errorf(ErrInvalid, "%s: to: %q is not an address", MailConfigName, to)
		}
	}
	return nil
}

// incident is one thing worth a mail.
type incident struct {
	At   time.Time
	What string
}

// mailer is the mail service.
type mailer struct {
	e *Engine

	mu        sync.Mutex
	queue     []incident
	dropped   int
	lastSent  time.Time
	sent      int
	probed    time.Time
	probeErr  string
	lastErr   string
	refreshed chan struct{}
}

func newMailer(e *Engine) *mailer { return &mailer{e: e, refreshed: make(chan struct{}, 1)} }

// config returns the mail config and whether the service is to run.
func (m *mailer) config() (MailConfig, bool) {
	meta := m.e.Meta()
	if meta.Mail == nil || !slices.Contains(meta.KeepAlive, MailServiceName) {
		return MailConfig{}, false
	}
	return *meta.Mail, true
}

// Start is the mail service (a run.Runnable): it watches the engine's
// events for incidents, probes the SMTP server every backoff interval and
// sends what is due.
func (m *mailer) Start(ctx context.Context) error {
	events, unsubscribe := m.e.Subscribe()
	defer unsubscribe()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-events:
			if !ok {
				return nil
			}
			if what := incidentOf(ev); what != "" {
				m.hold(incident{At: ev.At, What: what})
			}
		case <-m.refreshed:
			m.probe(ctx, true)
			m.flush(ctx, true)
		case <-tick.C:
			m.probe(ctx, false)
			m.flush(ctx, false)
		}
	}
}

// incidentOf says what an event reports that is worth a mail, or "".
func incidentOf(ev Event) string {
	switch ev.Type {
	case EventCrash:
		return fmt.Sprintf("module %s: %s", ev.Name, ev.Message)
	case EventService:
		for _, bad := range []types.ServiceState{types.ServiceCrashed, types.ServiceDown, types.ServiceNotInstalled} {
			if strings.HasSuffix(ev.Message, "→ "+string(bad)) || (strings.HasPrefix(ev.Message, "restarted") && strings.Contains(ev.Message, "last error")) {
				if ev.Name == MailServiceName {
					return "" // mailing about the mail server's own trouble goes nowhere
				}
				return fmt.Sprintf("service %s: %s", ev.Name, ev.Message)
			}
		}
	case EventPolicy:
		if strings.HasPrefix(ev.Message, "could not move") {
			return fmt.Sprintf("policy %s: %s", ev.Name, ev.Message)
		}
	}
	return ""
}

// hold keeps an incident for the next mail, while the service runs.
func (m *mailer) hold(in incident) {
	if _, on := m.config(); !on {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.queue) >= maxIncidents {
		m.queue = m.queue[1:]
		m.dropped++
	}
	m.queue = append(m.queue, in)
}

// probe checks the SMTP server with a handshake once per backoff interval
// (now: at once).
func (m *mailer) probe(ctx context.Context, now bool) {
	cfg, on := m.config()
	if !on {
		return
	}
	m.mu.Lock()
	due := now || time.Since(m.probed) >= time.Duration(m.e.Meta().BackoffInterval)*time.Second
	m.mu.Unlock()
	if !due {
		return
	}
	err := smtpConverse(ctx, cfg, nil)
	m.mu.Lock()
	m.probed, m.probeErr = time.Now(), ""
	if err != nil {
		m.probeErr = err.Error()
	}
	m.mu.Unlock()
}

// flush sends the incidents held, when min_interval has passed since the
// last mail (force: now).
func (m *mailer) flush(ctx context.Context, force bool) {
	cfg, on := m.config()
	if !on || len(cfg.To) == 0 {
		return
	}
	m.mu.Lock()
	if len(m.queue) == 0 || (!force && time.Since(m.lastSent) < cfg.interval()) {
		m.mu.Unlock()
		return
	}
	held, dropped := slices.Clone(m.queue), m.dropped
	m.mu.Unlock()
	msg := incidentMail(cfg, held, dropped, m.e.DataDir())
	err := smtpConverse(ctx, cfg, msg)
	m.mu.Lock()
	defer m.mu.Unlock()
	if err != nil {
		m.lastErr = "sending the incident mail: " + err.Error()
		m.lastSent = time.Now() // retry after min_interval, not every second
		return
	}
	m.queue = m.queue[len(held):]
	m.dropped -= dropped
	m.lastSent, m.lastErr = time.Now(), ""
	m.sent++
}

// refresh probes and sends what is held at once (service_refresh mail).
func (m *mailer) refresh() {
	select {
	case m.refreshed <- struct{}{}:
	default:
	}
}

// info is the mail service as service_info shows it.
func (m *mailer) info() services.Info {
	cfg, on := m.config()
	m.mu.Lock()
	defer m.mu.Unlock()
	in := services.Info{
		Name: MailServiceName, Enabled: on, Automation: true, State: types.ServiceStopped,
		Doc:       fmt.Sprintf("the incident notifier: %d mails sent, %d incidents held", m.sent, len(m.queue)),
		LastProbe: m.probed, ProbeOK: on && !m.probed.IsZero() && m.probeErr == "", ProbeError: m.probeErr, LastError: m.lastErr,
	}
	if !on {
		if m.e.Meta().Mail == nil && slices.Contains(m.e.Meta().KeepAlive, MailServiceName) {
			in.LastError = "keep_alive names mail but no mail config is set: config_set MAIL_CONFIG (or META_CONFIG's mail) with host, port, sender, to"
		}
		return in
	}
	in.Endpoint, in.URL = cfg.addr(), "smtp://"+cfg.addr()
	switch {
	case m.probed.IsZero():
		in.State = types.ServiceStarting
	case m.probeErr == "":
		in.State, in.Verified = types.ServiceReady, true
	default:
		in.State = types.ServiceDown
	}
	return in
}

// incidentMail writes the mail of the incidents held.
func incidentMail(cfg MailConfig, held []incident, dropped int, dataDir string) []byte {
	host, _ := os.Hostname()
	var body strings.Builder
	fmt.Fprintf(&body, "jsorc on %s (data %s) saw:\r\n\r\n", host, dataDir)
	for _, in := range held {
		fmt.Fprintf(&body, "%s  %s\r\n", in.At.UTC().Format(time.RFC3339), strings.ReplaceAll(in.What, "\n", " "))
	}
	if dropped > 0 {
		fmt.Fprintf(&body, "\r\n(and %d older incidents, dropped: the mail holds the latest %d)\r\n", dropped, maxIncidents)
	}
	fmt.Fprintf(&body, "\r\nAt most one mail every %v; `jsorc service info` shows the services now.\r\n", cfg.interval())
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\n", sender(cfg))
	fmt.Fprintf(&b, "To: %s\r\n", strings.Join(cfg.To, ", "))
	fmt.Fprintf(&b, "Subject: jsorc: %d incident(s) on %s\r\n", len(held)+dropped, host)
	fmt.Fprintf(&b, "Date: %s\r\n", time.Now().Format(time.RFC1123Z))
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString(body.String())
	return b.Bytes()
}

func sender(cfg MailConfig) string { return cmpOr(cfg.Sender, cfg.User) }

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// smtpConverse holds one SMTP conversation with cfg's server: the
// handshake (EHLO, STARTTLS or implicit TLS, AUTH), then, when msg is not
// nil, the mail to cfg.To; then QUIT.
func smtpConverse(ctx context.Context, cfg MailConfig, msg []byte) error {
	ctx, cancel := context.WithTimeout(ctx, smtpTimeout)
	defer cancel()
	tlsCfg := &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return fmt.Errorf("ca_file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("ca_file %s holds no PEM certificate", cfg.CAFile)
		}
		tlsCfg.RootCAs = pool
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", cfg.addr())
	if err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if cfg.security() == "tls" {
		tc := tls.Client(conn, tlsCfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return fmt.Errorf("TLS: %w", err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, cfg.Host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("greeting: %w", err)
	}
	defer c.Close()
	if err := c.Hello("jsorc"); err != nil {
		return fmt.Errorf("EHLO: %w", err)
	}
	if cfg.security() == "starttls" {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return fmt.Errorf("the server offers no STARTTLS (set security: tls for implicit TLS, or none for a plain relay)")
		}
		if err := c.StartTLS(tlsCfg); err != nil {
			return fmt.Errorf("STARTTLS: %w", err)
		}
	}
	if cfg.User != "" {
		if err := c.Auth(smtp.PlainAuth("", cfg.User, cfg.Pass, cfg.Host)); err != nil {
			return fmt.Errorf("AUTH: %w", err)
		}
	}
	if msg != nil {
		if err := c.Mail(sender(cfg)); err != nil {
			return fmt.Errorf("MAIL FROM: %w", err)
		}
		for _, to := range cfg.To {
			if err := c.Rcpt(to); err != nil {
				return fmt.Errorf("RCPT TO %s: %w", to, err)
			}
		}
		w, err := c.Data()
		if err != nil {
			return fmt.Errorf("DATA: %w", err)
		}
		if _, err := w.Write(msg); err != nil {
			return fmt.Errorf("DATA: %w", err)
		}
		if err := w.Close(); err != nil {
			return fmt.Errorf("DATA: %w", err)
		}
	}
	return c.Quit()
}

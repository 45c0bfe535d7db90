package local_test

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine"
	"github.com/jsorc/jsorc/engine/services"
	"github.com/jsorc/jsorc/internal/pytool"
	"github.com/jsorc/jsorc/internal/testcert"
)

// TestMailIncidents runs a real SMTP server from Debian's packages
// (python3-aiosmtpd, STARTTLS required, on loopback) and the mail service
// configured with JSORC's MAIL_CONFIG keys: the service probes it with a
// real handshake, and when a kept-alive service (redis) and an action
// server (echo's) are killed, one mail — not one per incident — tells of
// both; incidents within min_interval wait for the next mail.
func TestMailIncidents(t *testing.T) {
	if testing.Short() {
		t.Skip("runs an SMTP server, redis and an action server")
	}
	needBinary(t, "redis-server")
	py := pytool.Find(t, "python3-aiosmtpd", "aiosmtpd")
	dir := t.TempDir()
	cert, key := testcert.Write(t, dir)
	maildir := filepath.Join(dir, "maildir")
	port := freePort(t)
	smtpd := exec.Command(py, "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:"+strconv.Itoa(port),
		"--tlscert", cert, "--tlskey", key, "-c", "aiosmtpd.handlers.Mailbox", maildir)
	smtpd.Stderr = os.Stderr
	if err := smtpd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = smtpd.Process.Kill(); _ = smtpd.Wait() })
	waitListening(t, port)

	e := openEngine(t, reachableDir(t)).Engine
	ctx := context.Background()
	meta := map[string]any{"automation": true, "backoff_interval": 5, "keep_alive": []string{"redis", "mail"}}
	raw, _ := json.Marshal(meta)
	if err := e.ConfigSet(ctx, engine.MetaConfigName, string(raw)); err != nil {
		t.Fatal(err)
	}
	mailCfg := map[string]any{"host": "127.0.0.1", "port": port, "tls": true, "sender": "jsorc@localhost",
		"to": []string{"ops@example.com"}, "ca_file": cert, "min_interval": 3,
		"enabled": true, "version": 2, "backend": "smtp", "templates": map[string]any{}} // JSORC's other keys
	raw, _ = json.Marshal(mailCfg)
	if err := e.ConfigSet(ctx, engine.MailConfigName, string(raw)); err != nil {
		t.Fatal(err)
	}
	if err := e.ServiceRefresh(ctx, "meta"); err != nil {
		t.Fatal(err)
	}
	waitService(t, e, "mail", func(i services.Info) bool { return i.State == services.StateReady && i.Verified })
	redis := waitService(t, e, "redis", func(i services.Info) bool { return i.State == services.StateReady && i.PID > 0 })
	st := load(t, e, "echo", "remote")

	if err := syscall.Kill(redis.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(st.Remote.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var mails []string
	deadline := time.Now().Add(40 * time.Second)
	for {
		mails = readMaildir(t, maildir)
		all := strings.Join(mails, "\n")
		if strings.Contains(all, "service redis") && strings.Contains(all, "module echo") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no mail told of both incidents; mails: %q; mail service: %+v", mails, e.ServiceInfo()["mail"])
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(mails) > 2 {
		t.Errorf("%d mails for two incidents: want one, or two min_interval apart", len(mails))
	}
	if len(mails) == 2 {
		gap := mailDate(t, mails[1]).Sub(mailDate(t, mails[0]))
		if gap < 0 {
			gap = -gap
		}
		if gap < 2*time.Second {
			t.Errorf("two mails %v apart: min_interval is 3 s", gap)
		}
	}
	if m := mails[0]; !strings.Contains(m, "To: ops@example.com") || !strings.Contains(m, "Subject: jsorc:") {
		t.Errorf("mail:\n%s", m)
	}
	t.Logf("%d mail(s); the first:\n%s", len(mails), mails[0])
}

// readMaildir returns the messages delivered to a Maildir.
func readMaildir(t *testing.T, dir string) []string {
	t.Helper()
	entries, _ := os.ReadDir(filepath.Join(dir, "new"))
	var out []string
	for _, en := range entries {
		b, err := os.ReadFile(filepath.Join(dir, "new", en.Name()))
		if err == nil {
			out = append(out, string(b))
		}
	}
	return out
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func waitListening(t *testing.T, port int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the SMTP server never listened on %d", port)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// mailDate reads a mail's Date header.
func mailDate(t *testing.T, m string) time.Time {
	t.Helper()
	for _, line := range strings.Split(m, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "Date: "); ok {
			d, err := time.Parse(time.RFC1123Z, v)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
	}
	t.Fatalf("no Date in %q", m)
	return time.Time{}
}

package services_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/services"
)

// TestBundledRequirePassword: redis and db refuse a client without the
// password jsorc generated, the probe (which has it) passes, the password
// lives in a 0600 file that Info names but never shows, the service runs
// as its package's user when the tests run as root, and what answers is
// the process jsorc started.
func TestBundledRequirePassword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		program string
		search  []string
		user    string
		refuse  func(t *testing.T, in services.Info, password string)
	}{
		{name: services.Redis, program: "redis-server", user: "redis", refuse: refuseRedis},
		{name: services.DB, program: "postgres", search: []string{pgBin}, user: "postgres", refuse: refuseDB},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			needProgram(t, tt.program, tt.search...)
			opts := fastOptions(reachableDir(t))
			opts.StartTimeout = 60 * time.Second
			m := newManager(t, opts)
			if err := m.Set([]string{tt.name}, services.Bundled(), true); err != nil {
				t.Fatal(err)
			}
			in := waitInfo(t, m, tt.name, 60*time.Second, "ready and verified", func(in services.Info) bool { return isReady(in) && in.Verified })
			password := checkCredentials(t, in, tt.user)
			def := services.Bundled()[tt.name]
			if err := def.Probe.CheckWithPassword(t.Context(), in.Endpoint, password); err != nil {
				t.Errorf("probe with the password: %v", err)
			}
			if err := def.Probe.Check(t.Context(), in.Endpoint); err == nil {
				t.Error("probe without a password passed")
			} else {
				t.Logf("without the password: %v", err)
			}
			if err := def.Probe.CheckWithPassword(t.Context(), in.Endpoint, "not-"+password); err == nil {
				t.Error("probe with a wrong password passed")
			} else {
				t.Logf("with a wrong password: %v", err)
			}
			tt.refuse(t, in, password)
		})
	}
}

// checkCredentials checks the password file Info names and returns the
// password.
func checkCredentials(t *testing.T, in services.Info, wantUser string) string {
	t.Helper()
	wantPath := filepath.Join(filepath.Dir(in.DataDir), in.Name+".password")
	if in.Credentials != wantPath {
		t.Fatalf("credentials %q, want %q", in.Credentials, wantPath)
	}
	b, err := os.ReadFile(in.Credentials)
	if err != nil {
		t.Fatal(err)
	}
	password := strings.TrimSpace(string(b))
	if len(password) < 40 {
		t.Errorf("password of %d characters", len(password))
	}
	fi, err := os.Stat(in.Credentials)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("password file mode %v, %v; want 0600", fi.Mode(), err)
	}
	js, _ := json.Marshal(in)
	if strings.Contains(string(js), password) {
		t.Errorf("Info shows the password: %s", js)
	}
	if os.Geteuid() != 0 {
		return password
	}
	u, err := user.Lookup(wantUser)
	if err != nil {
		t.Fatal(err)
	}
	if in.User != wantUser {
		t.Errorf("Info.User = %q, want %q", in.User, wantUser)
	}
	if uid := fi.Sys().(*syscall.Stat_t).Uid; strconv.Itoa(int(uid)) != u.Uid {
		t.Errorf("password file owned by uid %d, want %s (%s)", uid, u.Uid, wantUser)
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", in.PID))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(status), "\nUid:\t"+u.Uid+"\t") {
		t.Errorf("%s does not run as %s:\n%s", in.Name, wantUser, status)
	}
	return password
}

// redisCommand sends one RESP command on c and returns the reply's first
// line.
func redisCommand(t *testing.T, c net.Conn, r *bufio.Reader, args ...string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := c.Write([]byte(b.String())); err != nil {
		t.Fatal(err)
	}
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("%v: %v", args[0], err)
	}
	return strings.TrimRight(line, "\r\n")
}

// refuseRedis: without AUTH every command is refused; with it, data
// commands work and the dangerous ones are gone.
func refuseRedis(t *testing.T, in services.Info, password string) {
	c, err := net.DialTimeout("tcp", in.Endpoint, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	for _, cmd := range [][]string{{"PING"}, {"GET", "x"}, {"SET", "x", "y"}, {"KEYS", "*"}} {
		if got := redisCommand(t, c, r, cmd...); !strings.HasPrefix(got, "-NOAUTH") {
			t.Errorf("%s without AUTH answered %q, want -NOAUTH", cmd[0], got)
		}
	}
	if got := redisCommand(t, c, r, "AUTH", "wrong"); !strings.HasPrefix(got, "-WRONGPASS") {
		t.Errorf("AUTH with a wrong password answered %q", got)
	}
	if got := redisCommand(t, c, r, "AUTH", password); got != "+OK" {
		t.Fatalf("AUTH answered %q", got)
	}
	if got := redisCommand(t, c, r, "SET", "jsorc", "ok"); got != "+OK" {
		t.Errorf("SET answered %q", got)
	}
	for _, cmd := range [][]string{{"CONFIG", "SET", "dir", "/tmp"}, {"MODULE", "LIST"}, {"DEBUG", "SLEEP", "0"}, {"REPLICAOF", "127.0.0.1", "1"}, {"SHUTDOWN"}} {
		if got := redisCommand(t, c, r, cmd...); !strings.HasPrefix(got, "-ERR unknown command") {
			t.Errorf("%s answered %q, want it disabled", cmd[0], got)
		}
	}
	if cli, err := exec.LookPath("redis-cli"); err == nil {
		_, port, _ := net.SplitHostPort(in.Endpoint)
		out, _ := exec.Command(cli, "-p", port, "ping").CombinedOutput()
		t.Logf("redis-cli -p %s ping: %s", port, strings.TrimSpace(string(out)))
		if !strings.Contains(string(out), "NOAUTH") {
			t.Errorf("redis-cli without a password got %q", out)
		}
	}
}

// refuseDB: psql without a password is refused over TCP and over the Unix
// socket (no trust, no peer), and with it the superuser works.
func refuseDB(t *testing.T, in services.Info, password string) {
	hba, err := os.ReadFile(filepath.Join(in.DataDir, "pg_hba.conf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(hba), "\n") {
		if f := strings.Fields(line); len(f) > 0 && !strings.HasPrefix(f[0], "#") && f[len(f)-1] != "scram-sha-256" {
			t.Errorf("pg_hba.conf allows %q", line)
		}
	}
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Log("psql is not installed: checked with the probe only")
		return
	}
	host, port, _ := net.SplitHostPort(in.Endpoint)
	run := func(pw, host string, sql string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, psql, "-w", "-h", host, "-p", port, "-U", "jsorc", "-d", "postgres", "-Atc", sql)
		cmd.Env = append(os.Environ(), "PGPASSWORD="+pw, "PGCONNECT_TIMEOUT=10")
		out, err := cmd.CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	for _, h := range []string{host, in.DataDir} {
		out, err := run("", h, "select 1")
		t.Logf("psql -h %s without a password: %s", h, out)
		if err == nil || !strings.Contains(out, "password") {
			t.Errorf("psql -h %s without a password: %q, %v; want it refused", h, out, err)
		}
	}
	out, err := run(password, host, "select rolname from pg_roles where rolsuper")
	if err != nil || out != "jsorc" {
		t.Errorf("psql with the password: %q, %v", out, err)
	}
}

// oldCluster makes the data directory of db as jsorc made it before it
// generated passwords: initdb with trust authentication, as the postgres
// user when root, holding a table with a row.
func oldCluster(t *testing.T, dataDir string) {
	t.Helper()
	bin, err := filepath.Glob(filepath.Join(pgBin, "initdb"))
	if err != nil || len(bin) == 0 {
		t.Fatal("initdb not found")
	}
	dir := filepath.Join(dataDir, "services", "db")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	asPostgres := func(stdin string, argv ...string) {
		t.Helper()
		if os.Geteuid() == 0 {
			argv = append([]string{"setpriv", "--reuid", "postgres", "--regid", "postgres", "--init-groups", "--"}, argv...)
		}
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Stdin = strings.NewReader(stdin)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%q: %v\n%s", argv, err, out)
		}
	}
	if os.Geteuid() == 0 {
		for _, d := range []string{filepath.Join(dataDir, "services"), dataDir} {
			if err := os.Chmod(d, 0o711); err != nil {
				t.Fatal(err)
			}
		}
		if out, err := exec.Command("chown", "postgres:postgres", dir).CombinedOutput(); err != nil {
			t.Fatalf("chown: %v %s", err, out)
		}
	}
	asPostgres("", bin[0], "-D", dir, "-U", "jsorc", "--auth=trust", "--encoding=UTF8", "--no-locale")
	asPostgres("CREATE TABLE keep (v text);\nINSERT INTO keep VALUES ('precious');\n",
		filepath.Join(filepath.Dir(bin[0]), "postgres"), "--single", "-c", "exit_on_error=on", "-D", dir, "postgres")
}

// TestDBMigratesTrustCluster: a cluster from before passwords (trust
// authentication) gets a generated password set in single-user mode, its
// pg_hba.conf replaced, and keeps its data; deleting the password file
// later does the same again.
func TestDBMigratesTrustCluster(t *testing.T) {
	t.Parallel()
	needProgram(t, "postgres", pgBin)
	needProgram(t, "psql")
	dataDir := reachableDir(t)
	oldCluster(t, dataDir)

	opts := fastOptions(dataDir)
	opts.StartTimeout = 60 * time.Second
	m := newManager(t, opts)
	if err := m.Set([]string{services.DB}, services.Bundled(), true); err != nil {
		t.Fatal(err)
	}
	in := waitInfo(t, m, services.DB, 60*time.Second, "ready", isReady)
	password := checkCredentials(t, in, "postgres")
	query := func(pw string) (string, error) {
		host, port, _ := net.SplitHostPort(in.Endpoint)
		cmd := exec.Command("psql", "-w", "-h", host, "-p", port, "-U", "jsorc", "-d", "postgres", "-Atc", "select v from keep")
		cmd.Env = append(os.Environ(), "PGPASSWORD="+pw, "PGCONNECT_TIMEOUT=10")
		out, err := cmd.CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	if out, err := query(password); err != nil || out != "precious" {
		t.Fatalf("the old cluster's row after migration: %q, %v", out, err)
	}
	if out, err := query(""); err == nil {
		t.Errorf("psql without a password after migration: %q", out)
	}
	logText, _ := os.ReadFile(in.LogPath)
	if !strings.Contains(string(logText), "set the new password of db in its existing data") {
		t.Errorf("the log does not say the password was set:\n%s", logText)
	}
	if strings.Contains(string(logText), password) {
		t.Error("the log holds the password")
	}

	t.Run("password file deleted", func(t *testing.T) {
		if err := os.Remove(in.Credentials); err != nil {
			t.Fatal(err)
		}
		old := in
		if err := m.Refresh(services.DB); err != nil {
			t.Fatal(err)
		}
		in = waitInfo(t, m, services.DB, 60*time.Second, "ready again", func(in services.Info) bool { return isReady(in) && in.PID != old.PID })
		fresh := checkCredentials(t, in, "postgres")
		if fresh == password {
			t.Error("the password did not change")
		}
		if out, err := query(fresh); err != nil || out != "precious" {
			t.Errorf("with the new password: %q, %v", out, err)
		}
		if _, err := query(password); err == nil {
			t.Error("the old password still works")
		}
	})
}

// TestRedisTakesOverOldDataDir: redis's data directory from before (made
// by root, no password) is given to the redis user and protected.
func TestRedisTakesOverOldDataDir(t *testing.T) {
	t.Parallel()
	needProgram(t, "redis-server")
	if os.Geteuid() != 0 {
		t.Skip("only root switches to the redis user")
	}
	dataDir := reachableDir(t)
	old := filepath.Join(dataDir, "services", "redis")
	if err := os.MkdirAll(old, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(old, "left-by-root"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	m := newManager(t, fastOptions(dataDir))
	if err := m.Set([]string{services.Redis}, services.Bundled(), true); err != nil {
		t.Fatal(err)
	}
	in := waitInfo(t, m, services.Redis, 30*time.Second, "ready", isReady)
	checkCredentials(t, in, "redis")
	u, _ := user.Lookup("redis")
	for _, p := range []string{old, filepath.Join(old, "left-by-root")} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if uid := fi.Sys().(*syscall.Stat_t).Uid; strconv.Itoa(int(uid)) != u.Uid {
			t.Errorf("%s owned by uid %d, want redis", p, uid)
		}
	}
}

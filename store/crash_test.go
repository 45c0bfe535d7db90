package store_test

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jsorc/jsorc/store"
)

// crashDirEnv, when set, turns TestCrashDurability into the child process:
// it writes records into that data directory until it is killed.
const crashDirEnv = "JSORC_STORE_CRASH_DIR"

// crashChild opens dir, then writes apps/rec-0, rec-1, … and a report for
// each, printing "ok N" once write N is acknowledged, until it is killed.
func crashChild(dir string) {
	s, err := store.Open(dir, store.Options{})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(2)
	}
	if err := s.SetMeta([]byte(`{"child":true}`)); err != nil {
		fmt.Println("meta:", err)
		os.Exit(2)
	}
	for i := 0; ; i++ {
		v := []byte(strconv.Itoa(i))
		if err := s.Put(store.Apps, fmt.Sprintf("rec-%d", i), v); err != nil {
			fmt.Println("put:", err)
			os.Exit(2)
		}
		if err := s.AppendReport("crash", time.Unix(0, int64(i+1)), v); err != nil {
			fmt.Println("append:", err)
			os.Exit(2)
		}
		fmt.Printf("ok %d\n", i)
		if i >= 10_000 {
			time.Sleep(time.Hour) // wait for the kill
		}
	}
}

// TestCrashDurability kills (SIGKILL) a child process in the middle of its
// writes and checks that every write it acknowledged is in the reopened
// database, and that the lock died with it.
func TestCrashDurability(t *testing.T) {
	if dir := os.Getenv(crashDirEnv); dir != "" {
		crashChild(dir)
		return
	}
	if testing.Short() {
		t.Skip("spawns a child process")
	}

	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashDurability$")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }()

	acked := -1
	lines := bufio.NewScanner(out)
	readAck := func() bool {
		if !lines.Scan() {
			return false
		}
		line := lines.Text()
		n, ok := strings.CutPrefix(line, "ok ")
		if !ok {
			t.Logf("child: %s", line)
			return true
		}
		i, err := strconv.Atoi(n)
		if err != nil {
			t.Fatalf("child: %q", line)
		}
		acked = i
		return true
	}
	for acked < 20 {
		if !readAck() {
			t.Fatalf("child stopped after %d acknowledged writes: %v", acked+1, lines.Err())
		}
	}

	// While the child lives, its pid is in the lock error.
	_, err = store.Open(dir, store.Options{LockTimeout: 100 * time.Millisecond})
	if !errors.Is(err, store.ErrLocked) {
		t.Fatalf("Open while the child holds the lock: %v, want ErrLocked", err)
	}
	if pid := fmt.Sprintf("(pid %d)", cmd.Process.Pid); !strings.Contains(err.Error(), pid) {
		t.Errorf("lock error %q does not name the child %s", err, pid)
	}

	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	// Acknowledgements already in the pipe count too.
	for readAck() {
	}
	_ = cmd.Wait()
	t.Logf("child killed after %d acknowledged writes", acked+1)

	s, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatalf("reopen after SIGKILL: %v", err)
	}
	defer s.Close()
	if meta, err := s.Meta(); err != nil || string(meta) != `{"child":true}` {
		t.Errorf("Meta() = %q, %v", meta, err)
	}
	for i := 0; i <= acked; i++ {
		got, err := s.Get(store.Apps, fmt.Sprintf("rec-%d", i))
		if err != nil || string(got) != strconv.Itoa(i) {
			t.Fatalf("acknowledged write %d: %q, %v", i, got, err)
		}
	}
	reps, err := s.Reports("crash", time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) < acked+1 {
		t.Errorf("%d reports survived, want at least %d", len(reps), acked+1)
	}
	pid, err := os.ReadFile(filepath.Join(dir, "jsorc.pid"))
	if err != nil || strings.TrimSpace(string(pid)) != strconv.Itoa(os.Getpid()) {
		t.Errorf("pid file = %q, %v; want this process, not the dead child", pid, err)
	}
}

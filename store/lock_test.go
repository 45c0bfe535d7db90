package store_test

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jsorc/jsorc/store"
)

func TestSecondOpenFailsWithErrLocked(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration
		wait    time.Duration // what Open should take, about
		nopid   bool          // remove the pid file first
	}{
		{name: "default timeout", wait: store.DefaultLockTimeout},
		{name: "short timeout", timeout: 200 * time.Millisecond, wait: 200 * time.Millisecond},
		{name: "no pid file", timeout: 100 * time.Millisecond, wait: 100 * time.Millisecond, nopid: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, dir := openTemp(t)
			if tt.nopid {
				if err := os.Remove(filepath.Join(dir, "jsorc.pid")); err != nil {
					t.Fatal(err)
				}
			}

			start := time.Now()
			s2, err := store.Open(dir, store.Options{LockTimeout: tt.timeout})
			elapsed := time.Since(start)
			if err == nil {
				s2.Close()
				t.Fatal("second Open succeeded while the first store is open")
			}
			if !errors.Is(err, store.ErrLocked) {
				t.Fatalf("err = %v, want ErrLocked", err)
			}
			if elapsed >= 3*time.Second {
				t.Errorf("Open took %v, want < 3s", elapsed)
			}
			// bbolt retries every 50ms and gives up one retry early.
			if elapsed < tt.wait-100*time.Millisecond {
				t.Errorf("Open took %v, want about %v", elapsed, tt.wait)
			}
			msg := err.Error()
			if want := "the data directory " + dir + " is in use by another jsorc engine"; !strings.Contains(msg, want) {
				t.Errorf("error %q does not contain %q", msg, want)
			}
			pid := "(pid " + strconv.Itoa(os.Getpid()) + ")"
			if got := strings.Contains(msg, pid); got == tt.nopid {
				t.Errorf("error %q: contains %q = %v, want %v", msg, pid, got, !tt.nopid)
			}
			t.Logf("Open gave up after %v: %v", elapsed, err)
		})
	}
}

func TestOpenAfterHolderCloses(t *testing.T) {
	dir := t.TempDir()
	s1, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		// Waits for the lock instead of failing.
		s2, err := store.Open(dir, store.Options{LockTimeout: 5 * time.Second})
		if err == nil {
			err = s2.Close()
		}
		done <- err
	}()
	time.Sleep(150 * time.Millisecond)
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Errorf("Open waiting for the lock: %v", err)
	}
}

package store_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

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

// TestCloseRemovesPIDBeforeUnlocking: once Close releases the lock, a
// waiting engine may take it and write its own jsorc.pid, so Close must
// remove the pid file before, never after. The order is read from inotify,
// which queues the deletion of jsorc.pid and the final close of jsorc.db
// (bbolt unlocks just before closing) in the order they happened. (A
// timing test cannot see it: the waiting engine polls the lock every 50ms,
// and the late removal of the old engine's file always comes first.)
func TestCloseRemovesPIDBeforeUnlocking(t *testing.T) {
	s, dir := openUnclosed(t)
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if _, err := unix.InotifyAddWatch(fd, dir, unix.IN_DELETE|unix.IN_CLOSE_WRITE); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	var order []string
	buf := make([]byte, 64*1024)
	n, err := unix.Read(fd, buf)
	if err != nil {
		t.Fatal(err)
	}
	for off := 0; off+unix.SizeofInotifyEvent <= n; {
		ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
		name := strings.TrimRight(string(buf[off+unix.SizeofInotifyEvent:off+unix.SizeofInotifyEvent+int(ev.Len)]), "\x00")
		switch {
		case name == "jsorc.pid" && ev.Mask&unix.IN_DELETE != 0:
			order = append(order, "pid removed")
		case name == "jsorc.db" && ev.Mask&unix.IN_CLOSE_WRITE != 0:
			order = append(order, "db closed")
		}
		off += unix.SizeofInotifyEvent + int(ev.Len)
	}
	if want := []string{"pid removed", "db closed"}; !slices.Equal(order, want) {
		t.Errorf("Close did %q, want %q: the pid file must go while the lock is held", order, want)
	}
}

// TestWaitingEngineKeepsItsPIDFile: an engine that waited for the lock and
// got it has its pid file once the first engine has closed.
func TestWaitingEngineKeepsItsPIDFile(t *testing.T) {
	s1, dir := openUnclosed(t)
	opened := make(chan *store.Store, 1)
	go func() {
		s2, err := store.Open(dir, store.Options{LockTimeout: 10 * time.Second})
		if err != nil {
			t.Error(err)
		}
		opened <- s2
	}()
	time.Sleep(200 * time.Millisecond)
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := <-opened
	if s2 == nil {
		return
	}
	defer s2.Close()
	b, err := os.ReadFile(filepath.Join(dir, "jsorc.pid"))
	if err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(os.Getpid()) {
		t.Errorf("the waiting engine's pid file: %q, %v", b, err)
	}
}

// openUnclosed opens a store in a fresh directory; the test closes it.
func openUnclosed(t *testing.T) (*store.Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s, dir
}

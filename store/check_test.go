package store_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jsorc/jsorc/store"
)

// populated returns a closed data directory whose database holds n apps of
// about 300 bytes each, spread over many pages, and their values by name.
func populated(t *testing.T, n int) (string, map[string][]byte) {
	t.Helper()
	s, dir := openTemp(t)
	want := make(map[string][]byte, n)
	recs := make(map[string][]byte, n)
	for i := range n {
		name := fmt.Sprintf("app-%05d", i)
		v := []byte(fmt.Sprintf(`{"steps":[%q]}`, strings.Repeat(name, 25)))
		recs[name], want[name] = v, v
	}
	if err := s.PutMany(store.Apps, recs); err != nil {
		t.Fatal(err)
	}
	if err := s.SetMeta([]byte(`{"automation":true}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, want
}

// pageSize reads the page size of the database at path.
func pageSize(t *testing.T, path string) int64 {
	t.Helper()
	r, err := store.CheckFile(path)
	if err != nil || r.PageSize == 0 {
		t.Fatalf("check %s: %+v, %v", path, r, err)
	}
	return int64(r.PageSize)
}

// damage describes a way of breaking a database file.
type damage struct {
	name  string
	apply func(t *testing.T, path string)
	want  string // in Open's error
}

func damages() []damage {
	truncate := func(frac float64) func(t *testing.T, path string) {
		return func(t *testing.T, path string) {
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			ps := pageSize(t, path)
			size := int64(float64(fi.Size())*frac) / ps * ps
			if err := os.Truncate(path, size); err != nil {
				t.Fatal(err)
			}
		}
	}
	return []damage{
		{name: "empty", want: "it is empty (0 bytes)", apply: func(t *testing.T, path string) {
			if err := os.Truncate(path, 0); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "truncated to half", want: "it is truncated: its", apply: truncate(0.5)},
		{name: "last page in use cut", want: "it is truncated: its", apply: func(t *testing.T, path string) {
			r, err := store.CheckFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(path, int64(r.Pages-1)*int64(r.PageSize)); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "not whole pages", want: "is not a whole number of", apply: func(t *testing.T, path string) {
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.Write([]byte("junk")); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "meta pages overwritten", want: "neither meta page is valid", apply: func(t *testing.T, path string) {
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.WriteAt(bytes.Repeat([]byte("x"), int(2*pageSize(t, path))), 0); err != nil {
				t.Fatal(err)
			}
		}},
	}
}

// TestOpenRefusesDamagedFile: a damaged jsorc.db is refused before bbolt
// maps it (a truncated one used to kill the engine with SIGBUS, an empty
// one to start fresh), with an error naming the file, the damage and the
// way out, and the file is left byte for byte as it was.
func TestOpenRefusesDamagedFile(t *testing.T) {
	for _, d := range damages() {
		t.Run(d.name, func(t *testing.T) {
			dir, _ := populated(t, 3000)
			path := filepath.Join(dir, "jsorc.db")
			d.apply(t, path)
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			s, err := store.Open(dir, store.Options{})
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded on a damaged file")
			}
			if !errors.Is(err, store.ErrDamaged) {
				t.Fatalf("err = %v, want ErrDamaged", err)
			}
			for _, want := range []string{path, d.want, "jsorc doctor --recover", "nothing in it was overwritten"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			after, _ := os.ReadFile(path)
			if !bytes.Equal(before, after) {
				t.Error("the failed Open changed the file")
			}
			t.Logf("%v", err)
		})
	}
}

// TestOpenSurvivesOneTornMeta: a crash may tear the meta page being
// written; the other one is intact and bbolt uses it, so Open succeeds and
// Inspect only notes it.
func TestOpenSurvivesOneTornMeta(t *testing.T) {
	dir, want := populated(t, 200)
	path := filepath.Join(dir, "jsorc.db")
	ps := pageSize(t, path)
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Scribble over the checksum of meta page 1.
	if _, err := f.WriteAt([]byte("torn!!!!"), ps+16+56); err != nil {
		t.Fatal(err)
	}
	f.Close()
	in, err := store.Inspect(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Problems) != 0 || !strings.Contains(strings.Join(in.Notes, "\n"), "meta page 1: checksum mismatch; bbolt uses the other") {
		t.Errorf("inspection: %+v", in)
	}
	s, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.List(store.Apps)
	if err != nil {
		t.Fatal(err)
	}
	// The intact meta may be one commit older: SetMeta was the last.
	if len(got) != len(want) {
		t.Errorf("%d apps, want %d", len(got), len(want))
	}
}

// TestRecover: each damaged file is kept as jsorc.db.damaged-<time> (byte
// for byte); what is still readable from it, over the snapshot taken when
// the engine last opened the directory, goes into a new jsorc.db that
// opens; every record has a value it really had (the latest or the
// snapshot's), none is invented, and none of the snapshot is lost.
func TestRecover(t *testing.T) {
	now := time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC)
	for _, d := range damages() {
		t.Run(d.name, func(t *testing.T) {
			dir, old := populated(t, 3000)
			path := filepath.Join(dir, "jsorc.db")
			// The engine starts again (snapshot), changes records and
			// crashes before its Close could refresh the snapshot.
			s, err := store.Open(dir, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			latest := map[string][]byte{}
			for name, v := range old {
				latest[name] = v
			}
			for _, name := range []string{"app-00000", "app-02999", "new-1", "new-2"} {
				latest[name] = []byte(`{"changed":"` + name + `"}`)
				if err := s.Put(store.Apps, name, latest[name]); err != nil {
					t.Fatal(err)
				}
			}
			bak := filepath.Join(dir, "jsorc.db.bak")
			atOpen, err := os.ReadFile(bak)
			if err != nil {
				t.Fatalf("no snapshot after Open: %v", err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(bak, atOpen, 0o600); err != nil {
				t.Fatal(err)
			}
			d.apply(t, path)
			damaged, _ := os.ReadFile(path)

			rep, err := store.Recover(dir, now)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Recovered || rep.Backup != bak {
				t.Fatalf("not recovered from the snapshot: %+v", rep)
			}
			if wantKept := path + ".damaged-20260504T030201Z"; rep.Kept != wantKept {
				t.Errorf("kept at %s, want %s", rep.Kept, wantKept)
			}
			kept, err := os.ReadFile(rep.Kept)
			if err != nil || !bytes.Equal(kept, damaged) {
				t.Errorf("the kept copy differs from the damaged file (%v)", err)
			}
			s, err = store.Open(dir, store.Options{})
			if err != nil {
				t.Fatalf("Open after Recover: %v", err)
			}
			defer s.Close()
			got, err := s.List(store.Apps)
			if err != nil {
				t.Fatal(err)
			}
			for name, v := range got {
				if !bytes.Equal(v, latest[name]) && !bytes.Equal(v, old[name]) {
					t.Errorf("salvaged %s = %.40q, a value it never had", name, v)
				}
			}
			for name := range old {
				if _, ok := got[name]; !ok {
					t.Errorf("%s, in the snapshot, is missing", name)
				}
			}
			meta, err := s.Meta()
			if err != nil || string(meta) != `{"automation":true}` {
				t.Errorf("META_CONFIG after recovery: %q, %v", meta, err)
			}
			t.Logf("%d apps: %d records salvaged from the damaged file, %d from the snapshot, %d pages lost, problems %q",
				len(got), rep.Records, rep.BackupRecords, rep.LostPages, rep.Problems)
		})
	}
	t.Run("no snapshot", func(t *testing.T) {
		dir, want := populated(t, 300)
		path := filepath.Join(dir, "jsorc.db")
		if err := os.Remove(filepath.Join(dir, "jsorc.db.bak")); err != nil {
			t.Fatal(err)
		}
		// Scribble over one leaf in the middle: the rest of the tree reads.
		r, err := store.CheckFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteAt(bytes.Repeat([]byte{0xAB}, r.PageSize), int64(r.Pages/2)*int64(r.PageSize)); err != nil {
			t.Fatal(err)
		}
		// And cut the file inside the pages in use, so Open refuses it.
		if err := f.Truncate(int64(r.Pages-1) * int64(r.PageSize)); err != nil {
			t.Fatal(err)
		}
		f.Close()
		rep, err := store.Recover(dir, now)
		if err != nil || !rep.Recovered || rep.Backup != "" {
			t.Fatalf("Recover: %+v, %v", rep, err)
		}
		s, err := store.Open(dir, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		got, _ := s.List(store.Apps)
		for name, v := range got {
			if !bytes.Equal(v, want[name]) {
				t.Errorf("salvaged %s = %.40q, want %.40q", name, v, want[name])
			}
		}
		t.Logf("salvaged %d of %d apps without a snapshot; %d pages lost: %q", len(got), len(want), rep.LostPages, rep.Problems)
	})
}

// TestRecoverLeavesHealthyAndMissingAlone, and refuses a database an
// engine holds.
func TestRecoverLeavesHealthyAndMissingAlone(t *testing.T) {
	t.Run("healthy", func(t *testing.T) {
		dir, _ := populated(t, 10)
		before, _ := os.ReadFile(filepath.Join(dir, "jsorc.db"))
		rep, err := store.Recover(dir, time.Now())
		if err != nil || rep.Recovered || rep.Kept != "" {
			t.Fatalf("Recover of a healthy file: %+v, %v", rep, err)
		}
		after, _ := os.ReadFile(filepath.Join(dir, "jsorc.db"))
		if !bytes.Equal(before, after) {
			t.Error("Recover changed a healthy file")
		}
	})
	t.Run("missing", func(t *testing.T) {
		dir := t.TempDir()
		rep, err := store.Recover(dir, time.Now())
		if err != nil || rep.Recovered || !rep.Check.Missing {
			t.Fatalf("Recover of no file: %+v, %v", rep, err)
		}
		if _, err := os.Stat(filepath.Join(dir, "jsorc.db")); err == nil {
			t.Error("Recover created a database")
		}
	})
	t.Run("in use", func(t *testing.T) {
		_, dir := openTemp(t)
		_, err := store.Recover(dir, time.Now())
		if !errors.Is(err, store.ErrLocked) {
			t.Fatalf("Recover while open: %v, want ErrLocked", err)
		}
	})
}

// TestInspect reports modes, the lock and the pid file.
func TestInspect(t *testing.T) {
	t.Run("in use", func(t *testing.T) {
		_, dir := openTemp(t)
		in, err := store.Inspect(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !in.InUse || in.PID != os.Getpid() || len(in.Problems) != 0 {
			t.Errorf("inspection of an open store: %+v", in)
		}
	})
	t.Run("stale pid and loose modes", func(t *testing.T) {
		dir, _ := populated(t, 1)
		if err := os.WriteFile(filepath.Join(dir, "jsorc.pid"), []byte("4242\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Join(dir, "jsorc.db"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o777); err != nil {
			t.Fatal(err)
		}
		in, err := store.Inspect(dir)
		if err != nil {
			t.Fatal(err)
		}
		all := strings.Join(append(in.Problems, in.Notes...), "\n")
		for _, want := range []string{"mode 0644: other users may read it; chmod 600", "has mode 0777: other users may write in it", "stale file"} {
			if !strings.Contains(all, want) {
				t.Errorf("inspection lacks %q:\n%s", want, all)
			}
		}
		if in.InUse || !in.DB.Healthy() || len(in.Problems) != 2 {
			t.Errorf("inspection: %+v", in)
		}
	})
}

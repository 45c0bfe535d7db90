package store

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bareDB opens a bbolt file with no buckets, as a database of schema
// version 0 looks.
func bareDB(t *testing.T) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "bare.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// topLevel lists the names of the top-level buckets of db.
func topLevel(t *testing.T, db *bolt.DB) []string {
	t.Helper()
	var names []string
	err := db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			names = append(names, string(name))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func TestMigration1InitialLayout(t *testing.T) {
	db := bareDB(t)
	if err := db.Update(migrateInitialLayout); err != nil {
		t.Fatalf("migration 1: %v", err)
	}
	want := []string{"action_configs", "apps", "meta", "modes", "policy", "reports", "services"}
	if got := topLevel(t, db); !slices.Equal(got, want) {
		t.Errorf("buckets = %v, want %v", got, want)
	}
	// Running it again changes nothing.
	if err := db.Update(migrateInitialLayout); err != nil {
		t.Fatalf("migration 1 again: %v", err)
	}
}

func TestMigrateFromEmpty(t *testing.T) {
	db := bareDB(t)
	if err := db.Update(func(tx *bolt.Tx) error { return migrate(tx, schemaMigrations()) }); err != nil {
		t.Fatal(err)
	}
	var version uint64
	err := db.View(func(tx *bolt.Tx) (err error) {
		version, err = readSchemaVersion(tx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if version != SchemaVersion() {
		t.Errorf("schema version = %d, want %d", version, SchemaVersion())
	}
	var want []string
	for _, b := range topBuckets() {
		want = append(want, string(b))
	}
	slices.Sort(want)
	if got := topLevel(t, db); !slices.Equal(got, want) {
		t.Errorf("buckets = %v, want %v", got, want)
	}
}

// TestMigrationRunsOnce adds a version to the shipped list and checks the
// machinery: it runs on the first Open only, bumps the recorded version,
// and the shipped binary, which stops one version earlier, then refuses
// the database.
func TestMigrationRunsOnce(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(Apps, "old", []byte("v1 value")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	runs := 0
	next := SchemaVersion() + 1
	v2 := append(schemaMigrations(), migration{
		version: next,
		name:    "test: copy apps/old to apps/new",
		apply: func(tx *bolt.Tx) error {
			runs++
			b := tx.Bucket(bucketApps)
			return b.Put([]byte("new"), b.Get([]byte("old")))
		},
	})
	for i := range 3 {
		s, err := open(dir, Options{}, v2)
		if err != nil {
			t.Fatalf("open #%d: %v", i+1, err)
		}
		if got, err := s.Get(Apps, "new"); err != nil || string(got) != "v1 value" {
			t.Errorf("open #%d: Get(apps, new) = %q, %v", i+1, got, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if runs != 1 {
		t.Errorf("migration %d ran %d times, want 1", next, runs)
	}

	db, err := bolt.Open(filepath.Join(dir, dbFileName), 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var version uint64
	err = db.View(func(tx *bolt.Tx) (err error) {
		version, err = readSchemaVersion(tx)
		return err
	})
	_ = db.Close()
	if err != nil || version != next {
		t.Errorf("schema version = %d, %v; want %d", version, err, next)
	}

	if _, err := Open(dir, Options{}); !errors.Is(err, ErrSchemaTooNew) {
		t.Errorf("Open by a version-%d binary: %v, want ErrSchemaTooNew", next-1, err)
	}
}

func TestFailedMigrationRollsBack(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	failing := append(schemaMigrations(), migration{
		version: SchemaVersion() + 1,
		name:    "test: write, then fail",
		apply: func(tx *bolt.Tx) error {
			if err := tx.Bucket(bucketApps).Put([]byte("half"), []byte("done")); err != nil {
				return err
			}
			return boom
		},
	})
	if _, err := open(dir, Options{}, failing); !errors.Is(err, boom) {
		t.Fatalf("open = %v, want %v", err, boom)
	}

	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatalf("Open after the failed migration: %v", err)
	}
	defer s.Close()
	if _, err := s.Get(Apps, "half"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the failed migration's write survived: %v", err)
	}
}

func TestCheckMigrations(t *testing.T) {
	noop := func(*bolt.Tx) error { return nil }
	tests := []struct {
		name string
		list []migration
		ok   bool
	}{
		{"shipped", schemaMigrations(), true},
		{"two in order", []migration{{1, "a", noop}, {2, "b", noop}}, true},
		{"empty", nil, false},
		{"starts at 0", []migration{{0, "a", noop}}, false},
		{"gap", []migration{{1, "a", noop}, {3, "c", noop}}, false},
		{"out of order", []migration{{2, "b", noop}, {1, "a", noop}}, false},
		{"no apply", []migration{{1, "a", nil}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkMigrations(tt.list)
			if (err == nil) != tt.ok {
				t.Fatalf("checkMigrations = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrBadSchema) {
				t.Errorf("err = %v, want ErrBadSchema", err)
			}
		})
	}
}

// TestMigration2DecisionsAndRunning opens a database of schema version 1
// with the shipped binary: it becomes version 2 with policy/decisions and
// running, and what version 1 held is untouched.
func TestMigration2DecisionsAndRunning(t *testing.T) {
	// A data directory as a version-1 jsorc left it.
	dir := t.TempDir()
	db, err := bolt.Open(filepath.Join(dir, dbFileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if err := migrateInitialLayout(tx); err != nil {
			return err
		}
		key, _ := timeKey(time.Unix(5, 0))
		reports, err := tx.Bucket([]byte("reports")).CreateBucket([]byte("benchmark"))
		if err != nil {
			return err
		}
		return errors.Join(
			tx.Bucket([]byte("meta")).Put([]byte("schema_version"), encodeUint64(1)),
			tx.Bucket([]byte("policy")).Put([]byte("name"), []byte("costmodel")),
			tx.Bucket([]byte("policy")).Put([]byte("params"), []byte(`{"hold":3}`)),
			tx.Bucket([]byte("apps")).Put([]byte("faq"), []byte(`{"steps":[]}`)),
			reports.Put(key, []byte(`{}`)),
		)
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}

	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var version uint64
	err = s.db.View(func(tx *bolt.Tx) (err error) {
		version, err = readSchemaVersion(tx)
		return err
	})
	if err != nil || version != SchemaVersion() {
		t.Errorf("schema version %d, %v; want %d", version, err, SchemaVersion())
	}
	if name, params, err := s.Policy(); name != "costmodel" || string(params) != `{"hold":3}` || err != nil {
		t.Errorf("policy after migration: %q %q %v", name, params, err)
	}
	if v, err := s.Get(Apps, "faq"); err != nil || string(v) != `{"steps":[]}` {
		t.Errorf("app after migration: %q %v", v, err)
	}
	if rs, err := s.Reports("benchmark", time.Time{}, 0); err != nil || len(rs) != 1 {
		t.Errorf("reports after migration: %d, %v", len(rs), err)
	}
	if err := s.AppendDecisions([]Report{{TS: time.Unix(6, 0), Value: []byte(`{}`)}}, 10); err != nil {
		t.Errorf("decisions after migration: %v", err)
	}
	if err := s.SaveProgress("benchmark", []byte(`{}`), nil, 0); err != nil {
		t.Errorf("progress after migration: %v", err)
	}
}

// TestMigration3TaskQueue opens a database of schema version 2 with the
// shipped binary: it becomes version 3 with the task queue (tasks), and
// what version 2 held is untouched.
func TestMigration3TaskQueue(t *testing.T) {
	dir := t.TempDir()
	db, err := bolt.Open(filepath.Join(dir, dbFileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if err := migrateInitialLayout(tx); err != nil {
			return err
		}
		if err := migrateDecisionsAndRunning(tx); err != nil {
			return err
		}
		return errors.Join(
			tx.Bucket([]byte("meta")).Put([]byte("schema_version"), encodeUint64(2)),
			tx.Bucket([]byte("apps")).Put([]byte("faq"), []byte(`{"steps":[]}`)),
		)
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var version uint64
	err = s.db.View(func(tx *bolt.Tx) (err error) {
		version, err = readSchemaVersion(tx)
		return err
	})
	if err != nil || version != 3 {
		t.Errorf("schema version %d, %v; want 3", version, err)
	}
	if err := s.Put(Tasks, "t1", []byte(`{"state":"PENDING"}`)); err != nil {
		t.Errorf("the task queue after migration: %v", err)
	}
	if v, err := s.Get(Apps, "faq"); err != nil || string(v) != `{"steps":[]}` {
		t.Errorf("app after migration: %q %v", v, err)
	}
}

package store_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/jsorc/jsorc/store"
)

// setSchemaVersion overwrites meta/schema_version of the closed database
// in dir, as another jsorc binary would have written it.
func setSchemaVersion(t *testing.T, dir string, raw []byte) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(dir, "jsorc.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("meta")).Put([]byte("schema_version"), raw)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func fileSum(t *testing.T, path string) [sha256.Size]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func TestOpenRefusesUnknownSchema(t *testing.T) {
	be := func(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }
	tests := []struct {
		name string
		raw  []byte
		want error
	}{
		{"next version", be(store.SchemaVersion() + 1), store.ErrSchemaTooNew},
		{"far future", be(math.MaxUint64), store.ErrSchemaTooNew},
		{"short value", []byte{1}, store.ErrBadSchema},
		{"text value", []byte("1"), store.ErrBadSchema},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := store.Open(dir, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Put(store.Apps, "kept", []byte("v")); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			setSchemaVersion(t, dir, tt.raw)
			db := filepath.Join(dir, "jsorc.db")
			before := fileSum(t, db)

			s, err = store.Open(dir, store.Options{})
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			t.Logf("Open: %v", err)
			if after := fileSum(t, db); !bytes.Equal(before[:], after[:]) {
				t.Error("the refused database file was modified")
			}
			if _, err := os.Stat(filepath.Join(dir, "jsorc.pid")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("pid file after a refused Open: %v, want not exist", err)
			}
		})
	}
}

func TestSchemaVersionRecorded(t *testing.T) {
	s, dir := openTemp(t)
	s = reopen(t, s, dir) // a second Open must not bump or rewrite it
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(filepath.Join(dir, "jsorc.db"), 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket([]byte("meta")).Get([]byte("schema_version"))
		if len(raw) != 8 || binary.BigEndian.Uint64(raw) != store.SchemaVersion() {
			t.Errorf("schema_version = %x, want %d as 8 big-endian bytes", raw, store.SchemaVersion())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

package store_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/jsorc/jsorc/store"
)

func TestOpenCreatesFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "data")
	s, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()

	if want := filepath.Join(dir, "jsorc.db"); s.Path() != want {
		t.Errorf("Path() = %q, want %q", s.Path(), want)
	}
	tests := []struct {
		path string
		mode os.FileMode
	}{
		{dir, 0o700 | os.ModeDir},
		{filepath.Join(dir, "jsorc.db"), 0o600},
		{filepath.Join(dir, "jsorc.pid"), 0o600},
	}
	for _, tt := range tests {
		fi, err := os.Stat(tt.path)
		if err != nil {
			t.Errorf("stat: %v", err)
			continue
		}
		// The umask can only take permissions away.
		if got := fi.Mode() &^ tt.mode; got != 0 {
			t.Errorf("%s: mode %v has bits beyond %v", tt.path, fi.Mode(), tt.mode)
		}
		if fi.Mode().Type() != tt.mode.Type() {
			t.Errorf("%s: type %v, want %v", tt.path, fi.Mode().Type(), tt.mode.Type())
		}
	}
	pid, err := os.ReadFile(filepath.Join(dir, "jsorc.pid"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.TrimSpace(string(pid)), strconv.Itoa(os.Getpid()); got != want {
		t.Errorf("pid file holds %q, want %q", got, want)
	}
}

func TestOpenEmptyDir(t *testing.T) {
	if _, err := store.Open("", store.Options{}); err == nil {
		t.Fatal("Open(\"\") succeeded")
	}
}

func TestReopenKeepsData(t *testing.T) {
	s, dir := openTemp(t)
	ts := time.Date(2024, 5, 1, 12, 0, 0, 123456789, time.UTC)

	steps := []struct {
		name string
		do   func(*store.Store) error
	}{
		{"meta", func(s *store.Store) error { return s.SetMeta([]byte(`{"automation":true}`)) }},
		{"policy", func(s *store.Store) error { return s.SetPolicy("evaluation", []byte(`{"eval_phase":10}`)) }},
		{"action config", func(s *store.Store) error { return s.Put(store.ActionConfigs, "use_enc", []byte(`{"mem":3998}`)) }},
		{"app", func(s *store.Store) error { return s.Put(store.Apps, "faq", []byte(`["use_qa"]`)) }},
		{"mode", func(s *store.Store) error { return s.Put(store.Modes, "use_enc", []byte(`"remote"`)) }},
		{"service", func(s *store.Store) error { return s.Put(store.Services, "redis", []byte(`{}`)) }},
		{"report", func(s *store.Store) error { return s.AppendReport("benchmark", ts, []byte(`{"all":{}}`)) }},
	}
	for _, st := range steps {
		if err := st.do(s); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
	}

	s = reopen(t, s, dir)

	meta, err := s.Meta()
	if err != nil || string(meta) != `{"automation":true}` {
		t.Errorf("Meta() = %q, %v", meta, err)
	}
	name, params, err := s.Policy()
	if err != nil || name != "evaluation" || string(params) != `{"eval_phase":10}` {
		t.Errorf("Policy() = %q, %q, %v", name, params, err)
	}
	records := []struct {
		kind  store.Kind
		name  string
		value string
	}{
		{store.ActionConfigs, "use_enc", `{"mem":3998}`},
		{store.Apps, "faq", `["use_qa"]`},
		{store.Modes, "use_enc", `"remote"`},
		{store.Services, "redis", `{}`},
	}
	for _, r := range records {
		got, err := s.Get(r.kind, r.name)
		if err != nil || string(got) != r.value {
			t.Errorf("Get(%s, %s) = %q, %v; want %q", r.kind, r.name, got, err, r.value)
		}
	}
	reps, err := s.Reports("benchmark", time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 1 || !reps[0].TS.Equal(ts) || string(reps[0].Value) != `{"all":{}}` {
		t.Errorf("Reports() = %+v", reps)
	}
}

func TestClose(t *testing.T) {
	dir := t.TempDir()
	s, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "jsorc.pid")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("pid file after Close: %v, want not exist", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}

	calls := []struct {
		name string
		call func() error
	}{
		{"Put", func() error { return s.Put(store.Apps, "a", []byte("x")) }},
		{"Get", func() error { _, err := s.Get(store.Apps, "a"); return err }},
		{"List", func() error { _, err := s.List(store.Apps); return err }},
		{"Meta", func() error { _, err := s.Meta(); return err }},
		{"AppendReport", func() error { return s.AppendReport("k", time.Now(), nil) }},
	}
	for _, c := range calls {
		if err := c.call(); !errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
			t.Errorf("%s after Close: %v, want %v", c.name, err, bolterrors.ErrDatabaseNotOpen)
		}
	}
}

func TestOpenRecreatesMissingBucket(t *testing.T) {
	s, dir := openTemp(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(filepath.Join(dir, "jsorc.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte("apps")) }); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Put(store.Apps, "a", []byte("x")); err != nil {
		t.Errorf("Put after the bucket was recreated: %v", err)
	}
	if got, err := s.Get(store.Apps, "a"); err != nil || !bytes.Equal(got, []byte("x")) {
		t.Errorf("Get = %q, %v", got, err)
	}
}

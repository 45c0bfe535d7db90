package store_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/jsorc/jsorc/store"
)

// TestLayout checks the file against the bucket tree drawn in doc.go: if it
// fails after a schema change, update the drawing, then this test.
func TestLayout(t *testing.T) {
	s, dir := openTemp(t)
	ts := time.Unix(0, 0x0102030405060708)
	for _, err := range []error{
		s.SetMeta([]byte(`{}`)),
		s.SetPolicy("default", []byte(`{}`)),
		s.Put("action_configs", "use_enc", []byte(`{}`)),
		s.Put("apps", "faq", []byte(`{}`)),
		s.Put("modes", "use_enc", []byte(`"module"`)),
		s.Put("services", "redis", []byte(`{}`)),
		s.Put("tasks", "t1", []byte(`{}`)),
		s.AppendReport("benchmark", ts, []byte(`{}`)),
		s.AppendDecisions([]store.Report{{TS: ts, Value: []byte(`{}`)}}, 0),
		s.SaveProgress("benchmark", []byte(`{}`), []store.Report{{TS: ts, Value: []byte(`{}`)}}, 0),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := bolt.Open(filepath.Join(dir, "jsorc.db"), 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var got []string
	err = db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			walk(&got, string(name)+"/", b)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"action_configs/use_enc",
		"apps/faq",
		"meta/config",
		"meta/schema_version",
		"modes/use_enc",
		"policy/decisions/0102030405060708",
		"policy/name",
		"policy/params",
		"reports/benchmark/0102030405060708",
		"running/benchmark/entries/0102030405060708",
		"running/benchmark/state",
		"services/redis",
		"tasks/t1",
	}
	if !slices.Equal(got, want) {
		t.Errorf("layout:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// walk appends the path of every key under b to paths, descending into
// nested buckets; keys under reports are shown in hex.
func walk(paths *[]string, prefix string, b *bolt.Bucket) {
	_ = b.ForEach(func(k, v []byte) error {
		if v == nil {
			walk(paths, prefix+string(k)+"/", b.Bucket(k))
			return nil
		}
		key := string(k)
		if strings.HasPrefix(prefix, "reports/") || strings.HasSuffix(prefix, "/decisions/") || strings.HasSuffix(prefix, "/entries/") {
			key = fmt.Sprintf("%x", k)
		}
		*paths = append(*paths, prefix+key)
		return nil
	})
}

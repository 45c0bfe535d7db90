package api_test

import (
	"errors"
	"io/fs"
	"os"
	"testing"

	"github.com/jsorc/jsorc/api"
)

func TestClientURL(t *testing.T) {
	for _, tc := range []struct {
		addr string
		tls  bool
		want string
	}{
		{"127.0.0.1:8799", false, "http://127.0.0.1:8799"},
		{"0.0.0.0:18799", false, "http://127.0.0.1:18799"},
		{"[::]:8799", true, "https://[::1]:8799"},
		{"[::1]:9000", false, "http://[::1]:9000"},
		{"jsorc.internal:443", true, "https://jsorc.internal:443"},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			if got := api.ClientURL(tc.addr, tc.tls); got != tc.want {
				t.Errorf("ClientURL(%q, %v) = %q, want %q", tc.addr, tc.tls, got, tc.want)
			}
		})
	}
}

// TestURLFile writes, reads and removes the URL file, and checks that the
// removal of a first engine leaves a second engine's file alone.
func TestURLFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := api.ReadURLFile(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("no file: err %v, want fs.ErrNotExist", err)
	}
	removeFirst, err := api.WriteURLFile(dir, "http://127.0.0.1:18799")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := api.ReadURLFile(dir); err != nil || got != "http://127.0.0.1:18799" {
		t.Fatalf("read %q, %v", got, err)
	}
	removeSecond, err := api.WriteURLFile(dir, "https://127.0.0.1:18800")
	if err != nil {
		t.Fatal(err)
	}
	if err := removeFirst(); err != nil {
		t.Fatal(err)
	}
	if got, err := api.ReadURLFile(dir); err != nil || got != "https://127.0.0.1:18800" {
		t.Fatalf("the first engine's removal took the second's file: read %q, %v", got, err)
	}
	if err := removeSecond(); err != nil {
		t.Fatal(err)
	}
	if _, err := api.ReadURLFile(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("after removal: err %v, want fs.ErrNotExist", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("left in the data directory: %v", entries)
	}
}

func TestReadURLFileRefusesJunk(t *testing.T) {
	for _, junk := range []string{"", "8799", "ftp://x:1", "http://", "not a url\n"} {
		t.Run(junk, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(api.URLPath(dir), []byte(junk), 0o600); err != nil {
				t.Fatal(err)
			}
			if got, err := api.ReadURLFile(dir); err == nil {
				t.Errorf("read %q from %q, want an error", got, junk)
			}
		})
	}
}

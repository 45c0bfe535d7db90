package api

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// TokenFileName is the API token's file in the engine's data directory.
const TokenFileName = "api-token"

// tokenBytes is the token's entropy: 32 random bytes, written as 64 hex
// digits.
const tokenBytes = 32

// TokenPath returns where the engine on dataDir keeps its token.
func TokenPath(dataDir string) string { return filepath.Join(dataDir, TokenFileName) }

// EnsureToken returns the token of the engine on dataDir, creating the file
// (mode 0600, 32 random bytes in hex) when there is none yet; created says
// whether it did. A token file that other users may read, or that is empty,
// is an error naming the file and the fix: the token is the root of trust.
func EnsureToken(dataDir string) (token string, created bool, err error) {
	path := TokenPath(dataDir)
	tok, err := ReadTokenFile(path)
	if err == nil {
		if err := checkPrivate(path); err != nil {
			return "", false, err
		}
		return tok, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", false, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", false, fmt.Errorf("API token: data directory: %w", err)
	}
	raw := make([]byte, tokenBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", false, fmt.Errorf("API token: %w", err)
	}
	tok = hex.EncodeToString(raw)
	// O_EXCL: never overwrite a token another process wrote meanwhile.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", false, fmt.Errorf("API token: creating %s: %w", path, err)
	}
	if _, err := f.WriteString(tok + "\n"); err != nil {
		f.Close()
		return "", false, fmt.Errorf("API token: writing %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", false, fmt.Errorf("API token: writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return "", false, fmt.Errorf("API token: writing %s: %w", path, err)
	}
	return tok, true, nil
}

// ReadTokenFile reads a token from path: its first line, trimmed. A missing
// file is an error matching fs.ErrNotExist; an empty one is an error too.
func ReadTokenFile(path string) (string, error) {
	tok, err := readFirstLine(path, "API token", "the token")
	if err != nil {
		return "", err
	}
	if err := CheckToken(tok); err != nil {
		return "", fmt.Errorf("API token: %s: %w", path, err)
	}
	return tok, nil
}

// maxSmallFile bounds what the token and URL files may hold.
const maxSmallFile = 4096

// readFirstLine reads the first line of the small file at path, trimmed.
// what names the file in errors, holds what it should hold alone; a
// missing file is an error matching fs.ErrNotExist.
func readFirstLine(path, what, holds string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	defer f.Close()
	buf, err := io.ReadAll(io.LimitReader(f, maxSmallFile+1))
	if err != nil {
		return "", fmt.Errorf("%s: reading %s: %w", what, path, err)
	}
	if len(buf) > maxSmallFile {
		return "", fmt.Errorf("%s: %s is larger than %d bytes; it should hold %s alone", what, path, maxSmallFile, holds)
	}
	line, _, _ := strings.Cut(string(buf), "\n")
	return strings.TrimSpace(line), nil
}

// CheckToken refuses a token that is empty or that cannot travel in an HTTP
// header (spaces, control characters, non-ASCII).
func CheckToken(tok string) error {
	if tok == "" {
		return errors.New("the token is empty")
	}
	for i := 0; i < len(tok); i++ {
		if c := tok[i]; c <= ' ' || c >= 0x7f {
			return fmt.Errorf("the token holds a character (byte %d) that cannot travel in an HTTP header", i)
		}
	}
	return nil
}

// checkPrivate refuses a token file that users other than its owner may
// read or write.
func checkPrivate(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("API token: %w", err)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("API token: %s has mode %04o, so other users can read it: `chmod 600 %s` (or delete it to get a new token)", path, perm, path)
	}
	return nil
}

package services

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// A service whose Definition sets Password is protected by a password that
// jsorc generates once per data directory and keeps in
// DATA/services/<name>.password: one line, mode 0600, owned by the user
// the service runs as (PostgreSQL's initdb reads it). It stays outside the
// service's data directory, which initdb wants empty. Deleting the file
// makes the next start generate a new password and, for data that already
// exists, run the definition's Rekey steps to set it there.

// passwordBytes is the entropy of a generated password: 256 bits, written
// as 43 characters of unpadded base64url (no quoting needed in any config
// file).
const passwordBytes = 32

// passwordPath is where the password of service name is kept.
func (m *Manager) passwordPath(name string) string {
	return filepath.Join(m.opts.DataDir, "services", name+".password")
}

// ensurePassword returns the password kept at path, or generates and
// writes one when the file is missing or empty; created says which. The
// file is made mode 0600 and, when acct is set, owned by acct.
func ensurePassword(path string, acct *account) (password string, created bool, err error) {
	b, err := os.ReadFile(path)
	switch {
	case err == nil && strings.TrimSpace(string(b)) != "":
		password = strings.TrimSpace(string(b))
	case err == nil || errors.Is(err, fs.ErrNotExist):
		if password, err = GeneratePassword(); err != nil {
			return "", false, err
		}
		created = true
		if err := writePasswordFile(path, password); err != nil {
			return "", false, err
		}
	default:
		return "", false, fmt.Errorf("password file: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return "", false, fmt.Errorf("password file: %w", err)
	}
	if acct != nil {
		if err := os.Chown(path, acct.uid, acct.gid); err != nil {
			return "", false, fmt.Errorf("password file: give it to %s: %w", acct.name, err)
		}
	}
	return password, created, nil
}

// GeneratePassword returns a new random password of 256 bits, as 43
// characters that need no quoting in any configuration file.
func GeneratePassword() (string, error) {
	raw := make([]byte, passwordBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("generate a password: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

// RedisConfig is the configuration file of the bundled redis for password:
// requirepass and the disabled commands.
func RedisConfig(password string) string {
	return strings.ReplaceAll(redisConfig, "{password}", password)
}

// writePasswordFile replaces path with password, atomically and durably.
func writePasswordFile(path, password string) (err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o711); err != nil {
		return fmt.Errorf("password file: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".password-*.tmp")
	if err != nil {
		return fmt.Errorf("password file: %w", err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	_, err = tmp.WriteString(password + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("password file: %w", err)
	}
	return nil
}

// SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL uses it.
const (
	scramMechanism  = "SCRAM-SHA-256"
	scramIterations = 4096 // PostgreSQL's default scram_iterations
	scramSaltBytes  = 16
)

// SCRAMVerifier returns the verifier PostgreSQL stores for password:
// "SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>", base64. An
// ALTER ROLE ... PASSWORD given a verifier stores it as is, so the
// password itself never reaches the server or its logs. PostgreSQL would
// SASLprep the password first; a generated one is plain ASCII, which
// SASLprep leaves alone.
func SCRAMVerifier(password string) (string, error) {
	salt := make([]byte, scramSaltBytes)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("scram salt: %w", err)
	}
	salted, err := pbkdf2.Key(sha256.New, password, salt, scramIterations, sha256.Size)
	if err != nil {
		return "", fmt.Errorf("scram: %w", err)
	}
	stored := sha256.Sum256(hmacSHA256(salted, "Client Key"))
	server := hmacSHA256(salted, "Server Key")
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("%s$%d:%s$%s:%s", scramMechanism, scramIterations, b64(salt), b64(stored[:]), b64(server)), nil
}

// hmacSHA256 is HMAC-SHA-256 of msg under key.
func hmacSHA256(key []byte, msg string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(msg))
	return h.Sum(nil)
}

package services

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The authentication requests of PostgreSQL's protocol 3.0 that the probe
// answers (the code after an 'R' message).
const (
	pgAuthCleartext    = 3
	pgAuthMD5          = 5
	pgAuthSASL         = 10
	pgAuthSASLContinue = 11
	pgAuthSASLFinal    = 12
	pgPasswordMessage  = 'p' // PasswordMessage, SASLInitialResponse, SASLResponse
	scramMaxIterations = 1 << 20
)

// pgAuth answers one session's authentication requests with a password.
type pgAuth struct {
	user, password string

	// SCRAM state between the client's first and last message.
	nonce       string
	clientFirst string // client-first-message-bare
	serverKey   []byte
	authMessage string
	done        bool // the server's signature was verified
}

// answer returns the message to send for the request code with payload
// (the bytes after the code), or nil when none is due.
func (a *pgAuth) answer(code uint32, payload []byte) ([]byte, error) {
	if code != pgAuthOK && a.password == "" {
		return nil, fmt.Errorf("server asks for a password (%s) and the probe has none: "+
			"give the service a password (password: true in its definition)", pgAuthName(code))
	}
	switch code {
	case pgAuthMD5:
		if len(payload) < 4 {
			return nil, errors.New("short MD5 request")
		}
		inner := md5.Sum([]byte(a.password + a.user))
		outer := md5.Sum(append([]byte(hex.EncodeToString(inner[:])), payload[:4]...))
		return pgMessage(pgPasswordMessage, []byte("md5"+hex.EncodeToString(outer[:])+"\x00")), nil
	case pgAuthSASL:
		if !pgHasMechanism(payload, scramMechanism) {
			return nil, fmt.Errorf("server offers SASL mechanisms %q, not %s", pgMechanisms(payload), scramMechanism)
		}
		return a.scramFirst()
	case pgAuthSASLContinue:
		return a.scramFinal(string(payload))
	case pgAuthSASLFinal:
		return nil, a.scramVerify(string(payload))
	case pgAuthCleartext:
		return nil, errors.New("server asks for a cleartext password; the probe sends only SCRAM-SHA-256 or MD5")
	default:
		return nil, fmt.Errorf("server asks for %s, which the probe does not speak", pgAuthName(code))
	}
}

// scramFirst is the SASLInitialResponse: the mechanism and the
// client-first-message (no channel binding; PostgreSQL takes the user
// from the startup message, so n= is empty).
func (a *pgAuth) scramFirst() ([]byte, error) {
	raw := make([]byte, 18)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("scram nonce: %w", err)
	}
	a.nonce = base64.RawStdEncoding.EncodeToString(raw)
	a.clientFirst = "n=,r=" + a.nonce
	first := "n,," + a.clientFirst
	body := append([]byte(scramMechanism+"\x00"), binary.BigEndian.AppendUint32(nil, uint32(len(first)))...)
	return pgMessage(pgPasswordMessage, append(body, first...)), nil
}

// scramFinal answers the server-first-message with the proof.
func (a *pgAuth) scramFinal(serverFirst string) ([]byte, error) {
	f := scramFields(serverFirst)
	nonce, salt64, iter64 := f["r"], f["s"], f["i"]
	if !strings.HasPrefix(nonce, a.nonce) || len(nonce) == len(a.nonce) {
		return nil, errors.New("SCRAM: the server's nonce does not extend ours")
	}
	salt, err := base64.StdEncoding.DecodeString(salt64)
	if err != nil || len(salt) == 0 {
		return nil, fmt.Errorf("SCRAM: bad salt %q", salt64)
	}
	iter, err := strconv.Atoi(iter64)
	if err != nil || iter < 1 || iter > scramMaxIterations {
		return nil, fmt.Errorf("SCRAM: bad iteration count %q", iter64)
	}
	salted, err := pbkdf2.Key(sha256.New, a.password, salt, iter, sha256.Size)
	if err != nil {
		return nil, fmt.Errorf("SCRAM: %w", err)
	}
	clientKey := hmacSHA256(salted, "Client Key")
	storedKey := sha256.Sum256(clientKey)
	withoutProof := "c=biws,r=" + nonce // biws: base64 of the gs2 header "n,,"
	a.authMessage = a.clientFirst + "," + serverFirst + "," + withoutProof
	proof := hmacSHA256(storedKey[:], a.authMessage)
	for i := range proof {
		proof[i] ^= clientKey[i]
	}
	a.serverKey = hmacSHA256(salted, "Server Key")
	final := withoutProof + ",p=" + base64.StdEncoding.EncodeToString(proof)
	return pgMessage(pgPasswordMessage, []byte(final)), nil
}

// scramVerify checks the server's signature: it proves that the server
// knows the verifier, not only that it let the probe in.
func (a *pgAuth) scramVerify(serverFinal string) error {
	f := scramFields(serverFinal)
	if e := f["e"]; e != "" {
		return fmt.Errorf("SCRAM: server says %s", e)
	}
	got, err := base64.StdEncoding.DecodeString(f["v"])
	if err != nil || a.serverKey == nil {
		return errors.New("SCRAM: bad server-final-message")
	}
	if !hmac.Equal(got, hmacSHA256(a.serverKey, a.authMessage)) {
		return errors.New("SCRAM: the server's signature is wrong (not the server that holds this password)")
	}
	a.done = true
	return nil
}

// scramFields splits "k=v,k=v" into a map.
func scramFields(s string) map[string]string {
	out := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok && len(k) == 1 {
			out[k] = v
		}
	}
	return out
}

// pgMessage frames a frontend message: type, length (counting itself),
// body.
func pgMessage(typ byte, body []byte) []byte {
	msg := append([]byte{typ}, binary.BigEndian.AppendUint32(nil, uint32(len(body)+4))...)
	return append(msg, body...)
}

// pgMechanisms lists the SASL mechanisms of an AuthenticationSASL payload.
func pgMechanisms(payload []byte) []string {
	var out []string
	for _, m := range bytes.Split(payload, []byte{0}) {
		if len(m) > 0 {
			out = append(out, string(m))
		}
	}
	return out
}

func pgHasMechanism(payload []byte, want string) bool {
	for _, m := range pgMechanisms(payload) {
		if m == want {
			return true
		}
	}
	return false
}

// pgAuthName names an authentication request code.
func pgAuthName(code uint32) string {
	switch code {
	case pgAuthCleartext:
		return "a cleartext password"
	case pgAuthMD5:
		return "MD5"
	case pgAuthSASL, pgAuthSASLContinue, pgAuthSASLFinal:
		return "SASL"
	}
	return fmt.Sprintf("authentication method %d", code)
}

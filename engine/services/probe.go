package services

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// defaultProbeTimeout bounds a Check whose context has no deadline.
const defaultProbeTimeout = 5 * time.Second

// Check probes the service listening at addr ("host:port") with p's
// protocol, without a password, and returns nil if it works. It gives up
// when ctx ends, and after 5 seconds if ctx has no deadline. Every
// connection is closed before Check returns.
func (p Probe) Check(ctx context.Context, addr string) error {
	return p.CheckWithPassword(ctx, addr, "")
}

// CheckWithPassword is Check for a service that requires password: Redis
// gets AUTH before PING, PostgreSQL a SCRAM-SHA-256 (or MD5) exchange
// whose server signature is verified too. HTTP and TCP probes ignore it.
func (p Probe) CheckWithPassword(ctx context.Context, addr, password string) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultProbeTimeout)
		defer cancel()
	}
	var err error
	switch p.Kind {
	case ProbeRedis:
		err = probeRedis(ctx, addr, password)
	case ProbeHTTP:
		err = probeHTTP(ctx, "http://"+addr+p.Path)
	case ProbePostgres:
		user, db := p.User, p.Database
		if user == "" {
			user = "jsorc"
		}
		if db == "" {
			db = "postgres"
		}
		err = probePostgres(ctx, addr, user, db, password)
	case ProbeTCP:
		var c net.Conn
		if c, err = dial(ctx, addr); err == nil {
			err = c.Close()
		}
	default:
		err = fmt.Errorf("unknown probe kind %q", p.Kind)
	}
	if err != nil {
		return fmt.Errorf("%s probe %s: %w", p.Kind, addr, err)
	}
	return nil
}

// dial connects to addr and arranges for the connection's I/O to end when
// ctx does (its deadline, or its cancellation).
func dial(ctx context.Context, addr string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	return &ctxConn{Conn: c, stop: stop}, nil
}

// ctxConn is a connection tied to a context by dial.
type ctxConn struct {
	net.Conn
	stop func() bool
}

func (c *ctxConn) Close() error {
	c.stop()
	return c.Conn.Close()
}

// probeRedis sends AUTH password (when there is one) and PING in RESP,
// and expects +OK and +PONG.
func probeRedis(ctx context.Context, addr, password string) error {
	c, err := dial(ctx, addr)
	if err != nil {
		return err
	}
	defer func() { _ = c.Close() }() // the verdict is in; a close error adds nothing
	r := bufio.NewReaderSize(c, 512)
	if password != "" {
		auth := fmt.Sprintf("*2\r\n$4\r\nAUTH\r\n$%d\r\n%s\r\n", len(password), password)
		if _, err := io.WriteString(c, auth); err != nil {
			return fmt.Errorf("send AUTH: %w", err)
		}
		line, err := readRESPLine(r)
		if err != nil {
			return fmt.Errorf("read reply to AUTH: %w", err)
		}
		if line != "+OK" {
			return fmt.Errorf("AUTH answered %q: the password does not match the server's", line)
		}
	}
	if _, err := io.WriteString(c, "*1\r\n$4\r\nPING\r\n"); err != nil {
		return fmt.Errorf("send PING: %w", err)
	}
	line, err := readRESPLine(r)
	if err != nil {
		return fmt.Errorf("read reply to PING: %w", err)
	}
	if strings.HasPrefix(line, "-NOAUTH") {
		return fmt.Errorf("PING answered %q: the server requires a password (password: true in its definition)", line)
	}
	if line != "+PONG" {
		return fmt.Errorf("PING answered %q, want +PONG", line)
	}
	return nil
}

// readRESPLine reads one simple reply line, without its CRLF.
func readRESPLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// probeHTTP sends GET url on a fresh connection and expects 200.
func probeHTTP(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	client := &http.Client{
		Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil},
		// A probe judges the answer of the path it was given.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", req.URL.Path, resp.Status, bytes.TrimSpace(body))
	}
	return nil
}

// PostgreSQL wire protocol constants used by probePostgres.
const (
	pgProtocol30   = 3 << 16 // protocol version 3.0
	pgMaxMessage   = 1 << 20 // larger messages are not expected before ReadyForQuery
	pgAuthOK       = 0
	pgAuthRequest  = 'R'
	pgError        = 'E'
	pgReady        = 'Z'
	pgTerminate    = 'X'
	pgErrorMessage = 'M'
	pgErrorCode    = 'C'
	pgErrorLevel   = 'S'
)

// probePostgres opens a session as user on database with the startup
// message of protocol 3.0, authenticates with password when the server
// asks (SCRAM-SHA-256, verifying the server's signature, or MD5), expects
// AuthenticationOk and then ReadyForQuery, and ends the session with
// Terminate.
func probePostgres(ctx context.Context, addr, user, database, password string) error {
	c, err := dial(ctx, addr)
	if err != nil {
		return err
	}
	defer func() { _ = c.Close() }() // the verdict is in; a close error adds nothing

	var body bytes.Buffer
	_ = binary.Write(&body, binary.BigEndian, int32(pgProtocol30))
	for _, s := range []string{"user", user, "database", database, "application_name", "jsorc-probe"} {
		body.WriteString(s)
		body.WriteByte(0)
	}
	body.WriteByte(0)
	msg := binary.BigEndian.AppendUint32(nil, uint32(body.Len()+4))
	msg = append(msg, body.Bytes()...)
	if _, err := c.Write(msg); err != nil {
		return fmt.Errorf("send startup message: %w", err)
	}

	r := bufio.NewReader(c)
	auth := &pgAuth{user: user, password: password}
	authed := false
	for {
		typ, payload, err := readPGMessage(r)
		if err != nil {
			return err
		}
		switch typ {
		case pgAuthRequest:
			if len(payload) < 4 {
				return errors.New("short authentication message")
			}
			code := binary.BigEndian.Uint32(payload)
			if code == pgAuthOK {
				if auth.nonce != "" && !auth.done {
					return errors.New("SCRAM: the server let the probe in without proving that it knows the password")
				}
				authed = true
				continue
			}
			reply, err := auth.answer(code, payload[4:])
			if err != nil {
				return err
			}
			if reply != nil {
				if _, err := c.Write(reply); err != nil {
					return fmt.Errorf("send authentication: %w", err)
				}
			}
		case pgError:
			return fmt.Errorf("server error: %s", pgErrorText(payload))
		case pgReady:
			if !authed {
				return errors.New("ReadyForQuery before AuthenticationOk")
			}
			if _, err := c.Write([]byte{pgTerminate, 0, 0, 0, 4}); err != nil {
				return fmt.Errorf("send Terminate: %w", err)
			}
			return nil
		default:
			// ParameterStatus, BackendKeyData, NoticeResponse: not needed.
		}
	}
}

// readPGMessage reads one backend message: a type byte, a length that
// counts itself, and the payload.
func readPGMessage(r *bufio.Reader) (byte, []byte, error) {
	var head [5]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return 0, nil, fmt.Errorf("read message: %w", err)
	}
	n := binary.BigEndian.Uint32(head[1:])
	if n < 4 || n > pgMaxMessage {
		return 0, nil, fmt.Errorf("message %q has bad length %d (not a PostgreSQL server?)", head[0], n)
	}
	payload := make([]byte, n-4)
	if _, err := io.ReadFull(r, payload); err != nil {
		return 0, nil, fmt.Errorf("read message %q: %w", head[0], err)
	}
	return head[0], payload, nil
}

// pgErrorText renders the fields of an ErrorResponse as
// "FATAL 57P03: the database system is starting up".
func pgErrorText(payload []byte) string {
	fields := map[byte]string{}
	for len(payload) > 1 {
		code := payload[0]
		end := bytes.IndexByte(payload[1:], 0)
		if end < 0 {
			break
		}
		fields[code] = string(payload[1 : 1+end])
		payload = payload[end+2:]
	}
	text := strings.TrimSpace(fields[pgErrorLevel] + " " + fields[pgErrorCode])
	if text != "" {
		text += ": "
	}
	return text + fields[pgErrorMessage]
}

package protocol

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"time"
)

// The frame protocol carries the Jaseci protocol's requests and answers
// between the engine and its own action servers over a Unix domain socket,
// without HTTP's text headers and without net/http's reader and writer
// goroutines on the calling side: a call is one write and one read on a
// kept-alive connection. The paths, statuses, bodies and the error class
// are the HTTP ones, so a handler answers both the same way; everyone else
// keeps talking HTTP over TCP.
//
// A connection starts with FramePreface from both ends, the server's sent
// as soon as it accepts, before it reads anything: a client that reads
// something else (or nothing) knows its call reached no frame server and
// was not run, and sends it over HTTP instead. Then, any number of times,
// one request and its answer, all integers big-endian:
//
//	request: u32 n | u8 method | i64 deadline (Unix ns, 0: none) | u16 p | path[p] | body[n-11-p]
//	answer:  u32 n | u16 status | u32 server µs | u8 c | class[c] | body[n-7-c]
//
// method is 'G' (GET), 'H' (HEAD) or 'P' (POST); class is the
// ErrorClassHeader of a 500, empty otherwise; server µs is the
// ServerTimingHeader's duration in microseconds (0: none, or under 1 µs).
// A request carries its caller's deadline, since the server does not watch
// an idle-looking connection for its caller going away. Version 2 added
// the server time; a client and a server of different versions see each
// other's preface differ, and the call goes over HTTP.

// FramePreface opens every frame connection, from both ends.
const FramePreface = "JSORC-FRAMES/2\n"

// Frame limits.
const (
	// maxFramePath bounds a request's path.
	maxFramePath = 4096
	// requestHeaderLen is a request frame's fixed part after its length.
	requestHeaderLen = 1 + 8 + 2
	// answerHeaderLen is an answer frame's fixed part after its length.
	answerHeaderLen = 2 + 4 + 1
	// maxDrain is the most of an unread request body the server reads
	// past to keep a connection; a larger rest closes it instead.
	maxDrain = 1 << 20
)

// ErrNotRead is matched (errors.Is) by the error of a call whose action
// server closed the frame connection without reading the call: it did not
// run, and may be sent elsewhere.
var ErrNotRead = errors.New("the action server closed the connection without reading the call")

// errNotFrames is the error of a socket whose other end does not speak the
// frame protocol.
var errNotFrames = errors.New("the socket's server does not speak jsorc's frame protocol")

// methodCode maps the methods the frame protocol carries to their byte.
func methodCode(m string) (byte, bool) {
	switch m {
	case http.MethodPost:
		return 'P', true
	case http.MethodGet, "":
		return 'G', true
	case http.MethodHead:
		return 'H', true
	}
	return 0, false
}

// methodName is methodCode's inverse.
func methodName(c byte) (string, bool) {
	switch c {
	case 'P':
		return http.MethodPost, true
	case 'G':
		return http.MethodGet, true
	case 'H':
		return http.MethodHead, true
	}
	return "", false
}

// requestHead is a request frame's fixed part and path.
type requestHead struct {
	method   string
	deadline time.Time // zero: none
	path     string
	bodyLen  int64
}

// appendRequestHead appends a request frame's length, fixed part and path
// for a body of bodyLen bytes.
func appendRequestHead(b []byte, method byte, deadline time.Time, path string, bodyLen int64) ([]byte, error) {
	if len(path) > maxFramePath {
		return b, fmt.Errorf("frame: path of %d bytes (at most %d)", len(path), maxFramePath)
	}
	n := int64(requestHeaderLen+len(path)) + bodyLen
	if n > 1<<32-1 {
		return b, fmt.Errorf("frame: request of %d bytes (at most 4 GiB)", n)
	}
	var dl int64
	if !deadline.IsZero() {
		dl = deadline.UnixNano()
	}
	b = binary.BigEndian.AppendUint32(b, uint32(n))
	b = append(b, method)
	b = binary.BigEndian.AppendUint64(b, uint64(dl))
	b = binary.BigEndian.AppendUint16(b, uint16(len(path)))
	return append(b, path...), nil
}

// readRequestHead reads a request frame up to its body, using scratch for
// the fixed part.
func readRequestHead(r io.Reader, scratch []byte) (requestHead, error) {
	var h requestHead
	fixed := scratch[:4+requestHeaderLen]
	if _, err := io.ReadFull(r, fixed); err != nil {
		return h, err
	}
	n := int64(binary.BigEndian.Uint32(fixed))
	method, ok := methodName(fixed[4])
	if !ok {
		return h, fmt.Errorf("frame: unknown method byte %#x", fixed[4])
	}
	if dl := int64(binary.BigEndian.Uint64(fixed[5:])); dl != 0 {
		h.deadline = time.Unix(0, dl)
	}
	p := int64(binary.BigEndian.Uint16(fixed[13:]))
	if p > maxFramePath || requestHeaderLen+p > n {
		return h, fmt.Errorf("frame: path of %d bytes in a request of %d", p, n)
	}
	path := make([]byte, p)
	if _, err := io.ReadFull(r, path); err != nil {
		return h, fmt.Errorf("frame: reading the path: %w", noEOF(err))
	}
	if p == 0 || path[0] != '/' {
		return h, fmt.Errorf("frame: path %q does not start with /", path)
	}
	h.method, h.path, h.bodyLen = method, string(path), n-requestHeaderLen-p
	return h, nil
}

// appendAnswerHead appends an answer frame's length, status and class for
// a body of bodyLen bytes.
func appendAnswerHead(b []byte, status int, server time.Duration, class string, bodyLen int) []byte {
	if len(class) > 255 {
		class = class[:255]
	}
	us := min(max(server.Microseconds(), 0), math.MaxUint32)
	b = binary.BigEndian.AppendUint32(b, uint32(answerHeaderLen+len(class)+bodyLen))
	b = binary.BigEndian.AppendUint16(b, uint16(status))
	b = binary.BigEndian.AppendUint32(b, uint32(us))
	b = append(b, byte(len(class)))
	return append(b, class...)
}

// answerHead is an answer frame's fixed part and class.
type answerHead struct {
	status  int
	server  time.Duration // 0: the server reported none
	class   string
	bodyLen int64
}

// readAnswerHead reads an answer frame up to its body, using scratch for
// the fixed part.
func readAnswerHead(r io.Reader, scratch []byte) (answerHead, error) {
	var h answerHead
	fixed := scratch[:4+answerHeaderLen]
	if _, err := io.ReadFull(r, fixed); err != nil {
		return h, err
	}
	n := int64(binary.BigEndian.Uint32(fixed))
	h.status = int(binary.BigEndian.Uint16(fixed[4:]))
	h.server = time.Duration(binary.BigEndian.Uint32(fixed[6:])) * time.Microsecond
	c := int64(fixed[10])
	if answerHeaderLen+c > n || h.status < 100 || h.status > 999 {
		return h, fmt.Errorf("frame: answer status %d with a class of %d bytes in %d", h.status, c, n)
	}
	if c > 0 {
		class := scratch[:c]
		if _, err := io.ReadFull(r, class); err != nil {
			return h, fmt.Errorf("frame: reading the error class: %w", noEOF(err))
		}
		h.class = string(class)
	}
	h.bodyLen = n - answerHeaderLen - c
	return h, nil
}

// noEOF turns an EOF in the middle of a frame into the unexpected EOF it
// is.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

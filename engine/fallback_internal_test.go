package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"syscall"
	"testing"

	"github.com/jsorc/jsorc/engine/backend"
)

// TestServerGone checks which remote call errors count as the action
// server being gone (retried on the fallback, or 503) and which are the
// action's own failure.
func TestServerGone(t *testing.T) {
	post := func(err error) error {
		return fmt.Errorf("action echo: %w", &url.Error{Op: "Post", URL: "http://127.0.0.1:1/echo/", Err: err})
	}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"refused", post(&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}), true},
		{"reset", post(&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}), true},
		{"idle connection closed by a dying server", post(errors.New(idleClosedText)), true},
		{"backend says unavailable", fmt.Errorf("pod: %w", backend.ErrUnavailable), true},
		{"idle text inside another message", post(errors.New("action said: " + idleClosedText)), false},
		{"deadline", post(context.DeadlineExceeded), false},
		{"action error", errors.New("action echo: bad argument"), false},
		{"nil", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := serverGone(tc.err); got != tc.want {
				t.Errorf("serverGone(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

package services

import (
	"encoding/binary"
	"net"
	"os"
	"strconv"
	"testing"
)

func TestOwnsListener(t *testing.T) {
	for _, network := range []string{"tcp4", "tcp6"} {
		t.Run(network, func(t *testing.T) {
			host := "127.0.0.1"
			if network == "tcp6" {
				host = "::1"
			}
			ln, err := net.Listen(network, net.JoinHostPort(host, "0"))
			if err != nil {
				t.Skipf("no %s loopback: %v", network, err)
			}
			defer ln.Close()
			addr := ln.Addr().String()
			if ok, err := ownsListener(addr, os.Getpid()); !ok || err != nil {
				t.Errorf("ownsListener(%s, this process) = %v, %v; want true", addr, ok, err)
			}
			// The parent (go test) does not hold this socket.
			if ok, _ := ownsListener(addr, os.Getppid()); ok {
				t.Errorf("ownsListener(%s, parent) = true", addr)
			}
			port := ln.Addr().(*net.TCPAddr).Port
			ln.Close()
			if ok, _ := ownsListener(net.JoinHostPort(host, strconv.Itoa(port)), os.Getpid()); ok {
				t.Error("a closed listener is still owned")
			}
		})
	}
}

func TestParseProcAddr(t *testing.T) {
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Skip("the cases are written as a little-endian kernel prints them")
	}
	tests := map[string]string{
		"0100007F:1F90":                         "127.0.0.1:8080",
		"00000000:0050":                         "0.0.0.0:80",
		"00000000000000000000000001000000:0016": "[::1]:22",
	}
	for in, want := range tests {
		got, err := parseProcAddr(in)
		if err != nil || got.String() != want {
			t.Errorf("parseProcAddr(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
}

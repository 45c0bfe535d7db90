package local

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
)

// maxSocketPath is the longest Unix socket path every Unix accepts
// (sockaddr_un's sun_path is 104 bytes on the BSDs, 108 on Linux).
const maxSocketPath = 103

// socketPath is where the action server listening on port also listens on
// a Unix domain socket, in the data directory; "" when that path would be
// too long for a socket (the engine then calls it over TCP).
func (b *Backend) socketPath(port int) string {
	p := filepath.Join(b.dataDir, "sock", strconv.Itoa(port)+".sock")
	if len(p) > maxSocketPath {
		return ""
	}
	return p
}

// prepareSockets makes the data directory's socket directory, readable by
// this user only.
func (b *Backend) prepareSockets() error {
	dir := filepath.Join(b.dataDir, "sock")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("local backend: making %s: %w", dir, err)
	}
	return nil
}

// DialContext opens the engine's connections to action servers: to one of
// this backend's own servers through its Unix domain socket — a shorter
// hop than TCP loopback — and to any other address, or a server whose
// socket does not answer, over TCP. The Jaseci protocol is the same on
// both; only the engine's own calls take the socket.
func (b *Backend) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if p, ok := b.sockets.Load(addr); ok && (network == "tcp" || network == "tcp4") {
		if c, err := b.dialer.DialContext(ctx, "unix", p.(string)); err == nil {
			return c, nil
		}
	}
	return b.dialer.DialContext(ctx, network, addr)
}

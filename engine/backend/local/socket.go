package local

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// maxSocketPath is the longest Unix socket path every Unix accepts
// (sockaddr_un's sun_path is 104 bytes on the BSDs, 108 on Linux).
const maxSocketPath = 103

// socketPath is where the action server listening on port also listens on
// a Unix domain socket, in the data directory; "" when that path would be
// too long for a socket (the engine then calls it over TCP). Every start
// gets a path of its own, PORT-N.sock: a port a stopped server freed may
// be given to the next one, and the engine's kept-alive connections to the
// old server's socket must never be taken for connections to the new one.
func (b *Backend) socketPath(port int) string {
	name := strconv.Itoa(port) + "-" + strconv.FormatUint(b.socketSeq.Add(1), 10) + ".sock"
	p := filepath.Join(b.dataDir, "sock", name)
	if len(p) > maxSocketPath {
		return ""
	}
	return p
}

// prepareSockets makes the data directory's socket directory, readable by
// this user only, and removes the sockets an engine that was killed left
// there: no server of this backend runs yet, and none is ever taken over.
func (b *Backend) prepareSockets() error {
	dir := filepath.Join(b.dataDir, "sock")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("local backend: making %s: %w", dir, err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("local backend: reading %s: %w", dir, err)
	}
	for _, ent := range ents {
		if ent.Type() == os.ModeSocket {
			_ = os.Remove(filepath.Join(dir, ent.Name()))
		}
	}
	return nil
}

// FrameSocket names the Unix domain socket on which this backend's action
// server at hostport answers the frame protocol: the engine calls its own
// servers there, a shorter hop than HTTP over TCP loopback, while everyone
// else (and the engine, for any other server, or when the socket does not
// answer) keeps the Jaseci protocol over TCP.
func (b *Backend) FrameSocket(hostport string) (string, bool) {
	c, ok := b.sockets.Load(hostport)
	if !ok {
		return "", false
	}
	return c.(*socketClaim).path, true
}

// socketClaim is one server start's socket in the backend's map: a port
// freed by a dead server may be given to the next one, whose claim then
// replaces it, so that the dead one's cleanup leaves the new socket alone.
type socketClaim struct{ path string }

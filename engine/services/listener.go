package services

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ownsListener reports whether the TCP socket listening on endpoint
// ("host:port") belongs to process pid: its inode, found in
// /proc/net/tcp{,6}, is among pid's open files. A service jsorc started is
// identified this way, so that a port someone else listens on after the
// service died (or that a definition fixed) is never taken for it.
func ownsListener(endpoint string, pid int) (bool, error) {
	ap, err := netip.ParseAddrPort(endpoint)
	if err != nil {
		host, port, serr := net.SplitHostPort(endpoint)
		if serr != nil {
			return false, fmt.Errorf("endpoint %q: %w", endpoint, err)
		}
		n, perr := strconv.ParseUint(port, 10, 16)
		addr, aerr := netip.ParseAddr(host)
		if perr != nil || aerr != nil {
			return false, fmt.Errorf("endpoint %q: %w", endpoint, err)
		}
		ap = netip.AddrPortFrom(addr, uint16(n))
	}
	table := "/proc/net/tcp"
	if ap.Addr().Is6() && !ap.Addr().Is4In6() {
		table = "/proc/net/tcp6"
	}
	inodes, err := listeningInodes(table, ap)
	if err != nil {
		return false, err
	}
	if len(inodes) == 0 {
		return false, nil
	}
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, err := os.ReadDir(dir)
	if err != nil {
		return false, fmt.Errorf("open files of pid %d: %w", pid, err)
	}
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join(dir, fd.Name()))
		if err != nil {
			continue // closed meanwhile
		}
		inode, ok := strings.CutPrefix(link, "socket:[")
		if ok && inodes[strings.TrimSuffix(inode, "]")] {
			return true, nil
		}
	}
	return false, nil
}

// tcpListen is the state of a listening socket in /proc/net/tcp.
const tcpListen = "0A"

// listeningInodes returns the inodes of the sockets of table listening on
// ap's port, at ap's address or at the wildcard address.
func listeningInodes(table string, ap netip.AddrPort) (map[string]bool, error) {
	f, err := os.Open(table)
	if err != nil {
		return nil, fmt.Errorf("listening sockets: %w", err)
	}
	defer func() { _ = f.Close() }()
	out := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 || fields[3] != tcpListen {
			continue
		}
		local, err := parseProcAddr(fields[1])
		if err != nil || local.Port() != ap.Port() {
			continue
		}
		if local.Addr() == ap.Addr().Unmap() || local.Addr().IsUnspecified() {
			out[fields[9]] = true
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("listening sockets: %w", err)
	}
	return out, nil
}

// parseProcAddr decodes an address of /proc/net/tcp{,6}: the IP as 32-bit
// words in the machine's byte order, in hex, a colon, the port in hex.
func parseProcAddr(s string) (netip.AddrPort, error) {
	ipHex, portHex, ok := strings.Cut(s, ":")
	if !ok {
		return netip.AddrPort{}, fmt.Errorf("bad address %q", s)
	}
	raw, err := hex.DecodeString(ipHex)
	if err != nil || (len(raw) != 4 && len(raw) != 16) {
		return netip.AddrPort{}, fmt.Errorf("bad address %q", s)
	}
	port, err := strconv.ParseUint(portHex, 16, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("bad port %q", s)
	}
	// The kernel prints each word's value; the address is its bytes as
	// they lie in memory.
	ip := make([]byte, len(raw))
	for i := 0; i < len(raw); i += 4 {
		binary.NativeEndian.PutUint32(ip[i:], binary.BigEndian.Uint32(raw[i:i+4]))
	}
	addr, _ := netip.AddrFromSlice(ip)
	return netip.AddrPortFrom(addr.Unmap(), uint16(port)), nil
}

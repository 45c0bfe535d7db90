package local

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// LogPiece is a piece of a log file read by ReadLog.
type LogPiece struct {
	// ID identifies the file (device and inode): a rotation makes a new
	// one.
	ID string
	// Data are the bytes from Offset on; Size is the file's size.
	Data   []byte
	Offset int64
	Size   int64
	// Reset says the file is not the one id named (it rotated, or it was
	// truncated below the offset): Data starts the new file.
	Reset bool
}

// ErrNoLog marks a log file that does not exist (yet).
var ErrNoLog = errors.New("no log")

// ReadLog reads at most limit bytes of the log at path from offset; a
// negative offset reads its last limit bytes. id is the ID of an earlier
// piece: when the file is another one now (rotated) or shorter than
// offset (truncated), it is read from its start and the piece says Reset.
// A piece read from the end of the file starts at a line when it can.
func ReadLog(path string, offset int64, limit int, id string) (LogPiece, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return LogPiece{}, fmt.Errorf("%w: %s does not exist", ErrNoLog, path)
	}
	if err != nil {
		return LogPiece{}, fmt.Errorf("log: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return LogPiece{}, fmt.Errorf("log: %w", err)
	}
	p := LogPiece{ID: fileID(fi), Size: fi.Size()}
	tail := offset < 0
	if !tail && ((id != "" && id != p.ID) || offset > p.Size) {
		p.Reset, offset = true, 0
	}
	if tail {
		offset = max(0, p.Size-int64(limit))
	}
	n := min(int64(limit), p.Size-offset)
	if n <= 0 {
		p.Offset = offset
		return p, nil
	}
	buf := make([]byte, n)
	got, err := f.ReadAt(buf, offset)
	if err != nil && !errors.Is(err, io.EOF) {
		return LogPiece{}, fmt.Errorf("log: reading %s: %w", path, err)
	}
	buf = buf[:got]
	if tail && offset > 0 {
		// Start at the first whole line of the tail.
		for i, b := range buf {
			if b == '\n' {
				buf, offset = buf[i+1:], offset+int64(i+1)
				break
			}
		}
	}
	p.Data, p.Offset = buf, offset
	return p, nil
}

// fileID names a file by device and inode.
func fileID(fi os.FileInfo) string {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return fmt.Sprintf("%d:%d", st.Dev, st.Ino)
	}
	return fi.ModTime().String()
}

package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jsorc/jsorc/engine/services"
	"github.com/jsorc/jsorc/store"
)

// errUnhealthy is doctor's error when it found problems: main exits 1.
var errUnhealthy = errors.New("the data directory needs attention")

// doctorReport is what `jsorc doctor -o json` prints.
type doctorReport struct {
	Dir      string               `json:"data"`
	Healthy  bool                 `json:"healthy"`
	DB       store.FileReport     `json:"db"`
	InUse    bool                 `json:"in_use"`
	PID      int                  `json:"pid,omitempty"`
	Recovery *store.RecoverReport `json:"recovery,omitempty"`
	Problems []string             `json:"problems"`
	Notes    []string             `json:"notes"`
}

// runDoctor checks a data directory — the database, the lock and pid file,
// the modes of the files that hold secrets, the services' data — prints
// what it found, and fails when something needs attention. With --recover
// it first repairs a damaged database (store.Recover).
func runDoctor(_ context.Context, r *runner, _ []string) error {
	dir, err := DataDir(r.o.data, r.env.Getenv)
	if err != nil {
		return err
	}
	rep := doctorReport{Dir: dir, Problems: []string{}, Notes: []string{}}
	if fi, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		rep.Healthy = true
		rep.Notes = append(rep.Notes, "no data directory yet: the first start creates it")
		return r.printDoctor(rep)
	} else if err != nil || !fi.IsDir() {
		return fmt.Errorf("data directory %s: not a directory (%v)", dir, err)
	}
	if r.o.recover {
		rec, err := store.Recover(dir, time.Now())
		if err != nil {
			return err
		}
		rep.Recovery = &rec
	}
	in, err := store.Inspect(dir)
	if err != nil {
		return err
	}
	rep.DB, rep.InUse, rep.PID = in.DB, in.InUse, in.PID
	rep.Problems = append(rep.Problems, in.Problems...)
	rep.Notes = append(rep.Notes, in.Notes...)
	rep.inspectFiles(dir)
	si, err := services.Inspect(dir, services.Bundled())
	if err != nil {
		return err
	}
	rep.Problems = append(rep.Problems, si.Problems...)
	rep.Notes = append(rep.Notes, si.Notes...)
	rep.Healthy = len(rep.Problems) == 0
	return r.printDoctor(rep)
}

// inspectFiles checks what the data directory holds besides the database
// and the services: files holding secrets (a token, a key) readable only by
// their owner, the snapshot, and damaged files kept by a recovery.
func (rep *doctorReport) inspectFiles(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		fi, err := e.Info()
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		name := e.Name()
		switch {
		case strings.Contains(name, "token") || strings.HasSuffix(name, ".key") || strings.HasSuffix(name, ".password"):
			if perm := fi.Mode().Perm(); perm&0o077 != 0 {
				rep.Problems = append(rep.Problems, fmt.Sprintf("%s holds a secret and has mode %04o; chmod 600 %s", path, perm, path))
			}
		case name == "jsorc.db.bak":
			if c, err := store.CheckFile(path); err != nil || !c.Healthy() {
				rep.Problems = append(rep.Problems, fmt.Sprintf("the snapshot %s is damaged (%s); the next start or stop writes a new one", path, strings.Join(c.Damage, "; ")))
			} else {
				rep.Notes = append(rep.Notes, fmt.Sprintf("snapshot %s from %s", path, fi.ModTime().Format(time.RFC3339)))
			}
		case strings.HasPrefix(name, "jsorc.db.damaged-"):
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s: a damaged database kept by a recovery; delete it once you no longer need it", path))
		}
	}
}

// printDoctor prints the report and returns errUnhealthy if it has
// problems.
func (r *runner) printDoctor(rep doctorReport) error {
	if r.o.output == "json" {
		printJSON(r.env.Stdout, rep)
	} else {
		printDoctorText(r.env.Stdout, rep)
	}
	if !rep.Healthy {
		return fmt.Errorf("%w: %d problem(s) in %s", errUnhealthy, len(rep.Problems), rep.Dir)
	}
	return nil
}

func printDoctorText(w io.Writer, rep doctorReport) {
	fmt.Fprintf(w, "data directory %s\n", rep.Dir)
	if rec := rep.Recovery; rec != nil {
		switch {
		case rec.Recovered:
			fmt.Fprintf(w, "recovered %s: kept the damaged file as %s; salvaged %d records in %d buckets (%d pages lost)",
				rec.Check.Path, rec.Kept, rec.Records, rec.Buckets, rec.LostPages)
			if rec.Backup != "" {
				fmt.Fprintf(w, ", %d more from the snapshot %s", rec.BackupRecords, rec.Backup)
			}
			fmt.Fprintln(w)
			for _, p := range rec.Problems {
				fmt.Fprintf(w, "  unreadable: %s\n", p)
			}
		case rec.Check.Missing:
			fmt.Fprintln(w, "recover: there is no database to recover")
		default:
			fmt.Fprintln(w, "recover: the database is healthy; nothing to do")
		}
	}
	db := rep.DB
	switch {
	case db.Missing:
	case rep.InUse:
		fmt.Fprintf(w, "ok       %s is in use by engine pid %d\n", db.Path, rep.PID)
	case db.Healthy():
		fmt.Fprintf(w, "ok       %s: %d bytes, %d pages of %d bytes in use, transaction %d\n", db.Path, db.Size, db.Pages, db.PageSize, db.TxID)
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(w, "PROBLEM  %s\n", p)
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(w, "note     %s\n", n)
	}
	if rep.Healthy {
		fmt.Fprintln(w, "healthy")
	}
}

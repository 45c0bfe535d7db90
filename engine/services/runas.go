package services

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
)

// account is the user a service runs as when the engine is root.
type account struct {
	name   string
	uid    int
	gid    int
	groups []int // supplementary groups, as --init-groups sets them
}

// fallbackUser runs a service whose user does not exist (its package was
// not installed the Debian way): unprivileged, owning nothing else.
const fallbackUser = "nobody"

// lookupAccount returns the account to switch to for a Definition's User,
// or nil when no switch is needed: no User, or the engine is not root (it
// cannot switch, and the service runs as the engine's user), or User is
// root itself. A User that does not exist is replaced by nobody.
func lookupAccount(name string) (*account, error) {
	if name == "" || os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup(name)
	var unknown user.UnknownUserError
	if errors.As(err, &unknown) && name != fallbackUser {
		name = fallbackUser
		u, err = user.Lookup(name)
	}
	if err != nil {
		return nil, fmt.Errorf("run as %s: %w", name, err)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return nil, fmt.Errorf("run as %s: uid %q: %w", name, u.Uid, err)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return nil, fmt.Errorf("run as %s: gid %q: %w", name, u.Gid, err)
	}
	if uid == 0 {
		return nil, nil
	}
	a := &account{name: name, uid: uid, gid: gid, groups: []int{gid}}
	if ids, err := u.GroupIds(); err == nil {
		for _, s := range ids {
			if g, err := strconv.Atoi(s); err == nil {
				a.groups = append(a.groups, g)
			}
		}
	}
	return a, nil
}

// wrap returns argv run through setpriv as a. setpriv execs the program in
// place (same PID, same process group); --pdeathsig KILL restores the
// parent-death signal that the change of user clears.
func (a *account) wrap(setpriv string, argv []string) []string {
	return append([]string{
		setpriv,
		"--reuid", strconv.Itoa(a.uid),
		"--regid", strconv.Itoa(a.gid),
		"--init-groups",
		"--pdeathsig", "KILL",
		"--",
	}, argv...)
}

// own gives dir and everything under it to a, unless dir already belongs
// to a (then its contents are taken to be a's as well).
func (a *account) own(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("give %s to %s: %w", dir, a.name, err)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) == a.uid && int(st.Gid) == a.gid {
		return nil
	}
	err = filepath.WalkDir(dir, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, a.uid, a.gid)
	})
	if err != nil {
		return fmt.Errorf("give %s to %s: %w", dir, a.name, err)
	}
	return nil
}

// reach makes sure a can search every directory on the way to dir. The
// directories listed in grant belong to jsorc and get search permission
// for others (o+x) when a lacks it; any other directory that a cannot
// search is an error naming it.
func (a *account) reach(dir string, grant ...string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("run as %s: %w", a.name, err)
	}
	var chain []string
	for p := filepath.Dir(abs); ; p = filepath.Dir(p) {
		chain = append(chain, p)
		if p == filepath.Dir(p) {
			break
		}
	}
	slices.Reverse(chain)
	for _, p := range chain {
		fi, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("run as %s: %w", a.name, err)
		}
		if a.canSearch(fi) {
			continue
		}
		if slices.Contains(grant, p) {
			if err := os.Chmod(p, fi.Mode().Perm()|0o001); err != nil {
				return fmt.Errorf("run as %s: grant search permission on %s: %w", a.name, p, err)
			}
			continue
		}
		return fmt.Errorf("run as %s: %w: %s (mode %v) has no search permission for user %s; "+
			"grant it (chmod o+x %s) or choose a data directory %s can reach",
			a.name, errUnreachable, p, fi.Mode().Perm(), a.name, p, a.name)
	}
	return nil
}

// errUnreachable is wrapped when a service's user cannot reach its data.
var errUnreachable = errors.New("data directory unreachable")

// canSearch reports whether a may search the directory fi describes.
func (a *account) canSearch(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return true // not a POSIX file system: let the kernel decide
	}
	perm := fi.Mode().Perm()
	switch {
	case int(st.Uid) == a.uid:
		return perm&0o100 != 0
	case slices.Contains(a.groups, int(st.Gid)):
		return perm&0o010 != 0
	default:
		return perm&0o001 != 0
	}
}

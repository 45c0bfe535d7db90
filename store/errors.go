package store

import "errors"

// ErrLocked reports that another process holds the data directory's lock.
// The error returned by Open wraps it and names the directory and, when
// known, the pid of the engine holding it.
var ErrLocked = errors.New("store locked")

// ErrNotFound reports that no record exists under the requested name.
var ErrNotFound = errors.New("not found")

// ErrUnknownKind reports a Kind that has no bucket in this schema.
var ErrUnknownKind = errors.New("unknown record kind")

// ErrSchemaTooNew reports a database written by a newer jsorc whose schema
// version this binary does not know; such a database is left untouched.
var ErrSchemaTooNew = errors.New("database schema too new")

// ErrBadSchema reports a schema version key that cannot be decoded or a
// migration list that is not numbered 1, 2, 3, … in order.
var ErrBadSchema = errors.New("bad schema")

// ErrDamaged reports a database file that bbolt cannot open safely: empty,
// truncated, or without a valid meta page. Open's error wraps it, names the
// file and the damage, and says how to recover; the file is left untouched.
var ErrDamaged = errors.New("database file damaged")

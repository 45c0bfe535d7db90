package store

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// Kind names a family of records, each kept in its own bucket and keyed
// by name. The store does not look inside the values; the engine encodes
// them as JSON.
type Kind string

// The record kinds of the current schema.
const (
	// ActionConfigs holds each action module's config (jsorc actions
	// config NAME SOURCE), keyed by module name.
	ActionConfigs Kind = "action_configs"
	// Apps holds app definitions (ordered action calls), keyed by app name.
	Apps Kind = "apps"
	// Modes holds the desired mode of each action module, keyed by module
	// name.
	Modes Kind = "modes"
	// Services holds user-defined service definitions, keyed by service
	// name.
	Services Kind = "services"
	// Tasks holds the engine's asynchronous requests (the task service's
	// queue), keyed by task id (v3).
	Tasks Kind = "tasks"
)

// Kinds returns every record kind, in bucket order.
func Kinds() []Kind {
	return []Kind{ActionConfigs, Apps, Modes, Services, Tasks}
}

// bucketName returns the bucket of kind, or an error wrapping
// ErrUnknownKind.
func (k Kind) bucketName() ([]byte, error) {
	switch k {
	case ActionConfigs:
		return bucketActionConfigs, nil
	case Apps:
		return bucketApps, nil
	case Modes:
		return bucketModes, nil
	case Services:
		return bucketServices, nil
	case Tasks:
		return bucketTasks, nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownKind, string(k))
}

// kindBucket returns the bucket of kind in tx.
func kindBucket(tx *bolt.Tx, kind Kind) (*bolt.Bucket, error) {
	name, err := kind.bucketName()
	if err != nil {
		return nil, err
	}
	return getBucket(tx, name)
}

// checkName rejects names bbolt cannot use as keys.
func checkName(name string) error {
	switch {
	case name == "":
		return errors.New("empty name")
	case len(name) > bolt.MaxKeySize:
		return fmt.Errorf("name of %d bytes exceeds %d", len(name), bolt.MaxKeySize)
	}
	return nil
}

// putRecord checks name and stores value under it. A nil value is stored
// as an empty one, so that Get finds it.
func putRecord(b *bolt.Bucket, name string, value []byte) error {
	if err := checkName(name); err != nil {
		return err
	}
	if value == nil {
		value = []byte{}
	}
	return b.Put([]byte(name), value)
}

// Put stores value as the record name of kind, replacing any previous one.
func (s *Store) Put(kind Kind, name string, value []byte) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := kindBucket(tx, kind)
		if err != nil {
			return err
		}
		return putRecord(b, name, value)
	})
	if err != nil {
		return fmt.Errorf("store: put %s %q: %w", kind, name, err)
	}
	return nil
}

// PutMany stores every record of values under kind in one transaction:
// all of them are written or none is. The records go in in key order, so
// each lands at the end of its page and the cost stays linear.
func (s *Store) PutMany(kind Kind, values map[string][]byte) error {
	names := slices.Sorted(maps.Keys(values))
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := kindBucket(tx, kind)
		if err != nil {
			return err
		}
		for _, name := range names {
			if err := putRecord(b, name, values[name]); err != nil {
				return fmt.Errorf("%q: %w", name, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: put many %s: %w", kind, err)
	}
	return nil
}

// Get returns a copy of the record name of kind, or an error wrapping
// ErrNotFound if there is none.
func (s *Store) Get(kind Kind, name string) ([]byte, error) {
	var out []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		b, err := kindBucket(tx, kind)
		if err != nil {
			return err
		}
		v := b.Get([]byte(name))
		if v == nil {
			return ErrNotFound
		}
		out = clone(v)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: get %s %q: %w", kind, name, err)
	}
	return out, nil
}

// Delete removes the record name of kind; deleting a missing record is
// not an error.
func (s *Store) Delete(kind Kind, name string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := kindBucket(tx, kind)
		if err != nil {
			return err
		}
		if name == "" {
			return nil
		}
		return b.Delete([]byte(name))
	})
	if err != nil {
		return fmt.Errorf("store: delete %s %q: %w", kind, name, err)
	}
	return nil
}

// Forget removes the record name from every kind given, in one
// transaction; missing records are not an error.
func (s *Store) Forget(name string, kinds ...Kind) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, kind := range kinds {
			b, err := kindBucket(tx, kind)
			if err != nil {
				return err
			}
			if name == "" {
				continue
			}
			if err := b.Delete([]byte(name)); err != nil {
				return fmt.Errorf("%s: %w", kind, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: forget %q: %w", name, err)
	}
	return nil
}

// List returns a copy of every record of kind, keyed by name; the map is
// empty, not nil, when there are none.
func (s *Store) List(kind Kind) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := s.db.View(func(tx *bolt.Tx) error {
		b, err := kindBucket(tx, kind)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			out[string(k)] = clone(v)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: list %s: %w", kind, err)
	}
	return out, nil
}

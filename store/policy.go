package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Policy returns the active policy's name and parameters as last stored by
// SetPolicy; the name is empty if no policy was ever set, and params is nil
// if none were given.
func (s *Store) Policy() (name string, params []byte, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		b, err := getBucket(tx, bucketPolicy)
		if err != nil {
			return err
		}
		name = string(b.Get(keyPolicyName))
		params = clone(b.Get(keyPolicyParams))
		return nil
	})
	if err != nil {
		return "", nil, fmt.Errorf("store: get policy: %w", err)
	}
	return name, params, nil
}

// SetPolicy stores the active policy's name and parameters together. Empty
// params are stored as none; an empty name clears the policy.
func (s *Store) SetPolicy(name string, params []byte) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := getBucket(tx, bucketPolicy)
		if err != nil {
			return err
		}
		if err := putOrDelete(b, keyPolicyName, []byte(name)); err != nil {
			return err
		}
		if name == "" {
			params = nil
		}
		return putOrDelete(b, keyPolicyParams, params)
	})
	if err != nil {
		return fmt.Errorf("store: set policy %q: %w", name, err)
	}
	return nil
}

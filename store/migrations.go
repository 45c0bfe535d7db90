package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// migration upgrades a database from schema version-1 to version. It runs
// inside Open's start-up transaction, so a failure leaves the database as
// it was.
type migration struct {
	version uint64
	name    string
	apply   func(tx *bolt.Tx) error
}

// schemaMigrations lists every schema change, oldest first. A database's
// schema version is the version of the last one applied; this binary's is
// the version of the last entry. Append, never edit or reorder.
func schemaMigrations() []migration {
	return []migration{
		{version: 1, name: "initial layout", apply: migrateInitialLayout},
		{version: 2, name: "policy decisions and running measurements", apply: migrateDecisionsAndRunning},
		{version: 3, name: "the task queue", apply: migrateTaskQueue},
	}
}

// SchemaVersion is the schema version this binary writes.
func SchemaVersion() uint64 {
	list := schemaMigrations()
	return list[len(list)-1].version
}

// migrateInitialLayout creates the buckets of schema version 1. The names
// are spelled out rather than taken from topBuckets so that later schema
// changes do not alter what version 1 was.
func migrateInitialLayout(tx *bolt.Tx) error {
	for _, name := range []string{"meta", "policy", "action_configs", "apps", "modes", "services", "reports"} {
		if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

// migrateDecisionsAndRunning adds, for schema version 2, the policy's
// decision history (policy/decisions) and the state of running
// measurements (running), so that both survive a restart. Nothing existing
// changes.
func migrateDecisionsAndRunning(tx *bolt.Tx) error {
	policy, err := tx.CreateBucketIfNotExists([]byte("policy"))
	if err != nil {
		return fmt.Errorf("create bucket policy: %w", err)
	}
	if _, err := policy.CreateBucketIfNotExists([]byte("decisions")); err != nil {
		return fmt.Errorf("create bucket policy/decisions: %w", err)
	}
	if _, err := tx.CreateBucketIfNotExists([]byte("running")); err != nil {
		return fmt.Errorf("create bucket running: %w", err)
	}
	return nil
}

// migrateTaskQueue adds, for schema version 3, the task service's queue of
// asynchronous requests (tasks), so queued requests survive a restart.
// Nothing existing changes.
func migrateTaskQueue(tx *bolt.Tx) error {
	if _, err := tx.CreateBucketIfNotExists([]byte("tasks")); err != nil {
		return fmt.Errorf("create bucket tasks: %w", err)
	}
	return nil
}

// readSchemaVersion returns the schema version recorded in tx, 0 for a
// database that has none yet.
func readSchemaVersion(tx *bolt.Tx) (uint64, error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return 0, nil
	}
	v := meta.Get(keySchemaVersion)
	if v == nil {
		return 0, nil
	}
	n, err := decodeUint64(v)
	if err != nil {
		return 0, fmt.Errorf("%w: %s/%s: %w", ErrBadSchema, bucketMeta, keySchemaVersion, err)
	}
	return n, nil
}

// migrate brings the database in tx up to the last version of list: it
// applies, in order, each migration newer than the recorded version,
// creates any missing bucket and records the new version. It refuses,
// before writing anything, a database newer than list knows.
func migrate(tx *bolt.Tx, list []migration) error {
	if err := checkMigrations(list); err != nil {
		return err
	}
	latest := list[len(list)-1].version
	current, err := readSchemaVersion(tx)
	if err != nil {
		return err
	}
	if current > latest {
		return fmt.Errorf("%w: the database has schema version %d, this jsorc knows up to %d; upgrade jsorc or use another data directory",
			ErrSchemaTooNew, current, latest)
	}
	for _, m := range list[current:] {
		if err := m.apply(tx); err != nil {
			return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
		}
	}
	if err := createBuckets(tx); err != nil {
		return err
	}
	if current == latest {
		return nil
	}
	meta, err := getBucket(tx, bucketMeta)
	if err != nil {
		return err
	}
	if err := meta.Put(keySchemaVersion, encodeUint64(latest)); err != nil {
		return fmt.Errorf("record schema version %d: %w", latest, err)
	}
	return nil
}

// checkMigrations makes sure list is numbered 1, 2, 3, … with no gap.
func checkMigrations(list []migration) error {
	if len(list) == 0 {
		return fmt.Errorf("%w: no migrations", ErrBadSchema)
	}
	for i, m := range list {
		if m.version != uint64(i+1) {
			return fmt.Errorf("%w: migration #%d has version %d, want %d", ErrBadSchema, i, m.version, i+1)
		}
		if m.apply == nil {
			return fmt.Errorf("%w: migration %d (%s) has no apply func", ErrBadSchema, m.version, m.name)
		}
	}
	return nil
}

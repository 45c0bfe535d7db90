package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Bucket names; doc.go draws the tree they form.
var (
	bucketMeta          = []byte("meta")
	bucketPolicy        = []byte("policy")
	bucketActionConfigs = []byte("action_configs")
	bucketApps          = []byte("apps")
	bucketModes         = []byte("modes")
	bucketServices      = []byte("services")
	bucketReports       = []byte("reports")
	bucketRunning       = []byte("running")
	bucketTasks         = []byte("tasks")
)

// Nested bucket names.
var (
	bucketDecisions = []byte("decisions") // under policy
	bucketEntries   = []byte("entries")   // under running/<kind>
)

// Key names inside the singleton buckets.
var (
	keySchemaVersion = []byte("schema_version")
	keyConfig        = []byte("config")
	keySeeded        = []byte("seeded")
	keyPolicyName    = []byte("name")
	keyPolicyParams  = []byte("params")
	keyState         = []byte("state") // under running/<kind>
)

// topBuckets lists every top-level bucket of the current schema, in the
// order doc.go draws them.
func topBuckets() [][]byte {
	return [][]byte{
		bucketMeta,
		bucketPolicy,
		bucketActionConfigs,
		bucketApps,
		bucketModes,
		bucketServices,
		bucketReports,
		bucketRunning,
		bucketTasks,
	}
}

// createBuckets makes sure every top-level bucket, and policy/decisions,
// exists.
func createBuckets(tx *bolt.Tx) error {
	for _, name := range topBuckets() {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	if _, err := tx.Bucket(bucketPolicy).CreateBucketIfNotExists(bucketDecisions); err != nil {
		return fmt.Errorf("create bucket %s/%s: %w", bucketPolicy, bucketDecisions, err)
	}
	return nil
}

// getBucket returns the top-level bucket name. Open creates them all, so a
// missing one means the file was altered behind the store's back.
func getBucket(tx *bolt.Tx, name []byte) (*bolt.Bucket, error) {
	b := tx.Bucket(name)
	if b == nil {
		return nil, fmt.Errorf("bucket %s is missing", name)
	}
	return b, nil
}

// getReportsBucket returns the nested bucket of one report kind, or nil when
// nothing was ever appended to that kind.
func getReportsBucket(tx *bolt.Tx, kind string) (*bolt.Bucket, error) {
	root, err := getBucket(tx, bucketReports)
	if err != nil {
		return nil, err
	}
	return root.Bucket([]byte(kind)), nil
}

// createReportsBucket returns the nested bucket of one report kind,
// creating it on first use.
func createReportsBucket(tx *bolt.Tx, kind string) (*bolt.Bucket, error) {
	root, err := getBucket(tx, bucketReports)
	if err != nil {
		return nil, err
	}
	b, err := root.CreateBucketIfNotExists([]byte(kind))
	if err != nil {
		return nil, fmt.Errorf("create bucket %s/%s: %w", bucketReports, kind, err)
	}
	return b, nil
}

// putOrDelete stores value under key, or deletes the key if value is empty.
func putOrDelete(b *bolt.Bucket, key, value []byte) error {
	if len(value) == 0 {
		return b.Delete(key)
	}
	return b.Put(key, value)
}

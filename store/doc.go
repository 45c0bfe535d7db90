// Package store is the bbolt persistence of the jsorc engine: one database
// file per data directory holding the META_CONFIG, the active policy, the
// named records of each Kind and the report time series.
//
// The store knows nothing of the engine: it imports nothing of this
// project and treats every value as opaque bytes. The engine encodes its
// records (as JSON, by convention) and decodes what it reads back.
//
// # Files
//
// A data directory holds:
//
//	<dir>/                          mode 0700
//	├── jsorc.db                    the bbolt database, mode 0600, exclusively locked while open
//	├── jsorc.db.bak                a consistent copy, written at every Open and Close
//	├── jsorc.db.damaged-<time>     a damaged database Recover replaced (kept, never read)
//	└── jsorc.pid                   pid of the engine holding the lock; removed by Close
//	                                before the lock is released
//
// # Damage and recovery
//
// bbolt maps the file into memory and trusts it: a page past the end of a
// truncated file kills the process with SIGBUS, and an empty file is
// silently initialised. Open therefore checks the file first (CheckFile:
// length, whole pages, both meta pages' magic, version and checksum, every
// page in use inside the file) and refuses a damaged one with ErrDamaged,
// leaving it untouched. Recover keeps the damaged file, salvages what its
// bytes still hold (read, never mapped) over the snapshot jsorc.db.bak, and
// replaces jsorc.db with the result in one rename. Inspect reports on a
// data directory for `jsorc doctor`.
//
// # Buckets
//
// Schema version 3. Keys and names are UTF-8 unless stated otherwise.
//
//	meta/                          engine-wide singletons
//	├── schema_version             uint64, 8 bytes big-endian: last migration applied
//	├── config                     META_CONFIG, JSON (absent until SetMeta)
//	└── seeded                     empty; present once the engine seeded its first configs (MarkSeeded)
//	policy/                        the active policy (absent until SetPolicy)
//	├── name                       policy name, e.g. "default", "evaluation"
//	├── params                     policy parameters, JSON (absent when none)
//	└── decisions/                 the moves policies made, newest last (v2)
//	    └── <timestamp>            a move with its reason, JSON
//	action_configs/                Kind ActionConfigs
//	└── <module name>              action config, JSON
//	apps/                          Kind Apps
//	└── <app name>                 app definition (ordered action calls), JSON
//	modes/                         Kind Modes
//	└── <module name>              desired mode, JSON
//	services/                      Kind Services
//	└── <service name>             user-defined service definition, JSON
//	reports/                       time series, one nested bucket per kind
//	└── <report kind>/             e.g. "benchmark", "trackact", "tracksys"
//	    └── <timestamp>            the report, JSON
//	running/                       measurements in progress, for a restart (v2)
//	└── <kind>/                    "benchmark", "trackact", "tracksys"
//	    ├── state                  when it started and what it summed, JSON
//	    └── entries/               its history so far
//	        └── <timestamp>        one entry, JSON
//	tasks/                         Kind Tasks: the task service's queue (v3)
//	└── <task id>                  an asynchronous request and its outcome, JSON
//
// A <timestamp> key is unix nanoseconds, uint64, 8 bytes big-endian: it
// sorts bytewise in time order, so ranges are read with a cursor Seek and
// pruning deletes a prefix. Entries of one instant take the next free
// nanosecond.
//
// # Schema changes
//
// Open records the schema version in meta/schema_version and applies, in
// one transaction, each migration newer than it (see migrations.go); it
// then creates any missing top-level bucket. A database with a newer
// schema than the binary knows is refused and left untouched. A change to
// the tree above needs a new migration, a new layout test case and an
// update of this drawing.
package store

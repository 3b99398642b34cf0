package registry

// migrations[i] brings a registry from PRAGMA user_version i to i+1. Append
// only; never edit a released migration.
var migrations = []string{
	// 1: initial schema.
	`
CREATE TABLE runs (
	run_id      TEXT PRIMARY KEY,
	started_at  TEXT NOT NULL,
	ended_at    TEXT,
	ranks       INTEGER NOT NULL,
	config_hash TEXT NOT NULL DEFAULT '',
	version     TEXT NOT NULL DEFAULT '',
	host        TEXT NOT NULL DEFAULT '',
	status      TEXT NOT NULL CHECK (status IN ('running','complete','failed','interrupted','stale'))
);
CREATE TABLE sims (
	sim_id        TEXT PRIMARY KEY,
	scene         TEXT NOT NULL DEFAULT '',
	receptor_id   TEXT NOT NULL DEFAULT '',
	receptor      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(receptor)),
	met           TEXT NOT NULL DEFAULT '',
	cost          REAL NOT NULL DEFAULT 0,
	status        TEXT NOT NULL DEFAULT 'pending'
	              CHECK (status IN ('pending','running','complete','complete-empty','failed')),
	attempts      INTEGER NOT NULL DEFAULT 0,
	error_class   TEXT NOT NULL DEFAULT '',
	error_message TEXT NOT NULL DEFAULT '',
	run_id        TEXT REFERENCES runs(run_id),
	rank          INTEGER,
	host          TEXT NOT NULL DEFAULT '',
	engine        TEXT NOT NULL DEFAULT '',
	queued_at     TEXT NOT NULL,
	started_at    TEXT,
	finished_at   TEXT,
	transport_s   REAL,
	footprint_s   REAL,
	n_blobs       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sims_by_status ON sims (status, scene, met, sim_id);
CREATE INDEX sims_by_run ON sims (run_id);
CREATE TABLE blobs (
	sim_id TEXT NOT NULL REFERENCES sims(sim_id) ON DELETE CASCADE,
	name   TEXT NOT NULL,
	bytes  INTEGER NOT NULL,
	sha256 TEXT NOT NULL,
	data   BLOB NOT NULL,
	PRIMARY KEY (sim_id, name)
);
CREATE TABLE outputs (
	sim_id TEXT NOT NULL REFERENCES sims(sim_id) ON DELETE CASCADE,
	name   TEXT NOT NULL,
	path   TEXT NOT NULL,
	bytes  INTEGER NOT NULL,
	sha256 TEXT NOT NULL,
	PRIMARY KEY (sim_id, name)
);
`,
}

// SchemaVersion is the user_version a registry has after Open.
var SchemaVersion = len(migrations)

const simCols = `sim_id, scene, receptor_id, receptor, met, cost, status, attempts, error_class,
	error_message, run_id, rank, host, engine, queued_at, started_at, finished_at, transport_s,
	footprint_s, n_blobs`

const runCols = `run_id, started_at, ended_at, ranks, config_hash, version, host, status`

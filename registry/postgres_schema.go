package registry

// pgMigrations[i] brings a PostgreSQL registry from schema version i to i+1
// (recorded in stilt_schema_version). Append only; never edit a released
// migration. The tables mirror the SQLite schema (same names, columns and
// CHECK constraints) plus the queue columns worker_id and lease_until.
var pgMigrations = []string{
	// 1: initial schema.
	`
CREATE TABLE runs (
	run_id      TEXT PRIMARY KEY,
	started_at  TIMESTAMPTZ NOT NULL,
	ended_at    TIMESTAMPTZ,
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
	receptor      TEXT NOT NULL DEFAULT '{}',
	met           TEXT NOT NULL DEFAULT '',
	cost          DOUBLE PRECISION NOT NULL DEFAULT 0,
	status        TEXT NOT NULL DEFAULT 'pending'
	              CHECK (status IN ('pending','running','complete','complete-empty','failed')),
	attempts      INTEGER NOT NULL DEFAULT 0,
	error_class   TEXT NOT NULL DEFAULT '',
	error_message TEXT NOT NULL DEFAULT '',
	run_id        TEXT REFERENCES runs(run_id),
	rank          INTEGER,
	host          TEXT NOT NULL DEFAULT '',
	engine        TEXT NOT NULL DEFAULT '',
	queued_at     TIMESTAMPTZ NOT NULL,
	started_at    TIMESTAMPTZ,
	finished_at   TIMESTAMPTZ,
	transport_s   DOUBLE PRECISION,
	footprint_s   DOUBLE PRECISION,
	n_blobs       INTEGER NOT NULL DEFAULT 0,
	worker_id     TEXT NOT NULL DEFAULT '',
	lease_until   TIMESTAMPTZ
);
CREATE INDEX sims_by_status ON sims (status, scene, met, sim_id);
CREATE INDEX sims_by_run ON sims (run_id);
CREATE INDEX sims_by_lease ON sims (lease_until) WHERE status = 'running';
CREATE TABLE blobs (
	sim_id TEXT NOT NULL REFERENCES sims(sim_id) ON DELETE CASCADE,
	name   TEXT NOT NULL,
	bytes  INTEGER NOT NULL,
	sha256 TEXT NOT NULL,
	data   BYTEA NOT NULL,
	PRIMARY KEY (sim_id, name)
);
CREATE TABLE outputs (
	sim_id TEXT NOT NULL REFERENCES sims(sim_id) ON DELETE CASCADE,
	name   TEXT NOT NULL,
	path   TEXT NOT NULL,
	bytes  BIGINT NOT NULL,
	sha256 TEXT NOT NULL,
	PRIMARY KEY (sim_id, name)
);
`,
}

// PGSchemaVersion is the schema version a PostgreSQL registry has after
// OpenPostgres.
var PGSchemaVersion = len(pgMigrations)

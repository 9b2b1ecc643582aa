-- A published file by its hash (every submission and assignment naming a trainer's
-- scenario looks it up): an index range, not a scan of every file.
CREATE INDEX authored_scenarios_hash ON authored_scenarios (hash) WHERE status = 'published';

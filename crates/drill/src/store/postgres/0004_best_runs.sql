-- Issue 12's bench: each identity's best run per board, so that a rank is a walk over
-- identities, not runs (`store::best_sql`, where the rules are). Filled from the runs
-- stored before by `migrate`, after this file.
CREATE TABLE best_runs (
    scope         BIGINT NOT NULL, -- 0: the public board; else a competition's id
    scenario_id   TEXT   NOT NULL,
    scenario_hash TEXT   NOT NULL,
    sim_version   BIGINT NOT NULL,
    mode          TEXT   NOT NULL, -- the run's mode on the public board; '' in a competition
    identity_id   BIGINT NOT NULL,
    score         BIGINT NOT NULL,
    run_id        BIGINT NOT NULL,
    PRIMARY KEY (scope, scenario_id, scenario_hash, sim_version, mode, identity_id)
);
CREATE INDEX best_runs_rank
    ON best_runs (scope, scenario_id, scenario_hash, sim_version, mode, score DESC, run_id);
CREATE INDEX best_runs_identity ON best_runs (identity_id);
-- A board row's run count: one player's runs of one board (replaces the identity and
-- scenario index, its prefix).
CREATE INDEX runs_identity_board ON runs (identity_id, scenario_id, scenario_hash, sim_version);
DROP INDEX runs_identity_scenario;

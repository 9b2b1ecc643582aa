-- Issue 14: what a team drill counts for — the competition and team, or the cohort, its
-- room was opened for — and who held its acting seats (`store::team_sql`).
ALTER TABLE team_drills ADD COLUMN competition_id BIGINT;
ALTER TABLE team_drills ADD COLUMN team_id BIGINT;
ALTER TABLE team_drills ADD COLUMN cohort_id BIGINT;
CREATE INDEX team_drills_competition ON team_drills (competition_id) WHERE competition_id IS NOT NULL;
CREATE INDEX team_drills_cohort ON team_drills (cohort_id) WHERE cohort_id IS NOT NULL;
CREATE INDEX team_drills_canonical ON team_drills (canonical_hash);
CREATE TABLE team_drill_players (
    code        TEXT   NOT NULL REFERENCES team_drills (code),
    role        TEXT   NOT NULL,
    identity_id BIGINT NOT NULL,
    name        TEXT   NOT NULL,
    points      BIGINT NOT NULL,
    PRIMARY KEY (code, role, identity_id)
);
CREATE INDEX team_drill_players_identity ON team_drill_players (identity_id);

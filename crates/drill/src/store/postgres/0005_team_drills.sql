-- Issue 14: finished team drills, one per room code: the team's score and the verified
-- result (`quorum_proto::team::TeamResult` as JSON), kept after the room closes
-- (`store::team_sql`).
CREATE TABLE team_drills (
    code           TEXT   PRIMARY KEY,
    scenario_id    TEXT   NOT NULL,
    seed           BIGINT NOT NULL,
    score          BIGINT NOT NULL,
    grade          TEXT   NOT NULL,
    canonical_hash TEXT   NOT NULL,
    result_json    TEXT   NOT NULL,
    ended_at_ms    BIGINT NOT NULL
);

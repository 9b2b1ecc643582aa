//! Competition tables.
//!
//! # Rules
//!
//! Only runs submitted with the competition's code count (they were checked at submission to
//! be one of its scenarios with one of that scenario's fixed seeds, while it was open).
//!
//! * **Individual score**: for each of the competition's scenarios, the player's best run
//!   (highest score over all of that scenario's seeds; a scenario without a run counts 0);
//!   the player's total is the sum of these bests. The competition's answer states this rule
//!   (`quorum_proto::api::Counting::BestRunPerScenario`), and each best names its seed.
//! * **Team score**: the sum, over the team's members, of each member's individual score
//!   counted over the runs they submitted *with that team name* (a run without a team counts
//!   for no team). Team names match exactly (after trimming), so "SRE" and "sre" are two
//!   teams.
//! * **Ranking** (both tables): higher total first; on a tie, whoever reached the total
//!   first (the latest of the counted best runs has the smaller id, i.e. was stored
//!   earlier); then by name ([`quorum_proto::rank::rank_order`]). Among a player's runs with
//!   equal scores, the earliest counts.

use std::collections::BTreeMap;

use quorum_proto::api::{BestRun, Individual, TeamMember, TeamRow};
use quorum_proto::rank::{rank_order, ranked};

use crate::db::{CompetitionRun, CompetitionScenario};

struct Tally {
    bests: Vec<Option<(i64, i64, u64)>>, // per scenario: (score, run id, seed)
    runs: u64,
    latest_team: Option<String>,
}

impl Tally {
    fn new(n: usize) -> Tally {
        Tally {
            bests: vec![None; n],
            runs: 0,
            latest_team: None,
        }
    }

    fn add(&mut self, scenario: usize, run: &CompetitionRun) {
        self.runs += 1;
        self.latest_team = run.team.clone();
        let slot = &mut self.bests[scenario];
        // Runs arrive oldest first: a later run replaces the best only if strictly better.
        if slot.is_none_or(|(score, _, _)| run.score > score) {
            *slot = Some((run.score, run.id, run.seed));
        }
    }

    fn total(&self) -> i64 {
        self.bests.iter().flatten().map(|(score, _, _)| score).sum()
    }

    /// The id of the latest counted run: when the total was reached.
    fn reached(&self) -> i64 {
        self.bests
            .iter()
            .flatten()
            .map(|(_, id, _)| *id)
            .max()
            .unwrap_or(0)
    }

    fn best_list(&self, scenarios: &[CompetitionScenario]) -> Vec<BestRun> {
        self.bests
            .iter()
            .zip(scenarios)
            .filter_map(|(best, s)| {
                best.map(|(score, run_id, seed)| BestRun {
                    scenario: s.scenario_id.clone(),
                    seed,
                    score,
                    run_id,
                })
            })
            .collect()
    }
}

/// Computes the individual and team tables from a competition's runs (oldest first).
pub fn compute(
    scenarios: &[CompetitionScenario],
    runs: &[CompetitionRun],
) -> (Vec<Individual>, Vec<TeamRow>) {
    let n = scenarios.len();
    let mut players: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut teams: BTreeMap<&str, BTreeMap<&str, Tally>> = BTreeMap::new();
    for run in runs {
        let Some(index) = scenarios
            .iter()
            .position(|s| s.scenario_id == run.scenario_id)
        else {
            continue;
        };
        players
            .entry(&run.player)
            .or_insert_with(|| Tally::new(n))
            .add(index, run);
        if let Some(team) = run.team.as_deref() {
            teams
                .entry(team)
                .or_default()
                .entry(&run.player)
                .or_insert_with(|| Tally::new(n))
                .add(index, run);
        }
    }

    let individuals: Vec<(i64, i64, Individual)> = players
        .iter()
        .map(|(player, tally)| {
            let row = Individual {
                rank: 0,
                player: player.to_string(),
                team: tally.latest_team.clone(),
                total: tally.total(),
                runs: tally.runs,
                bests: tally.best_list(scenarios),
            };
            (tally.total(), tally.reached(), row)
        })
        .collect();
    let individuals = ranked(individuals, |r| &r.player, |r, rank| r.rank = rank);

    let team_rows: Vec<(i64, i64, TeamRow)> = teams
        .iter()
        .map(|(team, members)| {
            let total = members.values().map(Tally::total).sum();
            let reached = members.values().map(Tally::reached).max().unwrap_or(0);
            let mut member_rows: Vec<(i64, TeamMember)> = members
                .iter()
                .map(|(player, tally)| {
                    (
                        tally.reached(),
                        TeamMember {
                            player: player.to_string(),
                            total: tally.total(),
                            bests: tally.best_list(scenarios),
                        },
                    )
                })
                .collect();
            member_rows.sort_by(|a, b| {
                rank_order((a.1.total, a.0, &a.1.player), (b.1.total, b.0, &b.1.player))
            });
            let row = TeamRow {
                rank: 0,
                team: team.to_string(),
                total,
                members: member_rows.into_iter().map(|(_, m)| m).collect(),
            };
            (total, reached, row)
        })
        .collect();
    let teams = ranked(team_rows, |r| &r.team, |r, rank| r.rank = rank);
    (individuals, teams)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(
        id: i64,
        player: &str,
        team: Option<&str>,
        scenario: &str,
        score: i64,
    ) -> CompetitionRun {
        CompetitionRun {
            id,
            player: player.into(),
            team: team.map(Into::into),
            scenario_id: scenario.into(),
            seed: 1,
            score,
        }
    }

    #[test]
    fn sums_best_per_scenario_for_players_and_teams() {
        let scenarios = vec![
            CompetitionScenario {
                scenario_id: "a".into(),
                seeds: vec![1],
            },
            CompetitionScenario {
                scenario_id: "b".into(),
                seeds: vec![2, 3],
            },
        ];
        let runs = vec![
            run(1, "ann", Some("red"), "a", 5000),
            run(2, "ann", Some("red"), "a", 7000), // better: replaces 5000
            run(3, "ann", Some("red"), "b", 9000),
            run(4, "bob", Some("red"), "a", 8000),
            run(5, "cat", Some("blue"), "a", 9500),
            run(6, "cat", Some("blue"), "b", 9500),
            run(7, "dan", None, "a", 9999),
            run(8, "ann", Some("red"), "a", 7000), // a tie: the earlier run counts
            run(9, "eve", Some("blue"), "zzz", 10000), // not a competition scenario
        ];
        let (individuals, teams) = compute(&scenarios, &runs);
        let summary: Vec<(i64, &str, i64)> = individuals
            .iter()
            .map(|r| (r.rank, r.player.as_str(), r.total))
            .collect();
        assert_eq!(
            summary,
            [
                (1, "cat", 19000),
                (2, "ann", 16000),
                (3, "dan", 9999),
                (4, "bob", 8000)
            ]
        );
        let ann = &individuals[1];
        assert_eq!(ann.runs, 4);
        assert_eq!(
            ann.bests,
            [
                BestRun {
                    scenario: "a".into(),
                    seed: 1,
                    score: 7000,
                    run_id: 2
                },
                BestRun {
                    scenario: "b".into(),
                    seed: 1,
                    score: 9000,
                    run_id: 3
                }
            ]
        );
        let team_summary: Vec<(i64, &str, i64)> = teams
            .iter()
            .map(|t| (t.rank, t.team.as_str(), t.total))
            .collect();
        assert_eq!(team_summary, [(1, "red", 24000), (2, "blue", 19000)]);
        assert_eq!(teams[0].members[0].player, "ann");
        assert_eq!(teams[0].members[1].player, "bob");
    }

    #[test]
    fn ties_go_to_whoever_reached_the_total_first() {
        let scenarios = vec![CompetitionScenario {
            scenario_id: "a".into(),
            seeds: vec![1],
        }];
        let runs = vec![
            run(1, "zed", Some("t2"), "a", 9000),
            run(2, "amy", Some("t1"), "a", 9000),
        ];
        let (individuals, teams) = compute(&scenarios, &runs);
        assert_eq!(individuals[0].player, "zed");
        assert_eq!(teams[0].team, "t2");
    }
}

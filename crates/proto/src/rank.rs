//! The ranking rules, for both sides.
//!
//! * **Runs** on a scenario's leaderboard (the server's board, its `rank` in a submission
//!   answer, and the game's local board): the higher score first; on a tie, the earlier run
//!   (the server's smaller run id, the game's earlier finish time).
//! * **Players, teams and a team's members** in a competition: the higher total first; on a
//!   tie, whoever reached the total first; then by name, so that the order is total.

use std::cmp::Ordering;

/// The order of two runs `(score, when)` where `when` grows with time (a run id or a
/// timestamp): `Less` means `a` ranks above `b`.
pub fn run_order(a: (i64, i64), b: (i64, i64)) -> Ordering {
    b.0.cmp(&a.0).then(a.1.cmp(&b.1))
}

/// Whether run `a` ranks strictly above run `b` ([`run_order`]).
pub fn run_ranks_above(a: (i64, i64), b: (i64, i64)) -> bool {
    run_order(a, b) == Ordering::Less
}

/// The order of two competitors `(total, reached_at, name)`: `Less` means `a` ranks above.
pub fn rank_order(a: (i64, i64, &str), b: (i64, i64, &str)) -> Ordering {
    b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then_with(|| a.2.cmp(b.2))
}

/// Rows `(total, reached_at, row)` sorted by [`rank_order`] and numbered from 1 by
/// `set_rank`.
pub fn ranked<R>(
    mut rows: Vec<(i64, i64, R)>,
    name: impl Fn(&R) -> &str,
    set_rank: impl Fn(&mut R, i64),
) -> Vec<R> {
    rows.sort_by(|a, b| rank_order((a.0, a.1, name(&a.2)), (b.0, b.1, name(&b.2))));
    rows.into_iter()
        .zip(1..)
        .map(|((_, _, mut row), rank)| {
            set_rank(&mut row, rank);
            row
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_rank_by_score_then_the_earlier() {
        assert!(run_ranks_above((900, 5), (800, 1)));
        assert!(run_ranks_above((900, 1), (900, 5)));
        assert!(!run_ranks_above((900, 5), (900, 5)));
        assert!(!run_ranks_above((100, 1), (900, 5)));
    }

    #[test]
    fn competitors_rank_by_total_then_who_got_there_first_then_name() {
        let rows = vec![
            (9000, 7, "zed"),
            (9000, 3, "amy"),
            (9500, 9, "cat"),
            (9000, 3, "abe"),
        ];
        let out = ranked(
            rows.into_iter().map(|(t, r, n)| (t, r, (0, n))).collect(),
            |r| r.1,
            |r, rank| r.0 = rank,
        );
        assert_eq!(out, [(1, "cat"), (2, "abe"), (3, "amy"), (4, "zed")]);
    }
}

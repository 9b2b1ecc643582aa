//! The boards' address: which board (or the competition table) a page shows, written into
//! the URL's fragment. The game ships as two bundles (ARCHITECTURE, bundle budget): the
//! trainee's `index.html` has no board screens and hands a board over to `boards.html`
//! through this fragment; `boards.html` opens it at start and keeps it current, so a
//! board can be bookmarked, reloaded and shared. Pure: the shell reads and writes
//! `location`, this file only spells and reads the fragment.

use quorum_sim::replay::PlayMode;

use crate::leaderboard::{normalize_code, BoardFilter};

/// The page that holds the board screens.
pub const BOARDS_PAGE: &str = "boards.html";

/// A board screen and what it shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// One scenario's board (a competition's runs only when `competition` is set).
    Board {
        scenario: String,
        competition: Option<String>,
        filter: BoardFilter,
        /// The run to highlight (the one just submitted).
        highlight: Option<i64>,
    },
    /// The joined competition's table.
    Competition,
}

impl Route {
    /// The fragment, `#` included: `#board=seed-ami-trap&mode=exam&seed=3`.
    pub fn hash(&self) -> String {
        match self {
            Route::Competition => "#competition".to_string(),
            Route::Board {
                scenario,
                competition,
                filter,
                highlight,
            } => {
                let mut h = format!(
                    "#board={scenario}&mode={}",
                    filter.mode.map_or("all", PlayMode::as_str)
                );
                if let Some(seed) = filter.seed {
                    h.push_str(&format!("&seed={seed}"));
                }
                if let Some(day) = filter.daily {
                    h.push_str(&format!("&daily={day}"));
                }
                if let Some(code) = competition {
                    h.push_str(&format!("&competition={code}"));
                }
                if let Some(id) = highlight {
                    h.push_str(&format!("&run={id}"));
                }
                h
            }
        }
    }

    /// The boards page at this route: `boards.html#board=…`.
    pub fn page(&self) -> String {
        format!("{BOARDS_PAGE}{}", self.hash())
    }

    /// Reads a fragment (with or without its `#`). Anything it does not fully understand
    /// is `None`: the page then opens on its home screen, as without a fragment.
    pub fn parse(hash: &str) -> Option<Route> {
        let hash = hash.strip_prefix('#').unwrap_or(hash);
        if hash == "competition" {
            return Some(Route::Competition);
        }
        let mut scenario = None;
        let mut competition = None;
        let mut filter = BoardFilter::default();
        let mut highlight = None;
        for pair in hash.split('&') {
            let (key, value) = pair.split_once('=')?;
            match key {
                "board" if is_id(value) => scenario = Some(value.to_string()),
                "mode" if value == "all" => filter.mode = None,
                "mode" => filter.mode = Some(PlayMode::parse(value)?),
                "seed" => filter.seed = Some(value.parse().ok()?),
                "daily" => filter.daily = Some(value.parse().ok()?),
                "competition"
                    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_alphanumeric()) =>
                {
                    competition = Some(normalize_code(value));
                }
                "run" => highlight = Some(value.parse().ok()?),
                _ => return None,
            }
        }
        Some(Route::Board {
            scenario: scenario?,
            competition,
            filter,
            highlight,
        })
    }
}

/// A scenario id as scenario files spell them: `[a-z0-9-]`, not empty.
fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_board_survives_the_trip_through_the_address() {
        let routes = [
            Route::Competition,
            Route::Board {
                scenario: "seed-ami-trap".into(),
                competition: None,
                filter: BoardFilter::default(),
                highlight: None,
            },
            Route::Board {
                scenario: "node-hang".into(),
                competition: Some("SPRING24".into()),
                filter: BoardFilter {
                    mode: None,
                    seed: Some(7),
                    daily: Some(20_424),
                },
                highlight: Some(42),
            },
        ];
        for r in routes {
            assert_eq!(Route::parse(&r.hash()), Some(r.clone()), "{}", r.hash());
        }
        assert_eq!(
            Route::Board {
                scenario: "seed-ami-trap".into(),
                competition: None,
                filter: BoardFilter::default(),
                highlight: Some(3),
            }
            .hash(),
            "#board=seed-ami-trap&mode=exam&run=3"
        );
    }

    #[test]
    fn a_fragment_it_does_not_understand_opens_the_home_screen() {
        for bad in [
            "",
            "#",
            "#board=",
            "#board=Seed<script>",
            "#mode=exam",
            "#board=seed-ami-trap&mode=cheat",
            "#board=seed-ami-trap&seed=-1",
            "#board=seed-ami-trap&competition=a b",
            "#board=seed-ami-trap&extra=1",
            "#board=seed-ami-trap&run",
        ] {
            assert_eq!(Route::parse(bad), None, "{bad}");
        }
    }
}

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
/// The trainee's assignments (boards.html); the trainee's bundle links here once a cohort
/// was joined, with no route of its own for it (the trainer's and the trainee's cohort
/// pages are not in that bundle at all).
pub const ASSIGNMENTS_HASH: &str = "#assignments";

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
    /// The trainee's cohorts (boards bundle only, as the next): joining one, the assignments and what is left, the trainers'
    /// comments on submitted runs.
    #[cfg(feature = "boards")]
    Assignments,
    /// The trainer's pages: the cohorts, one cohort's dashboard, one trainee's runs.
    /// The trainer's scenario editor.
    #[cfg(feature = "boards")]
    Editor,
    #[cfg(feature = "boards")]
    Trainer {
        cohort: Option<i64>,
        trainee: Option<i64>,
    },
    /// A team drill (issue 14): `#room` opens or joins one, `#room=CODE` is that room.
    #[cfg(feature = "boards")]
    Room { code: Option<String> },
}

impl Route {
    /// The fragment, `#` included: `#board=seed-ami-trap&mode=exam&seed=3`.
    pub fn hash(&self) -> String {
        match self {
            Route::Competition => "#competition".to_string(),
            #[cfg(feature = "boards")]
            Route::Assignments => ASSIGNMENTS_HASH.to_string(),
            #[cfg(feature = "boards")]
            Route::Editor => "#editor".to_string(),
            #[cfg(feature = "boards")]
            Route::Room { code: None } => "#room".to_string(),
            #[cfg(feature = "boards")]
            Route::Room { code: Some(c) } => format!("#room={c}"),
            #[cfg(feature = "boards")]
            Route::Trainer { cohort, trainee } => {
                let mut h = "#trainer".to_string();
                if let Some(c) = cohort {
                    h.push_str(&format!("&cohort={c}"));
                }
                if let Some(t) = trainee {
                    h.push_str(&format!("&trainee={t}"));
                }
                h
            }
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
        #[cfg(feature = "boards")]
        match hash {
            "assignments" => return Some(Route::Assignments),
            "editor" => return Some(Route::Editor),
            "room" => return Some(Route::Room { code: None }),
            _ => {}
        }
        #[cfg(feature = "boards")]
        if let Some(code) = hash.strip_prefix("room=") {
            // A room's code as the server spells them (`rooms::random_code`): letters and
            // digits, read as typed (upper case).
            if code.is_empty()
                || code.len() > 16
                || !code.bytes().all(|b| b.is_ascii_alphanumeric())
            {
                return None;
            }
            return Some(Route::Room {
                code: Some(code.to_ascii_uppercase()),
            });
        }
        #[cfg(feature = "boards")]
        if let Some(rest) = hash.strip_prefix("trainer") {
            let (mut cohort, mut trainee) = (None, None);
            for pair in rest.split('&').skip(1) {
                let (key, value) = pair.split_once('=')?;
                let id = Some(value.parse::<i64>().ok().filter(|v| *v > 0)?);
                match key {
                    "cohort" => cohort = id,
                    "trainee" => trainee = id,
                    _ => return None,
                }
            }
            // A trainee's page is inside a cohort; any tail but `&…` is not understood.
            if (trainee.is_some() && cohort.is_none())
                || !(rest.is_empty() || rest.starts_with('&'))
            {
                return None;
            }
            return Some(Route::Trainer { cohort, trainee });
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
            Route::Assignments,
            Route::Editor,
            Route::Trainer {
                cohort: None,
                trainee: None,
            },
            Route::Trainer {
                cohort: Some(3),
                trainee: Some(12),
            },
            Route::Room { code: None },
            Route::Room {
                code: Some("K7QX2M".into()),
            },
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
    fn a_typed_room_code_is_read_in_upper_case() {
        assert_eq!(
            Route::parse("#room=k7qx2m"),
            Some(Route::Room {
                code: Some("K7QX2M".into())
            })
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
            "#trainerx",
            "#trainer&cohort=-1",
            "#trainer&trainee=4",
            "#trainer&cohort=2&extra=1",
            "#room=",
            "#room=AB-CD",
            "#roomx",
        ] {
            assert_eq!(Route::parse(bad), None, "{bad}");
        }
    }
}

//! The built-in scenarios as the browser game embeds them (`scenarios/builtin.txt`).
//!
//! Natively, scenarios come from their TOML files. The wasm bundle carries no TOML parser,
//! and decoding JSON into `Scenario` through serde cost ~16 KB of code there. So the game
//! embeds the already-parsed scenarios in this positional text format: one value per line,
//! in the order the fields are declared, each list preceded by its length, `\` and newlines
//! escaped. A test writes the file from the TOML sources and decodes it back to the same
//! values, so the two can never drift apart; nobody edits it by hand.

use crate::scenario::{
    BranchOption, BranchPoint, Course, Difficulty, Effect, Fault, FaultKind, Message, Proof,
    Scenario, Text, Topology, Traffic, Trap, Unit,
};

/// Decodes `scenarios/builtin.txt`; `None` if it is not well formed.
pub fn decode(packed: &str) -> Option<Vec<Scenario>> {
    let mut r = Reader(packed.lines());
    let scenarios = r.list(Reader::scenario)?;
    r.0.next().is_none().then_some(scenarios)
}

struct Reader<'a>(std::str::Lines<'a>);

impl Reader<'_> {
    fn string(&mut self) -> Option<String> {
        let line = self.0.next()?;
        let mut out = String::with_capacity(line.len());
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            out.push(match c {
                '\\' => match chars.next()? {
                    'n' => '\n',
                    '\\' => '\\',
                    _ => return None,
                },
                c => c,
            });
        }
        Some(out)
    }

    fn number(&mut self) -> Option<u64> {
        self.0.next()?.parse().ok()
    }

    fn small(&mut self) -> Option<u32> {
        self.number()?.try_into().ok()
    }

    fn text(&mut self) -> Option<Text> {
        Some(Text {
            en: self.string()?,
            ja: self.string()?,
        })
    }

    fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let len = self.number()?;
        (0..len).map(|_| item(self)).collect()
    }

    fn kind(&mut self) -> Option<FaultKind> {
        let s = self.string()?;
        FaultKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    fn effect(&mut self) -> Option<Effect> {
        Some(match self.kind()? {
            FaultKind::FsckHang => Effect::FsckHang {
                target: self.string()?,
                hang_ms: self.number()?,
            },
            FaultKind::ImageSlow => Effect::ImageSlow {
                pending_ms: self.number()?,
            },
            FaultKind::MirrorFailure => Effect::MirrorFailure {
                count: self.small()?,
            },
            kind => Effect::Timed {
                kind,
                target: self.string()?,
                after_min_ms: self.number()?,
                after_max_ms: self.number()?,
            },
        })
    }

    fn point(&mut self) -> Option<BranchPoint> {
        Some(BranchPoint {
            id: self.string()?,
            label: self.text()?,
            when: match self.list(Self::string)?.as_slice() {
                [] => None,
                [p, o] => Some((p.clone(), o.clone())),
                _ => return None,
            },
            options: self.list(|r| {
                Some(BranchOption {
                    id: r.string()?,
                    weight: r.small()?,
                    label: r.text()?,
                    effect: r.list(Self::effect)?.pop(),
                })
            })?,
        })
    }

    fn scenario(&mut self) -> Option<Scenario> {
        Some(Scenario {
            id: self.string()?,
            difficulty: {
                let s = self.string()?;
                Difficulty::ALL.into_iter().find(|d| d.as_str() == s)?
            },
            duration_ms: self.number()?,
            course: {
                let s = self.string()?;
                match s.split_once(' ') {
                    Some((unit, order)) => Some(Course {
                        unit: Unit::from_id(unit)?,
                        order: order.parse().ok()?,
                    }),
                    None if s.is_empty() => None,
                    None => return None,
                }
            },
            title: self.text()?,
            summary: self.text()?,
            briefing: self.text()?,
            lesson: self.text()?,
            assumptions: self.list(Self::string)?,
            topology: Topology {
                nodes: self.list(Self::string)?,
                azs: self.list(Self::string)?,
                instance_type: self.string()?,
                shards: self.small()?,
                replicas: self.small()?,
                shard_bytes: self.number()?,
                disk_bytes: self.number()?,
                initial_master: self.list(Self::string)?.pop(),
            },
            traffic: Traffic {
                requests_per_s: self.small()?,
                read_percent: self.small()?,
                noise_percent: self.small()?,
            },
            faults: self.list(|r| {
                Some(Fault {
                    at_ms: r.number()?,
                    kind: r.kind()?,
                    target: r.string()?,
                })
            })?,
            branch_points: self.list(Self::point)?,
            messages: self.list(|r| {
                Some(Message {
                    at_ms: r.number()?,
                    from: r.string()?,
                    text: r.text()?,
                })
            })?,
            proofs: self.list(|r| {
                Some(Proof {
                    case: r.string()?,
                    actions: r.string()?,
                    par_redundancy_ms: r.number()?,
                })
            })?,
            trap: self
                .list(|r| {
                    Some(Trap {
                        case: r.list(Self::string)?.pop(),
                        actions: r.string()?,
                    })
                })?
                .pop(),
            runbook: super::runbook::packed::decode(self)?,
            objective: super::objective::packed::decode(self)?,
            hash: self.string()?,
        })
    }
}

impl super::runbook::packed::Lines for Reader<'_> {
    fn string(&mut self) -> Option<String> {
        Reader::string(self)
    }
    fn number(&mut self) -> Option<u64> {
        Reader::number(self)
    }
}

/// What the browser keeps of a scenario: everything the game shows or simulates. The proofs'
/// action scripts, the trap and the assumptions are for the tests, `drill lint` and authors
/// (the TOML files keep them); the engine needs only each case's par. Cutting them saves
/// about a sixth of the packed file's gzip size (twelve scenarios: 19,899 → 16,337 bytes).
#[cfg(any(test, feature = "toml-scenarios"))]
pub(crate) fn browser_copy(s: &Scenario) -> Scenario {
    let mut s = s.clone();
    s.assumptions.clear();
    s.trap = None;
    for p in &mut s.proofs {
        p.actions.clear();
    }
    s
}

/// Writes scenarios in the format [`decode`] reads (used by the test that keeps
/// `scenarios/builtin.txt` in step with the TOML files).
#[cfg(any(test, feature = "toml-scenarios"))]
pub fn encode(scenarios: &[Scenario]) -> String {
    fn string(out: &mut String, s: &str) {
        out.push_str(&s.replace('\\', "\\\\").replace('\n', "\\n"));
        out.push('\n');
    }
    fn number(out: &mut String, n: impl Into<u64>) {
        out.push_str(&n.into().to_string());
        out.push('\n');
    }
    fn text(out: &mut String, t: &Text) {
        string(out, &t.en);
        string(out, &t.ja);
    }
    fn strings(out: &mut String, list: &[String]) {
        number(out, list.len() as u64);
        for s in list {
            string(out, s);
        }
    }
    let mut out = String::new();
    number(&mut out, scenarios.len() as u64);
    for s in scenarios {
        let s = &browser_copy(s);
        string(&mut out, &s.id);
        string(&mut out, s.difficulty.as_str());
        number(&mut out, s.duration_ms);
        let course = s.course.map_or(String::new(), |c| {
            format!("{} {}", c.unit.as_str(), c.order)
        });
        string(&mut out, &course);
        for t in [&s.title, &s.summary, &s.briefing, &s.lesson] {
            text(&mut out, t);
        }
        strings(&mut out, &s.assumptions);
        let t = &s.topology;
        strings(&mut out, &t.nodes);
        strings(&mut out, &t.azs);
        string(&mut out, &t.instance_type);
        number(&mut out, t.shards);
        number(&mut out, t.replicas);
        number(&mut out, t.shard_bytes);
        number(&mut out, t.disk_bytes);
        strings(&mut out, t.initial_master.as_slice());
        number(&mut out, s.traffic.requests_per_s);
        number(&mut out, s.traffic.read_percent);
        number(&mut out, s.traffic.noise_percent);
        number(&mut out, s.faults.len() as u64);
        for f in &s.faults {
            number(&mut out, f.at_ms);
            string(&mut out, f.kind.as_str());
            string(&mut out, &f.target);
        }
        number(&mut out, s.branch_points.len() as u64);
        for p in &s.branch_points {
            string(&mut out, &p.id);
            text(&mut out, &p.label);
            match &p.when {
                Some((wp, wo)) => strings(&mut out, &[wp.clone(), wo.clone()]),
                None => number(&mut out, 0u64),
            }
            number(&mut out, p.options.len() as u64);
            for o in &p.options {
                string(&mut out, &o.id);
                number(&mut out, o.weight);
                text(&mut out, &o.label);
                number(&mut out, u64::from(o.effect.is_some()));
                if let Some(e) = &o.effect {
                    string(&mut out, e.kind().as_str());
                    match e {
                        Effect::FsckHang { target, hang_ms } => {
                            string(&mut out, target);
                            number(&mut out, *hang_ms);
                        }
                        Effect::ImageSlow { pending_ms } => number(&mut out, *pending_ms),
                        Effect::MirrorFailure { count } => number(&mut out, *count),
                        Effect::Timed {
                            target,
                            after_min_ms,
                            after_max_ms,
                            ..
                        } => {
                            string(&mut out, target);
                            number(&mut out, *after_min_ms);
                            number(&mut out, *after_max_ms);
                        }
                    }
                }
            }
        }
        number(&mut out, s.messages.len() as u64);
        for m in &s.messages {
            number(&mut out, m.at_ms);
            string(&mut out, &m.from);
            text(&mut out, &m.text);
        }
        number(&mut out, s.proofs.len() as u64);
        for p in &s.proofs {
            string(&mut out, &p.case);
            string(&mut out, &p.actions);
            number(&mut out, p.par_redundancy_ms);
        }
        number(&mut out, u64::from(s.trap.is_some()));
        if let Some(t) = &s.trap {
            strings(&mut out, t.case.as_slice());
            string(&mut out, &t.actions);
        }
        super::runbook::packed::encode(s.runbook.as_ref(), &mut |line| string(&mut out, line));
        super::objective::packed::encode(s.objective.as_ref(), &mut |line| string(&mut out, line));
        string(&mut out, &s.hash);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_round_trip_and_junk_is_refused() {
        let mut s = crate::scenario::all()[0].clone();
        s.title.en = "back\\slash\nnew line \\n literal".into();
        s.topology.initial_master = None;
        let packed = encode(std::slice::from_ref(&s));
        assert_eq!(decode(&packed), Some(vec![browser_copy(&s)]));
        assert_eq!(
            decode(&packed.replace("easy", "trivial")),
            None,
            "unknown difficulty"
        );
        assert_eq!(
            decode(&(packed.clone() + "extra\n")),
            None,
            "trailing lines"
        );
        let mut half = packed.len() / 2;
        while !packed.is_char_boundary(half) {
            half -= 1;
        }
        assert_eq!(decode(&packed[..half]), None, "truncated");
        assert_eq!(decode("1\nid\\q\n"), None, "unknown escape");
    }

    #[test]
    fn every_effect_kind_and_a_trap_without_a_case_round_trip() {
        let mut s = crate::scenario::builtin("seed-ami-trap").unwrap().clone();
        s.branch_points.push(BranchPoint {
            id: "image".into(),
            label: Text {
                en: "images".into(),
                ja: String::new(),
            },
            when: Some(("recovery".into(), "late".into())),
            options: vec![
                BranchOption {
                    id: "slow".into(),
                    weight: 1,
                    label: Text::default(),
                    effect: Some(Effect::ImageSlow {
                        pending_ms: 2_400_000,
                    }),
                },
                BranchOption {
                    id: "fsck".into(),
                    weight: 2,
                    label: Text::default(),
                    effect: Some(Effect::FsckHang {
                        target: "node-2".into(),
                        hang_ms: 1_200_000,
                    }),
                },
            ],
        });
        s.trap = Some(Trap {
            case: None,
            actions: "at 02:00 create-image node-2\n".into(),
        });
        // The browser's copy keeps every effect kind; it drops the trap and the proofs'
        // scripts (`browser_copy`), with or without a case.
        let packed = encode(std::slice::from_ref(&s));
        assert_eq!(decode(&packed), Some(vec![browser_copy(&s)]));
        s.trap = None;
        let packed = encode(std::slice::from_ref(&s));
        assert_eq!(decode(&packed), Some(vec![browser_copy(&s)]));
    }
}

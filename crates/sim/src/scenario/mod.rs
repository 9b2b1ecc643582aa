//! Scenarios as data: TOML files (see `scenarios/README.md` for the format) embedded in the
//! binary and loadable from a file. A scenario's hash is the SHA-256 of its file's bytes, so
//! a replay names exactly the scenario it was played on.

// Natively, scenarios come from the TOML files; the packed copy is for the wasm (and tests).
/// The course checks of `drill lint` (they replay the proofs and the trap).
#[cfg(feature = "toml-scenarios")]
pub mod lint;
pub mod objective;
mod packed;
pub mod runbook;

pub mod branches;
pub use branches::{BranchCase, BranchOption, BranchPoint, Drawn, Effect, Proof, Trap};
pub use objective::{Objective, ObjectiveKind};

#[cfg(feature = "extra-scenarios")]
use std::sync::Mutex;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
#[cfg(feature = "log-hash")]
use sha2::{Digest, Sha256};

/// Text in every language the game speaks. `ja` falls back to `en` when missing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub en: String,
    #[serde(default)]
    pub ja: String,
}

/// The languages of the game.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Ja,
}

impl Text {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja if !self.ja.is_empty() => &self.ja,
            _ => &self.en,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Difficulty {
    Easy,
    Medium,
    Hard,
}

impl Difficulty {
    pub const ALL: [Difficulty; 3] = [Difficulty::Easy, Difficulty::Medium, Difficulty::Hard];

    /// As the scenario files spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Difficulty::Easy => "easy",
            Difficulty::Medium => "medium",
            Difficulty::Hard => "hard",
        }
    }
}

/// The units of the course, in the order the home screen lists them: the sandbox, the basics,
/// the seed (the founding postmortem), then the harder drills. Within a unit scenarios go by
/// their `order`. The order is a suggestion: nothing is locked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    Sandbox,
    Basics,
    Seed,
    Harder,
}

impl Unit {
    pub const ALL: [Unit; 4] = [Unit::Sandbox, Unit::Basics, Unit::Seed, Unit::Harder];

    /// As the scenario files spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Sandbox => "sandbox",
            Unit::Basics => "basics",
            Unit::Seed => "seed",
            Unit::Harder => "harder",
        }
    }

    pub fn from_id(id: &str) -> Option<Unit> {
        Unit::ALL.into_iter().find(|u| u.as_str() == id)
    }

    /// The unit's heading on the home screen.
    pub fn label(self, lang: Lang) -> &'static str {
        let (en, ja) = match self {
            Unit::Sandbox => ("Sandbox", "サンドボックス"),
            Unit::Basics => ("Basics", "基礎"),
            Unit::Seed => ("The seed incident", "原点のインシデント"),
            Unit::Harder => ("Harder", "応用"),
        };
        if lang == Lang::Ja {
            ja
        } else {
            en
        }
    }
}

/// A scenario's place in the course (`course = { unit = "basics", order = 2 }`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Course {
    pub unit: Unit,
    pub order: u32,
}

/// A scheduled incident.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultKind {
    /// The EC2 host under the instance fails silently: network, power or hardware. The OS and
    /// the datastore freeze; peers see timeouts, not closed connections. Status: system check
    /// fails.
    HostFailure,
    /// EC2 automatic recovery (simplified recovery) moves the instance to a healthy host and
    /// reboots it: same instance id and IPs, RAM lost, data volume kept.
    HostRecovery,
    /// The guest OS hangs (kernel panic, runaway memory): the host is fine, the instance
    /// status check fails. A reboot fixes it (forced after ~4 minutes).
    OsHang,
    /// A runaway log starts filling the instance's volume (debug logging left on). Disk
    /// watermarks follow; at flood stage the index becomes read-only.
    DiskFill,
    /// EC2 automatic recovery gives up (insufficient capacity): a notice, if the instance
    /// still runs on its failed host; the host stays failed.
    RecoveryFailed,
    /// EC2 retires the host the instance ran on when the drill began (a scheduled
    /// retirement's deadline): that host fails as in [`FaultKind::HostFailure`]. An instance
    /// that a stop and start has moved to another host is not touched.
    HostRetirement,
    /// Armed (a branch option's effect): the target's next boot hangs in fsck.
    FsckHang,
    /// Armed: images created in the drill stay `pending` for a declared time.
    ImageSlow,
    /// Armed: the first setups fail on a bad package mirror.
    MirrorFailure,
}

impl FaultKind {
    pub const ALL: [FaultKind; 9] = [
        FaultKind::HostFailure,
        FaultKind::HostRecovery,
        FaultKind::OsHang,
        FaultKind::DiskFill,
        FaultKind::RecoveryFailed,
        FaultKind::HostRetirement,
        FaultKind::FsckHang,
        FaultKind::ImageSlow,
        FaultKind::MirrorFailure,
    ];

    /// A fault that happens at a moment (`[[faults]]`, or a branch option's drawn time);
    /// the others are armed by a branch option and act when the trainee's action meets them.
    pub fn is_timed(self) -> bool {
        !matches!(
            self,
            FaultKind::FsckHang | FaultKind::ImageSlow | FaultKind::MirrorFailure
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::HostFailure => "host-failure",
            FaultKind::HostRecovery => "host-recovery",
            FaultKind::OsHang => "os-hang",
            FaultKind::DiskFill => "disk-fill",
            FaultKind::RecoveryFailed => "recovery-failed",
            FaultKind::HostRetirement => "host-retirement",
            FaultKind::FsckHang => "fsck-hang",
            FaultKind::ImageSlow => "image-slow",
            FaultKind::MirrorFailure => "mirror-failure",
        }
    }

    /// The kind named by its id (`host-failure`), as a scenario or a [`Cause`] spells it.
    ///
    /// [`Cause`]: crate::report::Cause
    pub fn from_id(id: &str) -> Option<FaultKind> {
        FaultKind::ALL.into_iter().find(|k| k.as_str() == id)
    }

    /// The fault as people name it, in `lang` (the id is not a word).
    pub fn label(self, lang: Lang) -> &'static str {
        let (en, ja) = match self {
            FaultKind::HostFailure => ("host failure", "ホスト障害"),
            FaultKind::HostRecovery => ("host recovery", "ホストの自動復旧"),
            FaultKind::OsHang => ("OS hang", "OS のハングアップ"),
            FaultKind::DiskFill => ("disk filling up", "ディスク容量の逼迫"),
            FaultKind::RecoveryFailed => ("failed automatic recovery", "自動復旧の失敗"),
            FaultKind::HostRetirement => ("host retirement", "ホストのリタイア"),
            FaultKind::FsckHang => ("boot stuck in fsck", "ファイルシステム検査で止まった起動"),
            FaultKind::ImageSlow => ("slow image creation", "遅いイメージ作成"),
            FaultKind::MirrorFailure => ("bad package mirror", "壊れたパッケージミラー"),
        };
        if lang == Lang::Ja {
            ja
        } else {
            en
        }
    }
}

/// A fault id's label in `lang` ([`FaultKind::label`]); an unknown id is shown as it is.
pub fn fault_label(id: &str, lang: Lang) -> &str {
    FaultKind::from_id(id).map_or(id, |k| k.label(lang))
}

/// A chat sender in `lang`. The scenarios name senders in English only (rewording a scenario
/// would change its hash), so their Japanese names live here, keyed by the English one.
pub fn sender_label(from: &str, lang: Lang) -> &str {
    match (lang, from) {
        (Lang::Ja, "Product manager") => "プロダクトマネージャー",
        (Lang::Ja, "Team lead") => "チームリーダー",
        _ => from,
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    pub at_ms: u64,
    pub kind: FaultKind,
    pub target: String,
}

/// A chat message or page that arrives at a time (the pressure the operator feels).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub at_ms: u64,
    pub from: String,
    pub text: Text,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Topology {
    pub nodes: Vec<String>,
    pub azs: Vec<String>,
    pub instance_type: String,
    pub shards: u32,
    pub replicas: u32,
    pub shard_bytes: u64,
    /// Size of each instance's EBS volume.
    pub disk_bytes: u64,
    /// The node that wins the first election; drawn from the seed when absent.
    pub initial_master: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Traffic {
    pub requests_per_s: u32,
    pub read_percent: u32,
    /// Each tick's request count varies uniformly by up to this many percent.
    pub noise_percent: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scenario {
    pub id: String,
    pub difficulty: Difficulty,
    pub duration_ms: u64,
    /// Its place in the course; `drill lint` requires one.
    pub course: Option<Course>,
    pub title: Text,
    /// One line for the scenario list.
    pub summary: Text,
    /// The pager alert that opens the scenario.
    pub briefing: Text,
    /// What the drill teaches, shown in the debrief.
    pub lesson: Text,
    /// Values the documentation does not give and the scenario chose (fidelity notes).
    pub assumptions: Vec<String>,
    pub topology: Topology,
    pub traffic: Traffic,
    pub faults: Vec<Fault>,
    /// The hidden branch tree, drawn from the seed (`branches.rs`), revealed in the debrief.
    pub branch_points: Vec<BranchPoint>,
    pub messages: Vec<Message>,
    /// One proof replay per branch case: the runbook's clean path and its par.
    pub proofs: Vec<Proof>,
    /// The mistake the scenario teaches, as a replay.
    pub trap: Option<Trap>,
    /// The runbook the trainee follows (`[runbook]`), if the scenario has one.
    pub runbook: Option<runbook::Runbook>,
    /// The work the drill is for (`[objective]`), checked at its deadline.
    pub objective: Option<Objective>,
    /// SHA-256 of the source file, hex.
    pub hash: String,
}

/// A scenario file that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError(pub String);

impl std::fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::error::Error for ScenarioError {}

/// The built-in scenario files, in the order the game lists them.
#[cfg(feature = "toml-scenarios")]
pub const BUILTIN_SOURCES: &[(&str, &str)] = &[
    (
        "sandbox",
        include_str!("../../../../scenarios/sandbox.toml"),
    ),
    (
        "seed-ami-trap",
        include_str!("../../../../scenarios/seed-ami-trap.toml"),
    ),
    (
        "stuck-stopping",
        include_str!("../../../../scenarios/stuck-stopping.toml"),
    ),
    (
        "node-hang",
        include_str!("../../../../scenarios/node-hang.toml"),
    ),
    (
        "disk-full",
        include_str!("../../../../scenarios/disk-full.toml"),
    ),
    (
        "rolling-restart",
        include_str!("../../../../scenarios/rolling-restart.toml"),
    ),
    (
        "cloned-replacement",
        include_str!("../../../../scenarios/cloned-replacement.toml"),
    ),
    (
        "scheduled-retirement",
        include_str!("../../../../scenarios/scheduled-retirement.toml"),
    ),
    (
        "hasty-image",
        include_str!("../../../../scenarios/hasty-image.toml"),
    ),
    (
        "wrong-instance",
        include_str!("../../../../scenarios/wrong-instance.toml"),
    ),
    (
        "az-outage",
        include_str!("../../../../scenarios/az-outage.toml"),
    ),
    (
        "scale-down",
        include_str!("../../../../scenarios/scale-down.toml"),
    ),
    (
        "joined-not-green",
        include_str!("../../../../scenarios/joined-not-green.toml"),
    ),
];

/// The longest drill the game runs.
pub const MAX_DURATION_MS: u64 = 2 * 3600 * 1000;

/// The built-in scenarios pre-parsed (see `packed`; kept identical to the TOML files by a test).
/// Compiled in with the `embedded-scenarios` feature (on by default); the browser game leaves
/// it off and fetches the same file at start ([`install_packed`]).
#[cfg(any(test, feature = "embedded-scenarios", feature = "toml-scenarios"))]
pub const BUILTIN_PACKED: &str = include_str!("../../../../scenarios/builtin.txt");

/// The built-in scenarios, set once: parsed from the TOML files (`toml-scenarios`), decoded
/// from the embedded pack (`embedded-scenarios`), or installed at run time.
static ALL: OnceLock<Vec<Scenario>> = OnceLock::new();

/// Installs the built-in scenarios from `scenarios/builtin.txt`'s text, fetched at run time
/// (the browser game, built without `embedded-scenarios`). Installing what is already there
/// (the same ids and hashes, e.g. the embedded copy) succeeds; a malformed text or a different
/// set once one is installed is refused.
pub fn install_packed(text: &str) -> Result<(), ScenarioError> {
    let scenarios = packed::decode(text)
        .ok_or_else(|| ScenarioError("the scenario pack is malformed".into()))?;
    if scenarios.is_empty() {
        return Err(ScenarioError("the scenario pack holds no scenario".into()));
    }
    let key = |list: &[Scenario]| -> Vec<(String, String)> {
        list.iter()
            .map(|s| (s.id.clone(), s.hash.clone()))
            .collect()
    };
    let wanted = key(&scenarios);
    if let Some(have) = installed_list() {
        return if key(have) == wanted {
            Ok(())
        } else {
            Err(ScenarioError(
                "other scenarios are already installed".into(),
            ))
        };
    }
    // A concurrent install of another set loses here and is refused below.
    let _ = ALL.set(scenarios);
    if key(installed_list().unwrap_or(&[])) == wanted {
        Ok(())
    } else {
        Err(ScenarioError(
            "other scenarios are already installed".into(),
        ))
    }
}

/// Whether the built-in scenarios are there: always with `toml-scenarios` or
/// `embedded-scenarios`; in the browser game once [`install_packed`] succeeded.
pub fn installed() -> bool {
    installed_list().is_some()
}

fn installed_list() -> Option<&'static [Scenario]> {
    #[cfg(any(feature = "toml-scenarios", feature = "embedded-scenarios"))]
    return Some(all());
    #[cfg(not(any(feature = "toml-scenarios", feature = "embedded-scenarios")))]
    return ALL.get().map(Vec::as_slice);
}

/// All built-in scenarios, parsed once.
///
/// Without `toml-scenarios` and `embedded-scenarios` (the browser game), the scenarios come
/// from [`install_packed`]: calling this before a successful install is a bug in the caller
/// and panics, naming it (never an empty list that would look like a course without drills).
pub fn all() -> &'static [Scenario] {
    #[cfg(feature = "toml-scenarios")]
    return ALL.get_or_init(|| {
        BUILTIN_SOURCES
            .iter()
            .map(|(id, src)| {
                let scenario = parse(src).unwrap_or_else(|e| panic!("built-in scenario {id}: {e}"));
                assert_eq!(&scenario.id, id, "built-in scenario file id");
                scenario
            })
            .collect()
    });
    #[cfg(all(feature = "embedded-scenarios", not(feature = "toml-scenarios")))]
    return ALL.get_or_init(|| {
        packed::decode(BUILTIN_PACKED).expect("scenarios/builtin.txt is generated and tested")
    });
    #[cfg(not(any(feature = "toml-scenarios", feature = "embedded-scenarios")))]
    return ALL
        .get()
        .expect("scenario::all() before scenario::install_packed()");
}

/// A built-in scenario by id, or else one added with [`install_extra`] (a trainer's
/// published or draft scenario in `boards.html`; the server never installs any).
pub fn builtin(id: &str) -> Option<&'static Scenario> {
    let found = all().iter().find(|s| s.id == id);
    #[cfg(feature = "extra-scenarios")]
    let found = found.or_else(|| extra(id));
    found
}

/// Scenarios added at run time beside the built-in ones, newest last.
#[cfg(feature = "extra-scenarios")]
static EXTRA: Mutex<Vec<&'static Scenario>> = Mutex::new(Vec::new());

#[cfg(feature = "extra-scenarios")]
fn extra(id: &str) -> Option<&'static Scenario> {
    let list = EXTRA.lock().ok()?;
    list.iter().rev().find(|s| s.id == id).copied()
}

/// Adds one scenario from its packed text ([`pack`], served by `drill serve` as
/// `GET /api/scenarios/{hash}`) beside the built-in ones, so that [`builtin`] finds it by
/// id and a drill, a replay and a submission name it as any other. The newest install of
/// an id wins (a new version of a trainer's scenario); reinstalling the same file makes
/// the copy already there the newest. A built-in id, a malformed text or a pack of more than one
/// scenario is refused. Each distinct file stays in memory until the page closes.
#[cfg(feature = "extra-scenarios")]
pub fn install_extra(text: &str) -> Result<&'static Scenario, ScenarioError> {
    let scenario = unpack(text)?;
    if all().iter().any(|s| s.id == scenario.id) {
        return Err(ScenarioError("that is a built-in scenario's id".into()));
    }
    let mut extras = EXTRA
        .lock()
        .map_err(|_| ScenarioError("the scenario list is poisoned".into()))?;
    if let Some(i) = extras.iter().position(|s| s.hash == scenario.hash) {
        // Made the newest again: the drill about to open is this file.
        let again = extras.remove(i);
        extras.push(again);
        return Ok(again);
    }
    let leaked: &'static Scenario = Box::leak(Box::new(scenario));
    extras.push(leaked);
    Ok(leaked)
}

/// The one scenario of a packed text ([`pack`]), read without installing it.
pub fn unpack(text: &str) -> Result<Scenario, ScenarioError> {
    let mut list =
        packed::decode(text).ok_or_else(|| ScenarioError("the scenario is malformed".into()))?;
    if list.len() != 1 {
        return Err(ScenarioError("a pack of one scenario was expected".into()));
    }
    Ok(list.remove(0))
}

/// The packed text of one scenario (the browser's copy: no proof scripts, trap or
/// assumptions), as [`install_extra`] reads it.
#[cfg(feature = "toml-scenarios")]
pub fn pack(scenario: &Scenario) -> String {
    packed::encode(std::slice::from_ref(scenario))
}

/// The built-in scenarios in course order: by unit (sandbox, basics, the seed, harder), then
/// by their `order` within it; scenarios without a place come last, by id.
pub fn course() -> Vec<&'static Scenario> {
    let mut list: Vec<&'static Scenario> = all().iter().collect();
    // A dozen items: the small sort (no std sort in the wasm, ARCHITECTURE).
    crate::vecmap::sort_small_by_key(&mut list, |s| (s.course.is_none(), s.course, s.id.as_str()));
    list
}

/// SHA-256 of bytes, as lowercase hex (the `log-hash` feature: the browser game reads the
/// scenarios' hashes from `builtin.txt`).
#[cfg(feature = "log-hash")]
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for byte in digest {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

#[cfg(feature = "toml-scenarios")]
mod file {
    use super::*;
    use crate::time::parse_clock;

    // The file format, as authors write it. Times are "mm:ss" strings; sizes are integers.
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        id: String,
        difficulty: Difficulty,
        duration: String,
        #[serde(default)]
        course: Option<Course>,
        title: Text,
        summary: Text,
        briefing: Text,
        lesson: Text,
        #[serde(default)]
        assumptions: Vec<String>,
        topology: FileTopology,
        traffic: FileTraffic,
        #[serde(default)]
        faults: Vec<FileFault>,
        #[serde(default)]
        branch_points: Vec<branches::file::FilePoint>,
        #[serde(default)]
        messages: Vec<FileMessage>,
        #[serde(default)]
        proofs: Vec<branches::file::FileProof>,
        #[serde(default)]
        trap: Option<branches::file::FileTrap>,
        runbook: Option<super::runbook::file::FileRunbook>,
        objective: Option<super::objective::file::FileObjective>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct FileTopology {
        nodes: Vec<String>,
        azs: Vec<String>,
        instance_type: String,
        shards: u32,
        replicas: u32,
        shard_mib: u64,
        #[serde(default = "default_disk_gib")]
        disk_gib: u64,
        #[serde(default)]
        initial_master: Option<String>,
    }

    fn default_disk_gib() -> u64 {
        100
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct FileTraffic {
        requests_per_s: u32,
        read_percent: u32,
        noise_percent: u32,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct FileFault {
        at: String,
        kind: FaultKind,
        target: String,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct FileMessage {
        at: String,
        from: String,
        text: Text,
    }

    /// Parses and validates a scenario file.
    pub fn parse(source: &str) -> Result<Scenario, ScenarioError> {
        let file: File = toml::from_str(source)
            .map_err(|e| ScenarioError(e.to_string().trim_end().to_string()))?;
        let err = |msg: String| Err(ScenarioError(msg));
        let time = |field: &str, text: &str| -> Result<u64, ScenarioError> {
            parse_clock(text).ok_or_else(|| {
                ScenarioError(format!(
                    "{field}: expected a time like 04:30, found {text:?}"
                ))
            })
        };

        if file.id.is_empty()
            || file.id.len() > 40
            || !file
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return err(format!("id: {:?} must be 1–40 of a–z 0–9 -", file.id));
        }
        let duration_ms = time("duration", &file.duration)?;
        if duration_ms == 0 || duration_ms > MAX_DURATION_MS {
            return err(format!(
                "duration: must be between 00:01 and 2:00:00, found {}",
                file.duration
            ));
        }
        for (field, text) in [
            ("title", &file.title),
            ("summary", &file.summary),
            ("briefing", &file.briefing),
            ("lesson", &file.lesson),
        ] {
            if text.en.trim().is_empty() {
                return err(format!("{field}.en: must not be empty"));
            }
        }

        let t = &file.topology;
        if t.nodes.is_empty() || t.nodes.len() > 9 {
            return err(format!(
                "topology.nodes: 1 to 9 nodes, found {}",
                t.nodes.len()
            ));
        }
        for (i, name) in t.nodes.iter().enumerate() {
            if !crate::script::valid_name(name) {
                return err(format!("topology.nodes: {name:?} is not a valid name"));
            }
            if t.nodes[..i].contains(name) {
                return err(format!("topology.nodes: {name:?} appears twice"));
            }
        }
        if t.azs.is_empty() {
            return err("topology.azs: at least one availability zone".into());
        }
        if t.shards == 0 || t.shards > 20 {
            return err(format!("topology.shards: 1 to 20, found {}", t.shards));
        }
        if t.replicas as usize >= t.nodes.len().max(2) {
            return err(format!(
                "topology.replicas: must be fewer than the nodes, found {}",
                t.replicas
            ));
        }
        if t.shard_mib == 0 || t.shard_mib > 1024 * 1024 {
            return err(format!(
                "topology.shard_mib: 1 to 1048576, found {}",
                t.shard_mib
            ));
        }
        let disk_bytes = t.disk_gib * 1024 * 1024 * 1024;
        if t.disk_gib == 0 || t.disk_gib > crate::timing::MAX_VOLUME_GIB {
            return err(format!(
                "topology.disk_gib: 1 to {}, found {}",
                crate::timing::MAX_VOLUME_GIB,
                t.disk_gib
            ));
        }
        // OS plus a node's share of the shards must leave it well below the low watermark.
        let copies_per_node =
            ((1 + u64::from(t.replicas)) * u64::from(t.shards)).div_ceil(t.nodes.len() as u64);
        if (crate::timing::OS_BASE_BYTES + copies_per_node * t.shard_mib * 1024 * 1024) * 10
            > disk_bytes * 7
        {
            return err(format!(
                "topology.disk_gib: {} GiB is too small for the shards (keep each node under 70%)",
                t.disk_gib
            ));
        }
        if let Some(master) = &t.initial_master {
            if !t.nodes.contains(master) {
                return err(format!(
                    "topology.initial_master: {master:?} is not one of the nodes"
                ));
            }
        }
        let tr = &file.traffic;
        if tr.requests_per_s > 10_000 || tr.read_percent > 100 || tr.noise_percent > 100 {
            return err(
                "traffic: requests_per_s ≤ 10000, read_percent and noise_percent ≤ 100".into(),
            );
        }

        let target = |field: &str, name: &str| -> Result<(), ScenarioError> {
            if t.nodes.iter().any(|n| n == name) {
                Ok(())
            } else {
                Err(ScenarioError(format!(
                    "{field}: target {name:?} is not one of the nodes"
                )))
            }
        };
        let mut faults = Vec::new();
        for (i, f) in file.faults.iter().enumerate() {
            let at_ms = time(&format!("faults[{i}].at"), &f.at)?;
            if at_ms > duration_ms {
                return err(format!(
                    "faults[{i}].at: {} is after the scenario's end",
                    f.at
                ));
            }
            if !f.kind.is_timed() {
                return err(format!(
                    "faults[{i}].kind: {} is armed by a branch option's effect, not scheduled",
                    f.kind.as_str()
                ));
            }
            target(&format!("faults[{i}]"), &f.target)?;
            faults.push(Fault {
                at_ms,
                kind: f.kind,
                target: f.target.clone(),
            });
        }
        crate::vecmap::sort_small_by_key(&mut faults, |f| f.at_ms);
        let branch_points = branches::file::points(&file.branch_points, &t.nodes, duration_ms)?;
        let mut messages = Vec::new();
        for (i, m) in file.messages.iter().enumerate() {
            let at_ms = time(&format!("messages[{i}].at"), &m.at)?;
            if at_ms > duration_ms {
                return err(format!(
                    "messages[{i}].at: {} is after the scenario's end",
                    m.at
                ));
            }
            messages.push(Message {
                at_ms,
                from: m.from.clone(),
                text: m.text.clone(),
            });
        }
        crate::vecmap::sort_small_by_key(&mut messages, |m| m.at_ms);
        let runbook = match file.runbook {
            Some(rb) => Some(super::runbook::file::read(rb).map_err(ScenarioError)?),
            None => None,
        };
        let objective = match file.objective {
            Some(o) => Some(
                super::objective::file::read(o, &t.nodes, duration_ms).map_err(ScenarioError)?,
            ),
            None => None,
        };

        let mut scenario = Scenario {
            id: file.id,
            difficulty: file.difficulty,
            duration_ms,
            course: file.course,
            title: file.title,
            summary: file.summary,
            briefing: file.briefing,
            lesson: file.lesson,
            assumptions: file.assumptions,
            topology: Topology {
                nodes: t.nodes.clone(),
                azs: t.azs.clone(),
                instance_type: t.instance_type.clone(),
                shards: t.shards,
                replicas: t.replicas,
                shard_bytes: t.shard_mib * 1024 * 1024,
                disk_bytes,
                initial_master: t.initial_master.clone(),
            },
            traffic: Traffic {
                requests_per_s: tr.requests_per_s,
                read_percent: tr.read_percent,
                noise_percent: tr.noise_percent,
            },
            faults,
            branch_points,
            messages,
            proofs: Vec::new(),
            trap: None,
            runbook,
            objective,
            hash: sha256_hex(source.as_bytes()),
        };
        let (proofs, trap) = branches::file::proofs(&scenario, &file.proofs, &file.trap)?;
        scenario.proofs = proofs;
        scenario.trap = trap;
        Ok(scenario)
    }
}

#[cfg(feature = "toml-scenarios")]
pub use file::parse;

#[cfg(all(test, feature = "toml-scenarios"))]
mod tests {
    use super::*;

    #[test]
    fn the_pre_parsed_scenarios_match_the_files() {
        // The browser reads builtin.txt; it must be exactly what the TOML files say.
        let packed = packed::encode(all());
        expect_test::expect_file!["../../../../scenarios/builtin.txt"].assert_eq(&packed);
        let decoded = packed::decode(BUILTIN_PACKED).expect("builtin.txt decodes");
        let browser: Vec<Scenario> = all().iter().map(packed::browser_copy).collect();
        assert_eq!(decoded, browser);
    }

    #[test]
    fn installing_the_pack_accepts_the_same_scenarios_and_refuses_others() {
        // The browser installs the fetched pack; natively the files are already there, and
        // installing the same pack again is a no-op.
        assert!(installed());
        assert_eq!(install_packed(BUILTIN_PACKED), Ok(()));
        assert_eq!(all().len(), 13);
        let cut = BUILTIN_PACKED.len() / 2;
        let truncated = &BUILTIN_PACKED[..BUILTIN_PACKED.floor_char_boundary(cut)];
        assert_eq!(
            install_packed(truncated),
            Err(ScenarioError("the scenario pack is malformed".into()))
        );
        let one = packed::encode(&all()[..1]);
        assert_eq!(
            install_packed(&one),
            Err(ScenarioError(
                "other scenarios are already installed".into()
            ))
        );
        assert_eq!(all().len(), 13, "a refused install changes nothing");
    }

    #[test]
    fn the_course_goes_sandbox_basics_seed_harder_and_places_every_builtin() {
        let course: Vec<(&str, Unit)> = course()
            .iter()
            .map(|s| (s.id.as_str(), s.course.expect("a course position").unit))
            .collect();
        assert_eq!(course.len(), all().len());
        assert_eq!(course[0], ("sandbox", Unit::Sandbox));
        let units: Vec<Unit> = course.iter().map(|(_, u)| *u).collect();
        let mut sorted = units.clone();
        sorted.sort_unstable();
        assert_eq!(units, sorted, "grouped by unit, in unit order");
        assert_eq!(
            course
                .iter()
                .filter(|(_, u)| *u == Unit::Seed)
                .collect::<Vec<_>>(),
            [&("seed-ami-trap", Unit::Seed)]
        );
        assert_eq!(
            course[1].0, "node-hang",
            "the basics open with the gentlest drill"
        );
    }

    #[test]
    fn builtins_parse_and_speak_both_languages() {
        let ids: Vec<&str> = all().iter().map(|s| s.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "sandbox",
                "seed-ami-trap",
                "stuck-stopping",
                "node-hang",
                "disk-full",
                "rolling-restart",
                "cloned-replacement",
                "scheduled-retirement",
                "hasty-image",
                "wrong-instance",
                "az-outage",
                "scale-down",
                "joined-not-green"
            ]
        );
        for s in all() {
            for text in [&s.title, &s.summary, &s.briefing, &s.lesson] {
                assert!(
                    !text.ja.is_empty(),
                    "{}: missing Japanese text for {:?}",
                    s.id,
                    text.en
                );
            }
            for m in &s.messages {
                assert!(
                    !m.text.ja.is_empty(),
                    "{}: message at {} lacks Japanese",
                    s.id,
                    m.at_ms
                );
            }
            assert_eq!(s.hash.len(), 64);
        }
    }

    #[test]
    fn bad_objectives_get_clear_errors() {
        let good = BUILTIN_SOURCES
            .iter()
            .find(|(id, _)| *id == "scale-down")
            .unwrap()
            .1;
        let objective = parse(good).unwrap().objective.expect("an objective");
        assert_eq!(objective.kind, ObjectiveKind::Terminated);
        assert_eq!(objective.nodes, ["node-4", "node-5"]);
        assert_eq!(objective.by_ms, 35 * 60_000);
        let cases = [
            (
                good.replace("kind = \"terminated\"", "kind = \"patched\""),
                "objective.kind: \"patched\" is not one of restarted, terminated",
            ),
            (
                good.replace(
                    "nodes = [\"node-4\", \"node-5\"]",
                    "nodes = [\"node-4\", \"node-9\"]",
                ),
                "objective.nodes: \"node-9\" is not one of the nodes",
            ),
            (
                good.replace("nodes = [\"node-4\", \"node-5\"]", "nodes = []"),
                "objective.nodes: at least one node",
            ),
            (
                good.replace("by = \"35:00\"", "by = \"soon\""),
                "objective.by: expected a time like 30:00, found \"soon\"",
            ),
            (
                good.replace("by = \"35:00\"", "by = \"50:00\""),
                "objective.by: 50:00 must be within the drill",
            ),
            (
                good.replace("by = \"35:00\"", "by = \"35:00\"\ncount = 2"),
                "unknown field `count`",
            ),
        ];
        for (text, expected) in cases {
            assert_ne!(text, good, "the edit applies: {expected}");
            let error = parse(&text).unwrap_err().to_string();
            assert!(
                error.contains(expected),
                "expected {expected:?} in {error:?}"
            );
        }
    }

    #[test]
    fn bad_files_get_clear_errors() {
        let good = BUILTIN_SOURCES[1].1;
        let cases = [
            (
                good.replace("duration = \"45:00\"", "duration = \"45 min\""),
                "duration: expected a time like 04:30",
            ),
            (
                good.replacen("target = \"node-1\"", "target = \"node-9\"", 1),
                "target \"node-9\" is not one of the nodes",
            ),
            (
                good.replace("shards = 3", "shards = 0"),
                "topology.shards: 1 to 20",
            ),
            (
                good.replace("weight = 35", "weight = 0"),
                "branch_points[0].options[0].weight: 1 to 1000000",
            ),
            (
                good.replace("when = \"recovery=never\"", "when = \"recovery=maybe\""),
                "branch_points[1].when: branch point \"recovery\" has no option \"maybe\"",
            ),
            (
                good.replace("when = \"recovery=never\"", "when = \"setup=ok\""),
                "branch_points[1].when: \"setup\" is not a branch point declared before this one",
            ),
            (
                good.replace("kind = \"mirror-failure\", count = 1", "kind = \"mirror-failure\""),
                "branch_points[1].options[1].effect.count: 1 to 100",
            ),
            (
                good.replace("kind = \"mirror-failure\", count = 1", "kind = \"fsck-hang\", count = 1"),
                "fsck-hang takes no count (it takes target, hang)",
            ),
            (
                good.replace("[[messages]]", "[[proofs]]\ncase = \"recovery=sometimes\"\nactions = \"\"\npar_redundancy = \"01:00\"\n\n[[messages]]"),
                "proofs[0].case: \"recovery=sometimes\" is not a branch case of this scenario",
            ),
            (
                good.replace("[lesson]", "[lesson]\nassumption = \"x\""),
                "unknown field `assumption`",
            ),
            (format!("{good}\nbogus = 1\n"), "unknown field `bogus`"),
            ("id = ".to_string(), "TOML parse error"),
        ];
        for (text, expected) in cases {
            let error = parse(&text).unwrap_err().to_string();
            assert!(
                error.contains(expected),
                "expected {expected:?} in {error:?}"
            );
        }
    }
}

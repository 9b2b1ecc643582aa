//! `drill`: Quorum Drill headless. Run drills, verify replays, lint scenario files, and serve
//! the game with its verified leaderboard. Exit codes: 0 success, 1 invalid input or a
//! failure, 2 usage error.

#![forbid(unsafe_code)]

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{ArgGroup, Parser, Subcommand};
use quorum_sim::replay::{self, PlayMode, Replay, MAX_ACTIONS, MAX_REPLAY_BYTES, MAX_SEED};
use quorum_sim::scenario::{self, Scenario};
use quorum_sim::time::fmt_clock;
use quorum_sim::TimedAction;

use drill::report_text;
use drill::server::{self, ServerConfig, DEFAULT_IDENTITY_RATE_LIMIT, DEFAULT_RATE_LIMIT};

#[derive(Parser)]
#[command(
    name = "drill",
    version,
    about = "Quorum Drill headless: run drills, verify replays, lint scenarios, serve the leaderboard",
    after_help = "Exit codes: 0 ok, 1 invalid input (or a failure), 2 usage error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the built-in scenarios.
    Scenarios {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// List a scenario's branch cases: the lowest seed that draws each, and its proof's result.
    Branches {
        /// A built-in scenario id (see `drill scenarios`).
        #[arg(long, value_name = "ID")]
        scenario: String,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Run a drill to the scenario's end and print the report.
    #[command(group(ArgGroup::new("which").required(true).args(["scenario", "scenario_file"])))]
    #[command(group(ArgGroup::new("seeding").required(true).args(["seed", "branch"])))]
    Run {
        /// A built-in scenario id (see `drill scenarios`).
        #[arg(long, value_name = "ID")]
        scenario: Option<String>,
        /// Load the scenario from a TOML file instead of a built-in one.
        #[arg(long, value_name = "FILE.toml")]
        scenario_file: Option<PathBuf>,
        /// The seed that draws the scenario's hidden branches and traffic noise.
        #[arg(long)]
        seed: Option<u64>,
        /// Play this branch case (see `drill branches`): the lowest seed that draws it.
        #[arg(long, value_name = "CASE_ID")]
        branch: Option<String>,
        /// An action script: one `at mm:ss <action>` a line, `#` comments.
        #[arg(long, value_name = "FILE")]
        script: Option<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Also write the run as a replay file.
        #[arg(long, value_name = "FILE")]
        save_replay: Option<PathBuf>,
        /// The play mode the saved replay declares: exam, mentor, what-if, tools or unknown.
        #[arg(long, value_name = "MODE", default_value = "unknown", value_parser = parse_mode, requires = "save_replay")]
        mode: PlayMode,
    },
    /// Re-simulate a replay file and print its report; exit 1 with the reason if invalid.
    Verify {
        file: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check scenario files; print each error, exit 1 if any file is invalid.
    Lint {
        #[arg(required = true, value_name = "FILE.toml")]
        files: Vec<PathBuf>,
    },
    /// Play a drill live against the wall clock with the real tools: Elasticsearch REST per
    /// node, the EC2 Query API and SSM SendCommand for the aws CLI (see the README,
    /// "Practise with real tools"). Ends at the drill's end, on `q` or Ctrl-C: prints the
    /// debrief and writes the replay (mode `tools`).
    Live {
        /// A built-in scenario id (see `drill scenarios`).
        #[arg(long, value_name = "ID")]
        scenario: String,
        /// The seed that draws the scenario's hidden branches and traffic noise.
        #[arg(long)]
        seed: u64,
        /// Sim seconds per wall second (0.25 to 600).
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
        /// The address every endpoint listens on (loopback unless told otherwise).
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// node-1's Elasticsearch port; node-k listens on es-port + k - 1.
        #[arg(long, default_value_t = 9201, value_parser = clap::value_parser!(u16).range(1..))]
        es_port: u16,
        /// The EC2 + SSM endpoint's port (for `aws --endpoint-url`).
        #[arg(long, default_value_t = 4566)]
        ec2_port: u16,
        /// Where to write the replay (default: live-<scenario>-<seed>.json).
        #[arg(long, value_name = "FILE")]
        replay_out: Option<PathBuf>,
    },
    /// Serve the game (static files) and the leaderboard API.
    Serve {
        /// Address to listen on (port 0: any free port; the chosen one is printed).
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// The database: `sqlite:PATH` or a bare PATH (an SQLite file, created with its
        /// directory if missing), or `postgres://user:password@host:port/dbname`
        /// (PostgreSQL; several `drill serve` processes may share it).
        #[arg(
            long,
            default_value = "data/drill.db",
            value_name = "sqlite:PATH | postgres://…"
        )]
        db: String,
        /// The built game to serve.
        #[arg(long, default_value = "dist")]
        dist: PathBuf,
        /// Submissions (POSTs) per minute per client address; 0 disables the limit.
        #[arg(long, default_value_t = DEFAULT_RATE_LIMIT, value_name = "PER_MINUTE")]
        rate_limit: u32,
        /// New player identities per hour per client address (a token bucket kept in this
        /// process's memory, so the limit is per process); 0 disables the limit.
        #[arg(long, default_value_t = DEFAULT_IDENTITY_RATE_LIMIT, value_name = "PER_HOUR")]
        identity_rate: u32,
        /// Allow this origin to call the API from a browser (CORS); none by default.
        #[arg(long, value_name = "ORIGIN")]
        cors_origin: Option<String>,
        /// Simulations run at once (default: the number of cores).
        #[arg(long, value_name = "N")]
        sim_workers: Option<usize>,
        /// Submissions waiting for a simulation at most; past it, 503 with Retry-After.
        #[arg(long, value_name = "N", default_value_t = server::DEFAULT_SIM_QUEUE)]
        sim_queue: usize,
        /// Time for a request head to arrive, from a connection's start or the end of its
        /// last response: the slow-header and the idle keep-alive timeout in one.
        #[arg(long, value_name = "MS", default_value_t = millis(server::DEFAULT_HEADER_TIMEOUT))]
        header_timeout_ms: u64,
        /// The longest pause while a request body arrives (then 408).
        #[arg(long, value_name = "MS", default_value_t = millis(server::DEFAULT_BODY_TIMEOUT))]
        body_timeout_ms: u64,
        /// From a request's head to its answer at most (then 408).
        #[arg(long, value_name = "MS", default_value_t = millis(server::DEFAULT_REQUEST_TIMEOUT))]
        request_timeout_ms: u64,
        /// After SIGTERM/SIGINT, how long open connections may finish before they are closed.
        #[arg(long, value_name = "MS", default_value_t = millis(server::DEFAULT_SHUTDOWN_TIMEOUT))]
        shutdown_timeout_ms: u64,
        /// Open connections at most (less if the file-descriptor limit is lower); past it,
        /// 503 and close.
        #[arg(long, value_name = "N", default_value_t = server::DEFAULT_MAX_CONNECTIONS)]
        max_connections: usize,
        /// Open connections from one client address (IPv6: one /64) at most; past it, the
        /// connection is closed unanswered. Behind a reverse proxy every client has the
        /// proxy's address: raise it there.
        #[arg(long, value_name = "N", default_value_t = server::DEFAULT_MAX_CONNECTIONS_PER_IP)]
        max_connections_per_ip: usize,
    },
}

fn millis(d: Duration) -> u64 {
    d.as_millis() as u64
}

fn parse_mode(text: &str) -> Result<PlayMode, String> {
    PlayMode::parse(text).ok_or_else(|| {
        format!("{text:?} is not a play mode; use exam, mentor, what-if, tools or unknown")
    })
}

/// An invalid input: printed as `drill: <message>`, exit code 1.
struct Failure(String);

impl<T: std::fmt::Display> From<T> for Failure {
    fn from(e: T) -> Failure {
        Failure(e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scenarios { json } => scenarios(json),
        Command::Run {
            scenario,
            scenario_file,
            seed,
            branch,
            script,
            json,
            save_replay,
            mode,
        } => run(
            scenario,
            scenario_file,
            match (seed, branch) {
                (Some(seed), _) => Seeding::Seed(seed),
                (None, Some(case)) => Seeding::Branch(case),
                (None, None) => unreachable!("clap requires --seed or --branch"),
            },
            script,
            json,
            save_replay,
            mode,
        ),
        Command::Branches { scenario, json } => branches(&scenario, json),
        Command::Verify { file, json } => verify(&file, json),
        Command::Live {
            scenario,
            seed,
            speed,
            bind,
            es_port,
            ec2_port,
            replay_out,
        } => live(LiveArgs {
            scenario,
            seed,
            speed,
            bind,
            es_port,
            ec2_port,
            replay_out,
        }),
        Command::Lint { files } => lint(&files),
        Command::Serve {
            addr,
            db,
            dist,
            rate_limit,
            identity_rate,
            cors_origin,
            sim_workers,
            sim_queue,
            header_timeout_ms,
            body_timeout_ms,
            request_timeout_ms,
            shutdown_timeout_ms,
            max_connections,
            max_connections_per_ip,
        } => {
            let mut config = ServerConfig::new(PathBuf::new(), dist);
            match drill::store::Target::parse(&db) {
                drill::store::Target::Sqlite(path) => config.db_path = path,
                drill::store::Target::Postgres(url) => config.postgres_url = Some(url),
            }
            config.rate_limit_per_minute = rate_limit;
            config.identity_rate_per_hour = identity_rate;
            config.cors_origin = cors_origin;
            config.admin_token = std::env::var("QD_ADMIN_TOKEN")
                .ok()
                .filter(|t| !t.is_empty());
            if let Some(n) = sim_workers {
                config.sim_workers = n.max(1);
            }
            config.sim_queue = sim_queue;
            config.header_timeout = Duration::from_millis(header_timeout_ms.max(1));
            config.body_timeout = Duration::from_millis(body_timeout_ms.max(1));
            config.request_timeout = Duration::from_millis(request_timeout_ms.max(1));
            config.shutdown_timeout = Duration::from_millis(shutdown_timeout_ms);
            config.max_connections = max_connections.max(1);
            config.max_connections_per_ip = max_connections_per_ip.max(1);
            serve(addr, config)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(message)) => {
            eprintln!("drill: {message}");
            ExitCode::from(1)
        }
    }
}

fn print(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        // A closed pipe (`drill run … | head`) is not an error worth reporting.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(Failure::from),
    }
}

fn read_file(path: &Path, what: &str, limit: Option<usize>) -> Result<String, Failure> {
    if let Some(limit) = limit {
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.len() > limit as u64 {
                return Err(Failure(format!(
                    "{}: {what} is {} bytes; the limit is {limit}",
                    path.display(),
                    meta.len()
                )));
            }
        }
    }
    std::fs::read_to_string(path)
        .map_err(|e| Failure(format!("{}: cannot read {what}: {e}", path.display())))
}

fn scenarios(json: bool) -> Result<(), Failure> {
    let all = scenario::all();
    if json {
        let list: Vec<serde_json::Value> = all
            .iter()
            .map(|s| {
                serde_json::json!({
                    "id": s.id,
                    "difficulty": s.difficulty,
                    "duration_ms": s.duration_ms,
                    "title": s.title,
                    "summary": s.summary,
                    "hash": s.hash,
                })
            })
            .collect();
        return print(&format!("{}\n", serde_json::to_string_pretty(&list)?));
    }
    let width = all.iter().map(|s| s.id.len()).max().unwrap_or(2).max(2);
    let mut out = format!(
        "{:width$}  {:10}  {:>8}  TITLE\n",
        "ID", "DIFFICULTY", "DURATION"
    );
    for s in all {
        let difficulty = serde_json::to_value(s.difficulty)?
            .as_str()
            .unwrap_or("")
            .to_string();
        out.push_str(&format!(
            "{:width$}  {:10}  {:>8}  {}\n",
            s.id,
            difficulty,
            fmt_clock(s.duration_ms),
            s.title.en
        ));
    }
    print(&out)
}

/// What `Replay::validate` checks about actions, for scenarios that are not built in.
fn check_actions(scenario: &Scenario, actions: &[TimedAction]) -> Result<(), Failure> {
    if actions.len() > MAX_ACTIONS {
        return Err(Failure(format!(
            "the script has {} actions; the limit is {MAX_ACTIONS}",
            actions.len()
        )));
    }
    if let Some(late) = actions.iter().find(|a| a.at_ms > scenario.duration_ms) {
        return Err(Failure(format!(
            "the script has an action at {} (`{}`), after the scenario's end ({})",
            fmt_clock(late.at_ms),
            late.action.to_script(),
            fmt_clock(scenario.duration_ms)
        )));
    }
    Ok(())
}

/// How far `drill branches` and `drill run --branch` look for a seed.
const BRANCH_SEED_LIMIT: u64 = 100_000;

fn builtin(id: &str) -> Result<&'static Scenario, Failure> {
    scenario::builtin(id).ok_or_else(|| {
        let ids: Vec<&str> = scenario::all().iter().map(|s| s.id.as_str()).collect();
        Failure(format!(
            "unknown scenario {id:?}; built-in scenarios: {}",
            ids.join(", ")
        ))
    })
}

/// What a proof replay did on a seed of its case.
struct ProofRun {
    report: quorum_sim::Report,
    passes: bool,
}

fn run_proof(scenario: &Scenario, proof: &scenario::Proof, seed: u64) -> ProofRun {
    let actions = quorum_sim::script::parse(&proof.actions).unwrap_or_default();
    let report = quorum_sim::run(scenario, seed, &actions);
    let passes = report.outage_ms == 0
        && report
            .time_to_green_ms
            .is_some_and(|t| t <= proof.par_redundancy_ms);
    ProofRun { report, passes }
}

fn branches(id: &str, json: bool) -> Result<(), Failure> {
    let s = builtin(id)?;
    let cases = s.branch_cases();
    let rows: Vec<(scenario::BranchCase, Option<u64>, Option<ProofRun>)> = cases
        .into_iter()
        .map(|c| {
            let seed = s.seed_for_case(&c.id, 0, BRANCH_SEED_LIMIT);
            let proof = match (s.proof_for(&c.id), seed) {
                (Some(p), Some(seed)) => Some(run_proof(s, p, seed)),
                _ => None,
            };
            (c, seed, proof)
        })
        .collect();
    let file = format!("scenarios/{}.toml", s.id);
    if json {
        let list: Vec<serde_json::Value> = rows
            .iter()
            .map(|(c, seed, run)| {
                let proof = s.proof_for(&c.id).map(|p| {
                    let run = run.as_ref();
                    serde_json::json!({
                        "file": file,
                        "actions": p.actions,
                        "par_redundancy_ms": p.par_redundancy_ms,
                        "passes": run.map(|r| r.passes),
                        "outage_ms": run.map(|r| r.report.outage_ms),
                        "time_to_green_ms": run.and_then(|r| r.report.time_to_green_ms),
                        "score": run.map(|r| r.report.score),
                        "grade": run.map(|r| r.report.grade.clone()),
                    })
                });
                serde_json::json!({
                    "id": c.id,
                    "label": c.label,
                    "weight_ppm": c.weight_ppm,
                    "seed": seed,
                    "proof": proof,
                })
            })
            .collect();
        return print(&format!("{}\n", serde_json::to_string_pretty(&list)?));
    }
    let width = rows
        .iter()
        .map(|(c, ..)| c.id.len())
        .max()
        .unwrap_or(4)
        .max(4);
    let mut out = format!(
        "{:width$}  {:>6}  {:>6}  PROOF ({file})\n",
        "CASE", "WEIGHT", "SEED"
    );
    for (c, seed, run) in &rows {
        let seed = seed.map_or("none".to_string(), |s| s.to_string());
        let proof = match (s.proof_for(&c.id), run) {
            (None, _) => "none".to_string(),
            (Some(_), None) => "not run (no seed)".to_string(),
            (Some(p), Some(r)) => format!(
                "{} — outage {}, full redundancy at {} (par {}), score {} {}",
                if r.passes { "passes" } else { "FAILS" },
                report_text::span(r.report.outage_ms),
                r.report
                    .time_to_green_ms
                    .map_or("never".to_string(), fmt_clock),
                fmt_clock(p.par_redundancy_ms),
                r.report.score,
                r.report.grade
            ),
        };
        out.push_str(&format!(
            "{:width$}  {:>5}%  {:>6}  {proof}\n",
            c.id,
            format!("{:.1}", f64::from(c.weight_ppm) / 10_000.0),
            seed
        ));
        out.push_str(&format!("{:width$}  {}\n", "", c.label.en));
    }
    print(&out)
}

/// How `drill run` picks its seed: given, or the lowest one that draws a branch case.
enum Seeding {
    Seed(u64),
    Branch(String),
}

fn run(
    scenario_id: Option<String>,
    scenario_file: Option<PathBuf>,
    seeding: Seeding,
    script: Option<PathBuf>,
    json: bool,
    save_replay: Option<PathBuf>,
    mode: PlayMode,
) -> Result<(), Failure> {
    let owned;
    let scenario: &Scenario = match (&scenario_id, &scenario_file) {
        (Some(id), _) => builtin(id)?,
        (None, Some(path)) => {
            let text = read_file(path, "scenario file", None)?;
            owned =
                scenario::parse(&text).map_err(|e| Failure(format!("{}: {e}", path.display())))?;
            &owned
        }
        (None, None) => unreachable!("clap requires --scenario or --scenario-file"),
    };
    let seed = match &seeding {
        Seeding::Seed(seed) => *seed,
        Seeding::Branch(case) => {
            let cases: Vec<String> = scenario.branch_cases().into_iter().map(|c| c.id).collect();
            if !cases.contains(case) {
                return Err(Failure(format!(
                    "{case:?} is not a branch case of {}; its cases: {}",
                    scenario.id,
                    cases.join(" | ")
                )));
            }
            let seed = scenario
                .seed_for_case(case, 0, BRANCH_SEED_LIMIT)
                .ok_or_else(|| {
                    Failure(format!(
                        "no seed below {BRANCH_SEED_LIMIT} draws {case} (its weight is too small)"
                    ))
                })?;
            eprintln!("drill: branch case {case}: seed {seed}");
            seed
        }
    };
    if seed > MAX_SEED {
        return Err(Failure(format!(
            "seed {seed} is out of range (0..={MAX_SEED})"
        )));
    }
    let actions = match &script {
        Some(path) => {
            let text = read_file(path, "script", None)?;
            quorum_sim::script::parse(&text)
                .map_err(|e| Failure(format!("{}: {e}", path.display())))?
        }
        None => Vec::new(),
    };
    check_actions(scenario, &actions)?;
    let report = quorum_sim::run(scenario, seed, &actions);
    if let Some(path) = &save_replay {
        let mut replay = Replay::new(scenario, seed, actions).with_mode(mode);
        replay.claimed_score = Some(report.score);
        std::fs::write(path, format!("{}\n", replay.to_json()))
            .map_err(|e| Failure(format!("{}: cannot write the replay: {e}", path.display())))?;
        if scenario_file.is_some()
            && scenario::builtin(&scenario.id).is_none_or(|b| b.hash != scenario.hash)
        {
            eprintln!(
                "drill: note: {} names a scenario loaded from a file, not a built-in one; \
                 `drill verify` and the leaderboard accept only built-in scenarios",
                path.display()
            );
        }
    }
    if json {
        print(&format!("{}\n", serde_json::to_string_pretty(&report)?))
    } else {
        let title = format!("{} — {}", scenario.title.en, scenario.id);
        print(&report_text::render(&report, &title))
    }
}

fn verify(path: &Path, json: bool) -> Result<(), Failure> {
    let text = read_file(path, "replay", Some(MAX_REPLAY_BYTES))?;
    let replay =
        Replay::from_json(&text).map_err(|e| Failure(format!("{}: {e}", path.display())))?;
    let report =
        replay::verify(&replay).map_err(|e| Failure(format!("{}: {e}", path.display())))?;
    if json {
        // The report, and the mode the replay declares (the leaderboard's boards and
        // competitions go by it).
        #[derive(serde::Serialize)]
        struct Verified<'a> {
            #[serde(flatten)]
            report: &'a quorum_sim::Report,
            mode: PlayMode,
        }
        let verified = Verified {
            report: &report,
            mode: replay.mode,
        };
        print(&format!("{}\n", serde_json::to_string_pretty(&verified)?))
    } else {
        let title = format!(
            "verified: {} seed {} — score {} ({}) · mode {}",
            report.scenario_id,
            report.seed,
            report.score,
            report.grade,
            replay.mode.as_str()
        );
        print(&report_text::render(&report, &title))
    }
}

fn lint(files: &[PathBuf]) -> Result<(), Failure> {
    let mut bad = 0;
    let mut out = String::new();
    for path in files {
        let parsed = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|text| scenario::parse(&text).map_err(|e| e.to_string()))
            .and_then(|s| {
                // The runbook's checks (reachability, names, console actions, proofs).
                let mut problems = quorum_sim::runbook::lint(&s);
                // The course's: a place, en + ja text, clean replays without outage, a trap below them.
                problems.extend(scenario::lint::lint(&s));
                if problems.is_empty() {
                    Ok(s)
                } else {
                    Err(problems.join("\n"))
                }
            });
        match parsed {
            Ok(s) => out.push_str(&format!(
                "{}: ok ({}, {}, {} faults, {} branch cases, {})\n",
                path.display(),
                s.id,
                fmt_clock(s.duration_ms),
                s.faults.len(),
                s.branch_cases().len(),
                match &s.runbook {
                    Some(rb) => format!("a runbook of {} steps, every case proven", rb.steps.len()),
                    None => "no runbook".to_string(),
                }
            )),
            Err(e) => {
                bad += 1;
                // Keep each error on one line per file, prefixed with the file.
                for (i, line) in e.lines().enumerate() {
                    if i == 0 {
                        eprintln!("{}: {line}", path.display());
                    } else {
                        eprintln!("{}:   {line}", path.display());
                    }
                }
            }
        }
    }
    print(&out)?;
    if bad > 0 {
        Err(Failure(format!(
            "{bad} of {} scenario files invalid",
            files.len()
        )))
    } else {
        Ok(())
    }
}

struct LiveArgs {
    scenario: String,
    seed: u64,
    speed: f64,
    bind: std::net::IpAddr,
    es_port: u16,
    ec2_port: u16,
    replay_out: Option<PathBuf>,
}

/// `drill live`: serves the drill until its end, `q` or Ctrl-C, then prints the debrief and
/// writes the replay. Stdin controls the clock: `p` pauses/resumes, `+`/`-` double/halve.
fn live(args: LiveArgs) -> Result<(), Failure> {
    use drill::live::{self, clock};
    let scenario = builtin(&args.scenario)?.clone();
    if args.seed > MAX_SEED {
        return Err(Failure(format!("--seed must be at most {MAX_SEED}")));
    }
    if !(clock::MIN_SPEED..=clock::MAX_SPEED).contains(&args.speed) {
        return Err(Failure(format!(
            "--speed must be between {} and {}",
            clock::MIN_SPEED,
            clock::MAX_SPEED
        )));
    }
    let out = args
        .replay_out
        .unwrap_or_else(|| PathBuf::from(format!("live-{}-{}.json", scenario.id, args.seed)));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure(format!("cannot start the runtime: {e}")))?;
    let outcome = runtime.block_on(async move {
        let config = live::LiveConfig {
            scenario,
            seed: args.seed,
            speed: args.speed,
            bind: args.bind,
            es_port: args.es_port,
            ec2_port: args.ec2_port,
            view: Some(Box::new(std::io::stdout())),
        };
        let mut handle = live::start(config)
            .await
            .map_err(|e| Failure(format!("cannot listen: {e}")))?;
        // Stdin: one command a line (a terminal sends lines on Enter).
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        std::thread::spawn(move || {
            let mut line = String::new();
            while std::io::stdin().read_line(&mut line).is_ok_and(|n| n > 0) {
                if tx.send(line.trim().to_string()).is_err() {
                    break;
                }
                line.clear();
            }
        });
        loop {
            tokio::select! {
                _ = handle.ended() => break,
                _ = tokio::signal::ctrl_c() => break,
                Some(cmd) = rx.recv() => match cmd.as_str() {
                    "p" => handle.set_paused(!handle.is_paused()),
                    "+" => handle.set_speed(handle.speed() * 2.0),
                    "-" => handle.set_speed(handle.speed() / 2.0),
                    "q" => break,
                    "" => {}
                    other => eprintln!("drill live: unknown command {other:?} (p, +, -, q)"),
                },
            }
        }
        Ok::<_, Failure>(handle.stop().await)
    })?;
    runtime.shutdown_background();
    std::fs::write(&out, outcome.replay.to_json() + "\n")
        .map_err(|e| Failure(format!("cannot write {}: {e}", out.display())))?;
    let title = format!(
        "debrief: {} seed {} — score {} ({}) · mode tools · replay {}",
        outcome.report.scenario_id,
        outcome.report.seed,
        outcome.report.score,
        outcome.report.grade,
        out.display()
    );
    print(&(report_text::render(&outcome.report, &title) + &live::view::recorded(&outcome)))
}

fn serve(addr: SocketAddr, config: ServerConfig) -> Result<(), Failure> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    // Blocking threads: the simulations (at most `sim_workers`, gated before they are
    // spawned) and the database readers (at most `db::READERS`); the margin covers file
    // serving. Tokio's default (512) let threads, and their malloc arenas, grow with the
    // number of clients.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(config.sim_workers + drill::db::READERS + 4)
        .build()
        .map_err(|e| Failure(format!("cannot start the runtime: {e}")))?;
    let result = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| Failure(format!("cannot listen on {addr}: {e}")))?;
        let local = listener.local_addr()?;
        let admin = if config.admin_token.is_some() {
            "enabled"
        } else {
            "disabled (QD_ADMIN_TOKEN unset)"
        };
        print(&format!(
            "drill: listening on http://{local} (db {}, dist {}, competitions {admin})\n",
            config.target(),
            config.dist.display()
        ))?;
        server::serve(listener, config, shutdown_signal())
            .await
            .map_err(Failure::from)
    });
    // A simulation still running on a blocking thread is not waited for.
    runtime.shutdown_timeout(Duration::from_millis(500));
    result
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: no new connections; finishing open ones");
}

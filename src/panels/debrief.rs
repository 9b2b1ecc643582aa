//! The debrief: score and grade with the breakdown, the counters, a timeline of the whole
//! drill (health band, failed requests, action markers), what caused each outage and what it
//! set off, the seed's hidden branches, the lesson, the actions with "rewind to before this",
//! and the side-by-side comparison of a what-if run.

use quorum_sim::action::TimedAction;
use quorum_sim::event::Health;
use quorum_sim::report::{Cause, OutageSpan, Report};
use quorum_sim::runbook::RunbookComparison;
use quorum_sim::traffic::Sample;
use yew::prelude::*;

use super::chart::{area_path, nice_ceil, runs, short, use_width, Scale};
use super::util::{cause_text, count, counter, dur, health_key, health_label, signed};
use super::DebriefProps;
use crate::i18n::{clock, fixed, num, tr, Lang};
use crate::screens::{click_emits, head_cells};
use quorum_sim::time::{fmt_delta, fmt_span};

const TH: f64 = 226.0;
const TL: f64 = 44.0;
const TR_: f64 = 16.0;
const BAND_Y: f64 = 6.0;
const BAND_H: f64 = 18.0;
/// Two rows of action markers, so that close actions do not hide each other.
const MARK_ROWS: [f64; 2] = [38.0, 58.0];
const MARK_GAP: f64 = 19.0;
const PLOT_TOP: f64 = 72.0;
const PLOT_BOTTOM: f64 = 200.0;

fn grade_class(grade: &str) -> &'static str {
    match grade {
        "S" | "A" => "grade-good",
        "B" | "C" => "grade-mid",
        _ => "grade-bad",
    }
}

fn timeline(
    lang: Lang,
    report: &Report,
    samples: &[Sample],
    actions: &[TimedAction],
    culprits: &[usize],
    tw: f64,
) -> Html {
    let end_ms = report
        .duration_ms
        .max(samples.last().map_or(0, |s| s.at_ms))
        .max(60_000);
    let x = Scale::new(0.0, end_ms as f64, TL, tw - TR_);

    // Health band: runs of equal health, one rect each.
    let healths: Vec<Option<Health>> = samples.iter().map(|s| s.health).collect();
    let band: Vec<Html> = runs(&healths)
        .into_iter()
        .filter_map(|(a, b, h)| {
            let h = h?;
            let x0 = x.at(samples[a].at_ms.saturating_sub(1000) as f64);
            let x1 = x.at(samples[b - 1].at_ms as f64);
            let title = format!(
                "{}: {}",
                fmt_span(samples[a].at_ms.saturating_sub(1000), samples[b - 1].at_ms),
                health_label(lang, h)
            );
            Some(html! {
                <rect class={format!("band band-{}", health_key(h))} x={fixed(x0, 1)} y={num(BAND_Y)}
                      width={fixed((x1 - x0).max(0.8), 1)} height={num(BAND_H)}>
                    <title>{ title }</title>
                </rect>
            })
        })
        .collect();

    // Failed and successful requests per second, bucketed to at most one point per pixel.
    let plot_w = (tw - TL - TR_) as usize;
    let per_bucket = samples.len().div_ceil(plot_w).max(1);
    let buckets: Vec<(u64, u32, u32)> = samples
        .chunks(per_bucket)
        .map(|c| {
            let at = c.last().map_or(0, |s| s.at_ms);
            let failed = c
                .iter()
                .map(|s| s.failed_reads + s.failed_writes)
                .max()
                .unwrap_or(0);
            let total = c
                .iter()
                .map(|s| s.ok + s.failed_reads + s.failed_writes)
                .max()
                .unwrap_or(0);
            (at, failed, total)
        })
        .collect();
    let y_max = nice_ceil(
        buckets.iter().map(|b| f64::from(b.2)).fold(0.0, f64::max) * 1.05,
        100.0,
    );
    let y = Scale::new(0.0, y_max, PLOT_BOTTOM, PLOT_TOP);
    let total_pts: Vec<(f64, f64)> = buckets
        .iter()
        .map(|b| (x.at(b.0 as f64), y.at(f64::from(b.2))))
        .collect();
    let failed_pts: Vec<(f64, f64)> = buckets
        .iter()
        .map(|b| (x.at(b.0 as f64), y.at(f64::from(b.1))))
        .collect();
    let base: Vec<(f64, f64)> = buckets
        .iter()
        .map(|b| (x.at(b.0 as f64), PLOT_BOTTOM))
        .collect();

    // Outage spans, shaded across the plot.
    let outages: Vec<Html> = report
        .outages
        .iter()
        .map(|o| {
            let x0 = x.at(o.start_ms as f64);
            let x1 = x.at(o.end_ms.unwrap_or(end_ms) as f64);
            html! {
                <rect class="outage-band" x={fixed(x0, 1)} y={num(PLOT_TOP)}
                      width={fixed((x1 - x0).max(1.0), 1)} height={num(PLOT_BOTTOM - PLOT_TOP)} />
            }
        })
        .collect();

    // Time axis: a round step giving at most ~10 ticks.
    let step = [60_000u64, 120_000, 300_000, 600_000, 900_000, 1_800_000]
        .into_iter()
        .find(|s| end_ms / s <= 10)
        .unwrap_or(3_600_000);
    let ticks: Vec<u64> = (0..=end_ms / step).map(|i| i * step).collect();

    // Markers in time order, each in the first row where it does not touch its neighbour;
    // the actions that caused an outage are drawn last, on top.
    let mut last_x = [f64::NEG_INFINITY; MARK_ROWS.len()];
    let mut placed: Vec<(usize, f64, f64)> = actions
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let mx = x.at(a.at_ms as f64);
            let row = (0..MARK_ROWS.len())
                .find(|r| mx - last_x[*r] >= MARK_GAP)
                .unwrap_or_else(|| {
                    // Every row is crowded: the one whose last marker is furthest back.
                    (0..MARK_ROWS.len())
                        .min_by(|a, b| last_x[*a].total_cmp(&last_x[*b]))
                        .unwrap_or(0)
                });
            last_x[row] = mx;
            (i, mx, MARK_ROWS[row])
        })
        .collect();
    quorum_sim::vecmap::sort_small_by_key(&mut placed, |(i, _, _)| culprits.contains(i));
    let markers: Vec<Html> = placed
        .into_iter()
        .map(|(i, mx, my)| {
            let a = &actions[i];
            let culprit = culprits.contains(&i);
            let title = format!("#{} {} — {}", i + 1, clock(a.at_ms), a.action.to_script());
            html! {
                <g class={if culprit { "marker culprit" } else { "marker" }} data-action={i.to_string()}>
                    <title>{ title }</title>
                    <line x1={fixed(mx, 1)} x2={fixed(mx, 1)} y1={num(my + 8.0)} y2={num(PLOT_BOTTOM)} />
                    <circle cx={fixed(mx, 1)} cy={num(my)} r="8" />
                    <text x={fixed(mx, 1)} y={num(my + 3.5)} text-anchor="middle">{ i + 1 }</text>
                </g>
            }
        })
        .collect();

    let label = tr(
        lang,
        "Timeline of the drill: cluster health per second, requests per second (failed in red), outages shaded, your actions numbered",
        "訓練のタイムライン: 毎秒のクラスタヘルス、毎秒のリクエスト数（失敗は赤）、障害区間（網掛け）、番号付きのあなたの操作",
    );
    html! {
        <svg class="timeline-chart" viewBox={format!("0 0 {} {}", num(tw), num(TH))} width={num(tw)} height={num(TH)} role="img" aria-label={label} xmlns="http://www.w3.org/2000/svg">
            <title>{ label }</title>
            <text class="axis-unit" x="2" y={num(BAND_Y + 13.0)}>{ tr(lang, "health", "ヘルス") }</text>
            <text class="axis-unit" x="2" y={num(MARK_ROWS[0] + 4.0)}>{ tr(lang, "you", "操作") }</text>
            { for band }
            <rect class="plot-bg" x={num(TL)} y={num(PLOT_TOP)} width={num(tw - TL - TR_)}
                  height={num(PLOT_BOTTOM - PLOT_TOP)} />
            { for outages }
            <path class="area-ok" d={area_path(&total_pts, &base)} />
            <path class="area-failed" d={area_path(&failed_pts, &base)} />
            <line class="axis" x1={num(TL)} x2={num(tw - TR_)} y1={num(PLOT_BOTTOM)} y2={num(PLOT_BOTTOM)} />
            <text class="axis-label" x={num(TL - 4.0)} y={num(PLOT_TOP + 4.0)} text-anchor="end">{ short(y_max) }</text>
            <text class="axis-label" x={num(TL - 4.0)} y={num(PLOT_BOTTOM + 3.0)} text-anchor="end">{ "0" }</text>
            <text class="axis-unit" x="2" y={num((PLOT_TOP + PLOT_BOTTOM) / 2.0)}>{ tr(lang, "req/s", "件/秒") }</text>
            { for ticks.iter().map(|t| {
                let tx = x.at(*t as f64);
                html! {
                    <g>
                        <line class="tick" x1={fixed(tx, 1)} x2={fixed(tx, 1)} y1={num(PLOT_BOTTOM)} y2={num(PLOT_BOTTOM + 4.0)} />
                        <text class="axis-label" x={fixed(tx, 1)} y={num(TH - 8.0)} text-anchor="middle">{ clock(*t) }</text>
                    </g>
                }
            }) }
            { for markers }
        </svg>
    }
}

fn outage_view(lang: Lang, report: &Report, n: usize, o: &OutageSpan) -> Html {
    // The span and its length as every screen shows them (the sim's rounding rule).
    let span = match o.end_ms {
        Some(_) => o.span_text(report.duration_ms),
        None => format!(
            "{}–{}",
            clock(o.start_ms),
            tr(lang, "end of drill", "訓練終了")
        ),
    };
    let length = o.shown_length_ms(report.duration_ms);
    // What it set off: the sim's chain, shortened the way the sim says.
    let steps = o.chain_lines();
    html! {
        <article class="outage-expl">
            <h4>
                { format!("{} {} — {span} ", tr(lang, "Outage", "障害"), n + 1) }
                <span class="pill pill-bad">{ dur(length) }</span>
            </h4>
            <ul class="causes">
                { for o.causes.iter().map(|c| {
                    let is_action = matches!(c, Cause::Action { .. });
                    html! {
                        <li class={if is_action { "cause cause-action" } else { "cause cause-fault" }}>
                            <span class="cause-tag">{ if is_action { tr(lang, "your action", "あなたの操作") } else { tr(lang, "fault", "障害") } }</span>
                            { cause_text(lang, c) }
                        </li>
                    }
                }) }
            </ul>
            <p class="explanation">{ if lang == Lang::Ja { o.explanation_ja.clone() } else { o.explanation.clone() } }</p>
            if !steps.is_empty() {
                <details class="chain">
                    <summary>{ tr(lang, "What it set off", "引き起こされたこと") }</summary>
                    <ol class="chain-steps mono small">
                        { for steps.iter().map(|step| match step {
                            Some(step) => html! {
                                <li><time class="muted">{ clock(step.at_ms) }</time>{ " " }{ step.message.clone() }</li>
                            },
                            None => html! { <li>{ "…" }</li> },
                        }) }
                    </ol>
                </details>
            }
        </article>
    }
}

/// The trainee's actions beside the runbook's path for the branch case that happened
/// (`Report::runbook`, the sim's comparison): each step with when it was followed, then the
/// actions off the path with what leaving it cost.
fn runbook_section(lang: Lang, rc: &RunbookComparison) -> Html {
    let (followed, total) = rc.followed();
    html! {
        <section class="debrief-section runbook-compare" aria-label={tr(lang, "Your run beside the runbook", "ランブックとの比較")}>
            <h3>{ match lang {
                Lang::En => format!("The runbook: {} — {followed} of {total} steps followed", rc.title.get(lang)),
                Lang::Ja => format!("ランブック: {} — {total} 手順中 {followed} 手順を実施", rc.title.get(lang)),
            } }</h3>
            <ol class="rb-path">
                { for rc.path.iter().map(|p| html! {
                    <li class={classes!("rb-path-step", if p.followed_at_ms.is_some() { "followed" } else { "missed" }, (!p.reached).then_some("unreached"))} data-step={p.id.clone()}>
                        <span class="rb-mark mono">{ match p.followed_at_ms {
                            Some(at) => format!("✓ {}", clock(at)),
                            None => format!("✗ {}", tr(lang, "not followed", "未実施")),
                        } }</span>
                        { p.text.get(lang).to_string() }
                    </li>
                }) }
            </ol>
            <h4>{ tr(lang, "Off the runbook", "ランブック外の操作") }</h4>
            if rc.off_path.is_empty() {
                <p class="muted">{ tr(lang, "Nothing: every action you took was on the runbook's path.", "なし: すべての操作がランブックの手順どおりでした。") }</p>
            } else {
                <ul class="rb-off">
                    { for rc.off_path.iter().map(|o| html! {
                        <li class={if o.penalty_points != 0 || o.outage_ms > 0 { "rb-off-action costly" } else { "rb-off-action" }} data-action={o.action_index.to_string()}>
                            <span class="mono">{ format!("#{} {} {}", o.action_index + 1, clock(o.at_ms), o.action) }</span>
                            { " — " }
                            { match (o.penalty_points, o.outage_ms, lang) {
                                (0, 0, _) => tr(lang, "cost nothing", "損失なし").to_string(),
                                (p, 0, Lang::En) => format!("cost {} points", count(p.unsigned_abs())),
                                (p, 0, Lang::Ja) => format!("{} 点の減点", count(p.unsigned_abs())),
                                (p, ms, Lang::En) => format!("cost {} points and caused {} of outage", count(p.unsigned_abs()), dur(ms)),
                                (p, ms, Lang::Ja) => format!("{} 点の減点、{} の障害", count(p.unsigned_abs()), dur(ms)),
                            } }
                        </li>
                    }) }
                </ul>
            }
        </section>
    }
}

fn ttg(lang: Lang, r: &Report) -> String {
    r.time_to_green_ms
        .map(clock)
        .unwrap_or_else(|| tr(lang, "never", "回復せず").to_string())
}

fn compare_table(lang: Lang, this: &Report, other: &Report) -> Html {
    // (label, this, other, delta text, better?) — lower is better except the score.
    // Clocks differ as their shown seconds do, counts as numbers: the sim's formatters.
    fn delta_u(a: u64, b: u64, fmt: fn(u64, u64) -> String) -> (String, Option<bool>) {
        match a.cmp(&b) {
            std::cmp::Ordering::Equal => ("=".into(), None),
            o => (fmt(a, b), Some(o == std::cmp::Ordering::Less)),
        }
    }
    fn count_delta(a: u64, b: u64) -> String {
        signed(a as i64 - b as i64)
    }
    let mut rows: Vec<(&str, String, String, String, Option<bool>)> = Vec::new();
    let (d, b) = delta_u(this.outage_ms, other.outage_ms, fmt_delta);
    rows.push((
        tr(lang, "Outage time", "障害時間"),
        dur(this.outage_ms),
        dur(other.outage_ms),
        d,
        b,
    ));
    let (d, b) = delta_u(this.reads_failed, other.reads_failed, count_delta);
    rows.push((
        tr(lang, "Failed reads", "失敗した読み取り"),
        count(this.reads_failed),
        count(other.reads_failed),
        d,
        b,
    ));
    let (d, b) = delta_u(this.writes_failed, other.writes_failed, count_delta);
    rows.push((
        tr(lang, "Failed writes", "失敗した書き込み"),
        count(this.writes_failed),
        count(other.writes_failed),
        d,
        b,
    ));
    let (d, b) = match (this.time_to_green_ms, other.time_to_green_ms) {
        (Some(a), Some(o)) => delta_u(a, o, fmt_delta),
        (Some(_), None) => (tr(lang, "recovered", "回復").into(), Some(true)),
        (None, Some(_)) => (tr(lang, "never", "回復せず").into(), Some(false)),
        (None, None) => ("=".into(), None),
    };
    rows.push((
        tr(lang, "Time to full redundancy", "完全冗長までの時間"),
        ttg(lang, this),
        ttg(lang, other),
        d,
        b,
    ));
    let ds = this.score - other.score;
    let score_delta = if ds == 0 { "=".into() } else { signed(ds) };
    rows.push((
        tr(lang, "Score", "スコア"),
        count(this.score.max(0) as u64),
        count(other.score.max(0) as u64),
        score_delta,
        (ds != 0).then_some(ds > 0),
    ));
    rows.push((
        tr(lang, "Grade", "評価"),
        this.grade.clone(),
        other.grade.clone(),
        String::new(),
        None,
    ));

    html! {
        <section class="debrief-section compare" aria-label={tr(lang, "Comparison of the two runs", "2つの実行の比較")}>
            <h3>{ tr(lang, "Side by side", "比較") }</h3>
            <table class="table compare-table">
                <thead>
                    <tr>
                        { head_cells(lang, &[("", "", ""), ("", "This run", "この実行"), ("", "Other run", "もう一方の実行"), ("", "Difference", "差")]) }
                    </tr>
                </thead>
                <tbody>
                    { for rows.into_iter().map(|(label, a, b, d, better)| html! {
                        <tr>
                            <th scope="row">{ label }</th>
                            <td class="num">{ a }</td>
                            <td class="num">{ b }</td>
                            <td class={classes!("num", "delta", better.map(|g| if g { "better" } else { "worse" }))}>{ d }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        </section>
    }
}

/// One row of the score breakdown: what was deducted (with its rate, if any) and the points.
fn points_row(label: &'static str, rate: String, points: i64) -> Html {
    html! {
        <tr>
            <th scope="row">{ label }if !rate.is_empty() { <span class="muted small">{ rate }</span> }</th>
            <td class={if points > 0 { "num neg" } else { "num" }}>{ signed(-points) }</td>
        </tr>
    }
}

/// The view as a component, for the panel tests; the debrief screen holds the timeline's
/// width hooks and calls [`debrief_view`] (a plain function: no component machinery for it).
#[component]
pub fn DebriefView(props: &DebriefProps) -> Html {
    let wrap = use_node_ref();
    let width = use_width(&wrap, TIMELINE_WIDTH_PX);
    debrief_view(props, &wrap, width)
}

/// The timeline's width before it is mounted (for [`use_width`]).
pub const TIMELINE_WIDTH_PX: f64 = 960.0;

/// The debrief, its timeline `width` pixels wide, measured on `wrap` ([`use_width`]).
pub fn debrief_view(props: &DebriefProps, wrap: &NodeRef, width: f64) -> Html {
    let lang = props.lang;
    let r = &*props.report;
    // A clean run: no outage and no risky action (penalty); it is praised, not taught.
    let clean = r.outages.is_empty() && r.penalties.is_empty();
    let bd = &r.breakdown;
    let culprits = r.culprits();

    let breakdown = html! {
        <table class="table breakdown" aria-label={tr(lang, "Score breakdown", "スコア内訳")}>
            <tbody>
                <tr><th scope="row">{ tr(lang, "Base", "基本点") }</th><td class="num">{ count(bd.base.max(0) as u64) }</td></tr>
                { points_row(tr(lang, "Outage", "障害"), format!(" {} · {}", dur(r.outage_ms), tr(lang, "10/s", "10/秒")), bd.outage_points) }
                { points_row(tr(lang, "Failed requests", "失敗リクエスト"), format!(" {} · 1/20", count(r.requests_failed)), bd.failed_request_points) }
                { points_row(tr(lang, "Degraded", "冗長性低下"), format!(" {} · {}", dur(r.degraded_ms), tr(lang, "1/10s", "1/10秒")), bd.degraded_points) }
                { points_row(tr(lang, "Beyond par", "パー超過"), match r.par_redundancy_ms {
                    Some(par) => format!(" {} {} · {}", tr(lang, "par", "パー"), dur(par), tr(lang, "2/s", "2/秒")),
                    None => format!(" {}", tr(lang, "no par", "パーなし")),
                }, bd.beyond_par_points) }
                { points_row(tr(lang, "Instances launched", "起動したインスタンス"), tr(lang, " 1/instance-min", " 1/台・分").to_string(), bd.instance_points) }
                { points_row(tr(lang, "Images kept", "残したイメージ"), tr(lang, " 25/image", " 25/個").to_string(), bd.image_points) }
                if let Some(o) = &r.objective { <tr class="penalty" data-testid="objective"><td class="penalty-reason small">{ o.text(lang) }</td><td class={classes!("num", (o.points > 0).then_some("neg"))}>{ signed(-o.points) }</td></tr> }
                { points_row(tr(lang, "Penalties", "ペナルティ"), String::new(), bd.penalty_points) }
                { for r.penalties.iter().map(|p| html! {
                    <tr class="penalty">
                        <td class="penalty-reason small">
                            { format!("#{} {} — ", p.action_index + 1, props.actions.get(p.action_index).map(|a| a.action.to_script()).unwrap_or_default()) }
                            { p.text(lang) }
                        </td>
                        <td class="num neg small">{ signed(-p.points) }</td>
                    </tr>
                }) }
                <tr class="total"><th scope="row">{ tr(lang, "Score", "スコア") }</th><td class="num">{ count(r.score.max(0) as u64) }</td></tr>
            </tbody>
        </table>
    };

    html! {
        <section class="debrief-view" aria-label={tr(lang, "Debrief", "振り返り")}>
            <div class="debrief-top">
                <div class="score-card" role="group" aria-label={tr(lang, "Score and grade", "スコアと評価")}>
                    <div class={classes!("grade", grade_class(&r.grade))} aria-label={format!("{} {}", tr(lang, "grade", "評価"), r.grade)}>{ r.grade.clone() }</div>
                    <div class="score-num">{ count(r.score.max(0) as u64) }</div>
                    <div class="muted small">{ tr(lang, "points of 10,000", "点 / 10,000") }</div>
                    <div class="muted small">{ format!("{} · {} {}", r.scenario_id, tr(lang, "seed", "シード"), r.seed) }</div>
                </div>
                { breakdown }
                <dl class="counters debrief-counters">
                    { counter("mono", tr(lang, "Outage time", "障害時間"), r.outage_ms > 0, dur(r.outage_ms), String::new()) }
                    { counter("mono", tr(lang, "Failed reads", "失敗した読み取り"), r.reads_failed > 0, count(r.reads_failed), format!(" / {}", count(r.reads_total))) }
                    { counter("mono", tr(lang, "Failed writes", "失敗した書き込み"), r.writes_failed > 0, count(r.writes_failed), format!(" / {}", count(r.writes_total))) }
                    { counter("mono", tr(lang, "Time to full redundancy", "完全冗長までの時間"), r.time_to_green_ms.is_none(), ttg(lang, r), String::new()) }
                </dl>
            </div>

            <section class="debrief-section timeline">
                <h3>{ tr(lang, "Timeline", "タイムライン") }</h3>
                <div class="chart-wrap" ref={wrap.clone()}>
                    { timeline(lang, r, &props.samples, &props.actions, &culprits, width) }
                </div>
                <div class="chart-legend small" aria-hidden="true">
                    <span class="key band-green"></span>{ tr(lang, "green", "緑（正常）") }
                    <span class="key band-yellow"></span>{ tr(lang, "yellow", "黄（レプリカ不足）") }
                    <span class="key band-red"></span>{ tr(lang, "red", "赤（プライマリ欠落）") }
                    <span class="key band-no-master"></span>{ tr(lang, "no master", "マスター不在") }
                    <span class="key key-ok"></span>{ tr(lang, "requests/s", "リクエスト/秒") }
                    <span class="key key-failed"></span>{ tr(lang, "failed/s", "失敗/秒") }
                    <span class="key key-outage"></span>{ tr(lang, "outage", "障害") }
                    <span class="key key-marker"></span>{ tr(lang, "your action (#)", "あなたの操作（番号）") }
                </div>
            </section>

            <section class="debrief-section outages">
                <h3>{ tr(lang, "What caused the outage", "障害の原因") }</h3>
                if r.outages.is_empty() {
                    <p class="no-outage">{ tr(lang, "No outage: the cluster kept a master and every primary throughout.", "障害なし: クラスタは終始マスターとすべてのプライマリを保ちました。") }</p>
                }
                { for r.outages.iter().enumerate().map(|(i, o)| outage_view(lang, r, i, o)) }
            </section>

            if !r.branches.is_empty() {
                <section class="debrief-section branches">
                    <h3>{ tr(lang, "What this seed had in store", "このシードに隠れていたこと") }</h3>
                    <ul class="branch-list">
                        { for r.branches.iter().map(|b| html! {
                            <li class={if b.happened { "branch happened" } else { "branch not-happened" }}>
                                <span class="pill">{ if b.happened { tr(lang, "happened", "発生") } else { tr(lang, "hidden", "未発生") } }</span>
                                { if lang == Lang::Ja { b.outcome_ja.clone() } else { b.outcome.clone() } }
                            </li>
                        }) }
                    </ul>
                </section>
            }

            if let Some(rc) = &r.runbook {
                { runbook_section(lang, rc) }
            }

            <section class={if clean { "debrief-section lesson clean" } else { "debrief-section lesson" }}>
                if clean {
                    <h3>{ tr(lang, "Well done", "お見事") }</h3>
                    <p class="praise">{ tr(lang,
                        "A clean run: no outage and no risky action. You waited where waiting was right — this is why it worked:",
                        "クリーンな実行: 障害も危険な操作もありませんでした。待つべきところで待てました。うまくいった理由:") }</p>
                } else {
                    <h3>{ tr(lang, "Lesson", "教訓") }</h3>
                    <p class="lesson-lead">{ tr(lang, "What to do differently next time:", "次に変えるべきこと:") }</p>
                }
                <p class="lesson-text">{ props.lesson.clone() }</p>
            </section>

            <section class="debrief-section your-actions">
                <h3>{ tr(lang, "Your actions", "あなたの操作") }</h3>
                if props.actions.is_empty() {
                    <p class="muted">{ tr(lang, "You took no actions.", "操作はありませんでした。") }</p>
                } else {
                    <table class="table actions-table">
                        <thead>
                            <tr>
                                { head_cells(lang, &[("", "#", "#"), ("", "Time", "時刻"), ("", "Action", "操作"), ("", "Effect", "影響")]) }
                                <th scope="col"><span class="sr-only">{ tr(lang, "Rewind", "巻き戻し") }</span></th>
                            </tr>
                        </thead>
                        <tbody>
                            { for props.actions.iter().enumerate().map(|(i, a)| {
                                let culprit = culprits.contains(&i);
                                // The action's penalties, summed; None if it had none.
                                let penalty = r.penalties.iter().filter(|p| p.action_index == i).map(|p| p.points).reduce(|a, b| a + b);
                                html! {
                                    <tr key={i} class={if culprit { "action-row culprit" } else { "action-row" }}>
                                        <td class="num">{ i + 1 }</td>
                                        <td class="mono">{ clock(a.at_ms) }</td>
                                        <td class="mono action-script">{ a.action.to_script() }</td>
                                        <td class="small">
                                            if culprit { <span class="pill pill-bad">{ tr(lang, "caused an outage", "障害の原因") }</span> }
                                            if let Some(points) = penalty {
                                                <span class="pill pill-warn">{ format!("{} {}", signed(-points), tr(lang, "penalty", "ペナルティ")) }</span>
                                            }
                                        </td>
                                        <td>
                                            <button type="button" class="btn rewind" data-action={i.to_string()}
                                                    aria-label={match lang { Lang::En => format!("Rewind to before this (action #{})", i + 1), Lang::Ja => format!("この直前に巻き戻す（操作 #{}）", i + 1) }}
                                                    onclick={click_emits(&props.on_rewind, i)}>
                                                { tr(lang, "⟲ Rewind to before this", "⟲ この直前に巻き戻す") }
                                            </button>
                                        </td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                }
            </section>

            if let Some(other) = &props.compare {
                { compare_table(lang, r, other) }
            }
        </section>
    }
}

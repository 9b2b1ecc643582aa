//! Traffic: a fixed-size inline SVG chart of the last five sim-minutes (successful and
//! failed requests per second, stacked, and p99 latency on a second axis, outage shaded),
//! the failed-request counters, and the outage timer.

use quorum_sim::traffic::Sample;
use yew::prelude::*;

use super::chart::{area_path, line_path, nice_ceil, runs, short, use_width, Scale};
use super::util::{count, counter, dur};
use super::SimProps;
use crate::i18n::{clock, fixed, num, tr, Lang};

/// The chart's window, seconds.
const WINDOW_S: u64 = 300;

/// Chart height in CSS px (fixed, so that nothing moves while ticking); the width follows
/// the panel.
const H: f64 = 180.0;
const LEFT: f64 = 40.0;
const RIGHT: f64 = 48.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 22.0;

/// A latency axis label: `500ms`, `5s`.
fn ms_label(ms: f64) -> String {
    if ms >= 1000.0 {
        let s = ms / 1000.0;
        if (s - s.round()).abs() < 0.05 {
            format!("{}s", s.round() as i64)
        } else {
            format!("{}s", fixed(s, 1))
        }
    } else {
        format!("{}ms", ms.round() as i64)
    }
}

fn chart(lang: Lang, samples: &[Sample], now_ms: u64, w: f64) -> Html {
    let big_w = w;
    let end_ms = now_ms.max(WINDOW_S * 1000);
    let start_ms = end_ms - WINDOW_S * 1000;
    let first = samples.partition_point(|s| s.at_ms <= start_ms);
    let window = &samples[first..];

    let max_total = window
        .iter()
        .map(|s| f64::from(s.ok + s.failed_reads + s.failed_writes))
        .fold(0.0, f64::max);
    let max_p99 = window
        .iter()
        .map(|s| f64::from(s.p99_ms))
        .fold(0.0, f64::max);
    let y_max = nice_ceil(max_total * 1.1, 100.0);
    let p_max = nice_ceil(max_p99 * 1.1, 100.0);

    let x = Scale::new(start_ms as f64, end_ms as f64, LEFT, big_w - RIGHT);
    let y = Scale::new(0.0, y_max, H - BOTTOM, TOP);
    let yp = Scale::new(0.0, p_max, H - BOTTOM, TOP);
    let base_y = H - BOTTOM;

    // Each sample covers the second before its `at_ms`: plot it at the end of the second.
    let ok_pts: Vec<(f64, f64)> = window
        .iter()
        .map(|s| (x.at(s.at_ms as f64), y.at(f64::from(s.ok))))
        .collect();
    let fail_pts: Vec<(f64, f64)> = window
        .iter()
        .map(|s| {
            (
                x.at(s.at_ms as f64),
                y.at(f64::from(s.ok + s.failed_reads + s.failed_writes)),
            )
        })
        .collect();
    let base: Vec<(f64, f64)> = ok_pts.iter().map(|(px, _)| (*px, base_y)).collect();
    // p99 of the requests that succeeded: no line through seconds where none did.
    let mut segments: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for s in window {
        if s.ok == 0 {
            if segments.last().is_some_and(|seg| !seg.is_empty()) {
                segments.push(Vec::new());
            }
            continue;
        }
        if let Some(seg) = segments.last_mut() {
            seg.push((x.at(s.at_ms as f64), yp.at(f64::from(s.p99_ms))));
        }
    }
    let p99_d: String = segments.iter().map(|seg| line_path(seg)).collect();

    let outage_flags: Vec<bool> = window.iter().map(|s| s.outage).collect();
    let outage_rects: Vec<(f64, f64)> = runs(&outage_flags)
        .into_iter()
        .filter(|(_, _, on)| *on)
        .map(|(a, b, _)| {
            let x0 = x.at(window[a].at_ms.saturating_sub(1000) as f64);
            let x1 = x.at(window[b - 1].at_ms as f64);
            (x0, (x1 - x0).max(1.0))
        })
        .collect();

    // A tick every minute of the window.
    let ticks: Vec<u64> = (start_ms.div_ceil(60_000)..=end_ms / 60_000)
        .map(|m| m * 60_000)
        .collect();

    let label = tr(
        lang,
        "Requests per second (successful and failed, stacked) and p99 latency over the last 5 minutes",
        "直近5分間の毎秒リクエスト数（成功・失敗の積み上げ）と p99 レイテンシ",
    );
    html! {
        <svg class="traffic-chart" viewBox={format!("0 0 {} {}", num(big_w), num(H))} width={num(big_w)} height={num(H)} role="img" aria-label={label}
             xmlns="http://www.w3.org/2000/svg">
            <title>{ label }</title>
            <rect class="plot-bg" x={num(LEFT)} y={num(TOP)} width={num(big_w - LEFT - RIGHT)}
                  height={num(H - TOP - BOTTOM)} />
            { for outage_rects.iter().map(|(x0, w)| html! {
                <rect class="outage-band" x={fixed(*x0, 1)} y={num(TOP)} width={fixed(*w, 1)}
                      height={num(H - TOP - BOTTOM)} />
            }) }
            { for [0.5, 1.0].iter().map(|f| {
                let gy = y.at(y_max * f);
                html! { <line class="grid" x1={num(LEFT)} x2={num(big_w - RIGHT)}
                              y1={fixed(gy, 1)} y2={fixed(gy, 1)} /> }
            }) }
            { for ticks.iter().map(|t| {
                let tx = x.at(*t as f64);
                html! {
                    <g>
                        <line class="tick" x1={fixed(tx, 1)} x2={fixed(tx, 1)} y1={num(base_y)} y2={num(base_y + 4.0)} />
                        <text class="axis-label" x={fixed(tx, 1)} y={num(H - 6.0)} text-anchor="middle">{ clock(*t) }</text>
                    </g>
                }
            }) }
            <path class="area-failed" d={area_path(&fail_pts, &ok_pts)} />
            <path class="area-ok" d={area_path(&ok_pts, &base)} />
            <path class="line-p99" d={p99_d} />
            <line class="axis" x1={num(LEFT)} x2={num(big_w - RIGHT)} y1={num(base_y)} y2={num(base_y)} />
            // Left axis: requests per second.
            <text class="axis-label" x={num(LEFT - 4.0)} y={num(y.at(y_max) + 4.0)} text-anchor="end">{ short(y_max) }</text>
            <text class="axis-label" x={num(LEFT - 4.0)} y={num(y.at(y_max / 2.0) + 4.0)} text-anchor="end">{ short(y_max / 2.0) }</text>
            <text class="axis-label" x={num(LEFT - 4.0)} y={num(base_y + 4.0)} text-anchor="end">{ "0" }</text>

            // Right axis: p99 latency.
            <text class="axis-label p99" x={num(big_w - RIGHT + 4.0)} y={num(yp.at(p_max) + 4.0)}>{ ms_label(p_max) }</text>
            <text class="axis-label p99" x={num(big_w - RIGHT + 4.0)} y={num(yp.at(p_max / 2.0) + 4.0)}>{ ms_label(p_max / 2.0) }</text>
            <text class="axis-label p99" x={num(big_w - RIGHT + 4.0)} y={num(base_y + 4.0)}>{ "0" }</text>
        </svg>
    }
}

/// The panel as a component, for the panel tests; the drill screen holds the chart's width
/// hooks and calls [`traffic_panel`] (a plain function: no component machinery for it).
#[component]
pub fn TrafficPanel(props: &SimProps) -> Html {
    let wrap = use_node_ref();
    let width = use_width(&wrap, TRAFFIC_WIDTH_PX);
    traffic_panel(props, &wrap, width)
}

/// The chart's width before it is mounted (for [`use_width`]).
pub const TRAFFIC_WIDTH_PX: f64 = 640.0;

/// The panel, its chart `width` pixels wide, measured on `wrap` ([`use_width`]).
pub fn traffic_panel(props: &SimProps, wrap: &NodeRef, width: f64) -> Html {
    let lang = props.lang;
    let sim = props.sim.borrow();
    let now = sim.now_ms();
    let metrics = sim.metrics();
    let samples = sim.samples();
    let last = samples.last().copied().unwrap_or_default();
    let in_outage = sim.in_outage();
    let current = sim.current_outage_ms();
    let failed_now = last.failed_reads + last.failed_writes;

    html! {
        <section class={if in_outage { "panel traffic in-outage" } else { "panel traffic" }} aria-label={tr(lang, "Traffic", "トラフィック")}>
            <header class="panel-head">
                <h2>{ tr(lang, "Traffic", "トラフィック") }<span class="muted">{ tr(lang, " · web app → search-cluster", " · Web アプリ → search-cluster") }</span></h2>
                <div class={if in_outage { "outage-timer running" } else { "outage-timer idle" }} role="timer"
                     aria-label={tr(lang, "Outage timer", "障害タイマー")} aria-live="off">
                    if in_outage {
                        <span class="outage-word">{ tr(lang, "OUTAGE", "障害中") }</span>
                        <span class="outage-clock mono">{ dur(current.unwrap_or(0)) }</span>
                    } else {
                        <span class="outage-word">{ tr(lang, "No outage", "障害なし") }</span>
                        <span class="outage-clock mono">{ "--:--" }</span>
                    }
                </div>
            </header>
            <div class="traffic-body">
                <div class="chart-wrap" ref={wrap.clone()}>
                    { chart(lang, samples, now, width) }
                    <div class="chart-legend small" aria-hidden="true">
                        <span class="key key-ok"></span>{ tr(lang, "successful req/s", "成功 件/秒") }
                        <span class="key key-failed"></span>{ tr(lang, "failed req/s (left axis)", "失敗 件/秒（左軸）") }
                        <span class="key key-p99"></span>{ tr(lang, "p99 latency (right axis)", "p99 レイテンシ（右軸）") }
                        <span class="key key-outage"></span>{ tr(lang, "outage", "障害") }
                    </div>
                </div>
                <dl class="counters">
                    { counter("mono", tr(lang, "Requests/s", "リクエスト/秒"), false, count(u64::from(last.ok + failed_now)), String::new()) }
                    { counter("mono", tr(lang, "Failed/s", "失敗/秒"), failed_now > 0, count(u64::from(failed_now)), String::new()) }
                    { counter("mono", tr(lang, "p99", "p99"), false, format!("{} ms", count(u64::from(last.p99_ms))), String::new()) }
                    { counter("mono failed-reads", tr(lang, "Failed reads", "失敗した読み取り"), metrics.reads_failed > 0, count(metrics.reads_failed), String::new()) }
                    { counter("mono failed-writes", tr(lang, "Failed writes", "失敗した書き込み"), metrics.writes_failed > 0, count(metrics.writes_failed), String::new()) }
                    { counter("mono outage-total", tr(lang, "Outage total", "障害時間合計"), metrics.outage_ms > 0, dur(metrics.outage_ms), String::new()) }
                </dl>
            </div>
        </section>
    }
}

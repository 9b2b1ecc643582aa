//! Tiny helpers for the inline SVG charts (no chart library): scales, nice axis maxima and
//! path strings. Floats appear here only for rendering.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::i18n::{fixed, push_fixed};

/// The rendered width (CSS px, rounded down to 8 px) of the element behind `node`, so that a
/// chart can draw in real pixels (text at its true size, nothing stretched). `default` until
/// the element is mounted; re-renders after mounting and when the window is resized.
#[hook]
pub fn use_width(node: &NodeRef, default: f64) -> f64 {
    let force = use_force_update();
    use_effect_with((), move |_| {
        force.force_update();
        let on_resize = Closure::<dyn Fn()>::new(move || force.force_update());
        let window = web_sys::window();
        if let Some(w) = &window {
            let _ =
                w.add_event_listener_with_callback("resize", on_resize.as_ref().unchecked_ref());
        }
        move || {
            if let Some(w) = &window {
                let _ = w.remove_event_listener_with_callback(
                    "resize",
                    on_resize.as_ref().unchecked_ref(),
                );
            }
            drop(on_resize);
        }
    });
    node.cast::<web_sys::Element>()
        .map(|e| f64::from(e.client_width()))
        .filter(|w| *w > 0.0)
        .map(|w| (w / 8.0).floor() * 8.0)
        .unwrap_or(default)
}

/// A linear map from a data interval onto a pixel interval.
#[derive(Clone, Copy, Debug)]
pub struct Scale {
    pub d0: f64,
    pub d1: f64,
    pub p0: f64,
    pub p1: f64,
}

impl Scale {
    pub fn new(d0: f64, d1: f64, p0: f64, p1: f64) -> Scale {
        Scale { d0, d1, p0, p1 }
    }

    pub fn at(&self, v: f64) -> f64 {
        let span = self.d1 - self.d0;
        if span == 0.0 {
            return self.p0;
        }
        let t = ((v - self.d0) / span).clamp(0.0, 1.0);
        self.p0 + t * (self.p1 - self.p0)
    }
}

/// The smallest "round" number (1, 2, 2.5, 5 × 10ⁿ) at least `v`, and at least `floor`.
pub fn nice_ceil(v: f64, floor: f64) -> f64 {
    let v = v.max(floor).max(1.0);
    let mut magnitude = 1.0;
    while magnitude * 10.0 <= v {
        magnitude *= 10.0;
    }
    for step in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if step * magnitude >= v {
            return step * magnitude;
        }
    }
    10.0 * magnitude
}

/// `L` (or `M` for the first point) and the point, one decimal each.
fn push_point(d: &mut String, cmd: char, (x, y): (f64, f64)) {
    d.push(cmd);
    push_fixed(d, x, 1);
    d.push(',');
    push_fixed(d, y, 1);
}

/// A filled area between `base` and the points' y, as an SVG path.
pub fn area_path(points: &[(f64, f64)], base: &[(f64, f64)]) -> String {
    let mut d = String::with_capacity(points.len() * 16 + base.len() * 16);
    let Some(first) = points.first() else {
        return d;
    };
    push_point(&mut d, 'M', *first);
    for p in points[1..].iter().chain(base.iter().rev()) {
        push_point(&mut d, 'L', *p);
    }
    d.push('Z');
    d
}

/// A polyline as an SVG path.
pub fn line_path(points: &[(f64, f64)]) -> String {
    let mut d = String::with_capacity(points.len() * 16);
    for (i, p) in points.iter().enumerate() {
        push_point(&mut d, if i == 0 { 'M' } else { 'L' }, *p);
    }
    d
}

/// Runs of consecutive `true` in `flags`, as `[start, end)` index pairs.
pub fn runs<T: Copy + PartialEq>(values: &[T]) -> Vec<(usize, usize, T)> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=values.len() {
        if i == values.len() || values[i] != values[start] {
            if start < values.len() {
                out.push((start, i, values[start]));
            }
            start = i;
        }
    }
    out
}

/// Short axis labels: 1200 → "1.2k".
pub fn short(v: f64) -> String {
    if v >= 1000.0 {
        let k = v / 1000.0;
        if (k - k.round()).abs() < 0.05 {
            format!("{}k", k.round() as i64)
        } else {
            format!("{}k", fixed(k, 1))
        }
    } else {
        format!("{}", v.round() as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ceilings() {
        assert_eq!(nice_ceil(180.0, 100.0), 200.0);
        assert_eq!(nice_ceil(201.0, 100.0), 250.0);
        assert_eq!(nice_ceil(30_000.0, 100.0), 50_000.0);
        assert_eq!(nice_ceil(3.0, 100.0), 100.0);
    }

    #[test]
    fn runs_split_on_change() {
        assert_eq!(
            runs(&[true, true, false, true]),
            vec![(0, 2, true), (2, 3, false), (3, 4, true)]
        );
        assert!(runs::<bool>(&[]).is_empty());
    }

    #[test]
    fn scale_clamps() {
        let s = Scale::new(0.0, 10.0, 100.0, 0.0);
        assert_eq!(s.at(5.0), 50.0);
        assert_eq!(s.at(20.0), 0.0);
    }

    #[test]
    fn short_labels() {
        assert_eq!(short(1200.0), "1.2k");
        assert_eq!(short(30_000.0), "30k");
        assert_eq!(short(250.0), "250");
    }
}

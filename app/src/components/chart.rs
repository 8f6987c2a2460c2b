//! Charts drawn as SVG by the app (no chart service): the budget split across ad sets, and each ad set's
//! response curve with its chosen spend marked.

use leptos::prelude::*;
use planner::plan::ResponseCurve;
use planner::plan::describe;
use planner::types::{Currency, Plan};

use crate::format;

/// Bar colours, in ad-set order (CSS variables, so themes can change them).
const SERIES: [&str; 5] =
    ["var(--series-1)", "var(--series-2)", "var(--series-3)", "var(--series-4)", "var(--series-5)"];

/// One horizontal stacked bar of the budget split, with a legend.
#[component]
pub fn BudgetSplit(
    /// The plan.
    plan: Plan,
) -> impl IntoView {
    let total = plan.totals.budget.micro_amount.max(1) as f64;
    let mut x = 0.0;
    let bars: Vec<_> = plan
        .ad_sets
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let w = a.budget.micro_amount as f64 / total * 100.0;
            let bar = (x, w, SERIES[i % SERIES.len()], a.name.clone(), format::budget(&a.budget));
            x += w;
            bar
        })
        .collect();
    let summary = bars.iter().map(|(_, w, _, name, money)| format!("{name}: {money} ({w:.0}%)")).collect::<Vec<_>>();
    view! {
        <figure class="split">
            <figcaption class="section-title">"Budget split"</figcaption>
            <svg class="split__bar" viewBox="0 0 100 8" preserveAspectRatio="none" role="img" aria-label=summary.join("; ")>
                {bars
                    .iter()
                    .map(|(x, w, color, _, _)| {
                        view! { <rect x=format!("{x:.3}") y="0" width=format!("{w:.3}") height="8" fill=*color /> }
                    })
                    .collect_view()}
            </svg>
            <ul class="split__legend">
                {bars
                    .into_iter()
                    .map(|(_, w, color, name, money)| {
                        view! {
                            <li>
                                <span class="split__swatch" style=format!("background:{color}")></span>
                                <span class="split__name">{name}</span>
                                <span class="split__money">{money}" · "{format!("{w:.0}%")}</span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </figure>
    }
}

const W: f64 = 240.0;
const H: f64 = 120.0;
const PAD: f64 = 8.0;

/// Small multiples: one response curve per ad set.
#[component]
pub fn ResponseCurves(
    /// The curves, in ad-set order.
    curves: Vec<ResponseCurve>,
    /// The plan's currency, for the axis labels.
    currency: Currency,
) -> impl IntoView {
    view! {
        <section class="curves" aria-labelledby="curves-title">
            <h3 id="curves-title" class="section-title">"Response curves"</h3>
            <p class="curves__help">"Expected result against spend over the flight; the dot is the chosen budget."</p>
            <ul class="curves__grid">
                {curves
                    .into_iter()
                    .enumerate()
                    .map(|(i, c)| view! { <li><Curve curve=c currency=currency color=SERIES[i % SERIES.len()] /></li> })
                    .collect_view()}
            </ul>
        </section>
    }
}

/// One response curve.
#[component]
pub fn Curve(
    /// The sampled curve.
    curve: ResponseCurve,
    /// Currency of the spend axis.
    currency: Currency,
    /// Stroke colour.
    color: &'static str,
) -> impl IntoView {
    let max_x = curve.points.last().map_or(1, |p| p.0).max(1) as f64;
    let max_y = curve.points.iter().map(|p| p.1).fold(0.0, f64::max);
    let sx = |x: i64| PAD + x as f64 / max_x * (W - 2.0 * PAD);
    let sy = |y: f64| if max_y > 0.0 { H - PAD - y / max_y * (H - 2.0 * PAD) } else { H - PAD };
    let path = curve
        .points
        .iter()
        .enumerate()
        .map(|(i, (x, y))| format!("{}{:.1},{:.1}", if i == 0 { "M" } else { "L" }, sx(*x), sy(*y)))
        .collect::<String>();
    let chosen_y = interpolate(&curve.points, curve.chosen_micros);
    let metric = curve.metric.unwrap_or("results");
    let label = match curve.metric {
        Some(m) => format!(
            "{}: about {} {m} at the chosen {}",
            curve.ad_set,
            format::compact(chosen_y as u64),
            describe::money(curve.chosen_micros, currency)
        ),
        None => format!("{}: adds nothing to the brief's goal at the margin", curve.ad_set),
    };
    view! {
        <figure class="curve">
            <svg viewBox=format!("0 0 {W} {H}") role="img" aria-label=label.clone()>
                <line class="curve__axis" x1=PAD y1=H - PAD x2=W - PAD y2=H - PAD />
                <line class="curve__axis" x1=PAD y1=PAD x2=PAD y2=H - PAD />
                <path d=path fill="none" stroke=color stroke-width="2" />
                <line class="curve__chosen" x1=sx(curve.chosen_micros) y1=PAD x2=sx(curve.chosen_micros) y2=H - PAD />
                <circle cx=sx(curve.chosen_micros) cy=sy(chosen_y) r="4" fill=color />
            </svg>
            <figcaption>
                <span class="curve__name">{curve.ad_set}</span>
                <span class="curve__detail">
                    {format!("{} {metric} at {}", format::compact(chosen_y as u64), describe::money(curve.chosen_micros, currency))}
                </span>
            </figcaption>
        </figure>
    }
}

/// The curve's value at `x`, linear between samples.
fn interpolate(points: &[(i64, f64)], x: i64) -> f64 {
    points.windows(2).find(|w| w[0].0 <= x && x <= w[1].0).map_or(0.0, |w| {
        let span = (w[1].0 - w[0].0).max(1) as f64;
        w[0].1 + (w[1].1 - w[0].1) * (x - w[0].0) as f64 / span
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_chosen_point_lies_on_the_curve() {
        let points = [(0, 0.0), (100, 50.0), (200, 75.0)];
        assert_eq!(super::interpolate(&points, 100), 50.0);
        assert_eq!(super::interpolate(&points, 150), 62.5);
        assert_eq!(super::interpolate(&points, 500), 0.0);
    }
}

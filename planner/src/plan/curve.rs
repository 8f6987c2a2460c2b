//! Saturating response curves `y = a·(1 − exp(−x/b))` fitted by weighted least squares on relative errors.
//!
//! Start with [`fit`]. For a fixed scale `b` the best asymptote `a` has a closed form, so the fit scans `b`
//! on a log grid around the data, keeps the lowest squared error, and refines it by golden-section search
//! — no random starts, no iteration-order effects, the same answer on every target. `x` and `y` are
//! whatever the caller normalised them to (spend and results per listener or per listener-day).
//!
//! Errors are measured relative to each observation (delivery noise is multiplicative: a big ad set is off
//! by thousands where a small one is off by tens), so small-budget history — the regime most plans spend
//! in — weighs as much as the few large ad sets that reveal saturation.

/// `y = asymptote · (1 − exp(−x / scale))`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Curve {
    /// The level `y` tends to as spend grows (`a`).
    pub asymptote: f64,
    /// The spend at which 63% of the asymptote is reached (`b`).
    pub scale: f64,
}

impl Curve {
    /// A curve that never returns anything (no evidence of any effect).
    pub const FLAT: Curve = Curve { asymptote: 0.0, scale: 1.0 };

    /// The curve's value at `x`.
    pub fn at(&self, x: f64) -> f64 {
        if !(self.asymptote > 0.0 && self.scale > 0.0 && x > 0.0) {
            return 0.0;
        }
        self.asymptote * -libm::expm1(-x / self.scale)
    }

    /// The slope at `x`.
    #[cfg(test)]
    pub fn slope(&self, x: f64) -> f64 {
        if !(self.asymptote > 0.0 && self.scale > 0.0) {
            return 0.0;
        }
        self.asymptote / self.scale * libm::exp(-x.max(0.0) / self.scale)
    }
}

/// One observation with its weight.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// Spend (normalised).
    pub x: f64,
    /// Response (normalised).
    pub y: f64,
    /// Weight (how many observations it stands for).
    pub w: f64,
}

/// Grid steps per decade of `b` and decades either side of the data's typical `x`.
const STEPS_PER_DECADE: i32 = 4;
const DECADES: i32 = 3;
const GOLDEN_ITERATIONS: usize = 20;

/// Fits the curve to the points; `None` when no point has positive spend.
pub fn fit(points: &[Point]) -> Option<Curve> {
    let points: Vec<Point> = points
        .iter()
        .copied()
        .filter(|p| p.x.is_finite() && p.y.is_finite() && p.w.is_finite() && p.x >= 0.0 && p.y >= 0.0 && p.w > 0.0)
        .collect();
    let x_ref = typical_x(&points)?;
    let points = relative(points);
    let mut best: Option<(f64, f64)> = None; // (sse, ln b)
    for k in -DECADES * STEPS_PER_DECADE..=DECADES * STEPS_PER_DECADE {
        let ln_b = libm::log(x_ref) + f64::from(k) / f64::from(STEPS_PER_DECADE) * core::f64::consts::LN_10;
        if let Some((_, sse)) = solve(&points, libm::exp(ln_b))
            && best.is_none_or(|(s, _)| sse < s)
        {
            best = Some((sse, ln_b));
        }
    }
    let (_, ln_b) = best?;
    let step = core::f64::consts::LN_10 / f64::from(STEPS_PER_DECADE);
    let ln_b = refine(&points, ln_b - step, ln_b + step);
    let scale = libm::exp(ln_b);
    let (asymptote, _) = solve(&points, scale)?;
    Some(Curve { asymptote, scale })
}

/// Divides each weight by the square of its observation (floored at a tenth of the median positive `y`, so
/// zeros do not dominate): least squares on these weights is least squares on relative errors.
fn relative(points: Vec<Point>) -> Vec<Point> {
    let mut ys: Vec<f64> = points.iter().map(|p| p.y).filter(|y| *y > 0.0).collect();
    ys.sort_by(f64::total_cmp);
    let floor = ys.get(ys.len() / 2).map_or(1.0, |m| m * 0.1);
    points.into_iter().map(|p| Point { w: p.w / (p.y.max(floor) * p.y.max(floor)), ..p }).collect()
}

/// The weighted mean of the positive `x`s: the centre of the `b` grid.
fn typical_x(points: &[Point]) -> Option<f64> {
    let (sum, weight) = points.iter().filter(|p| p.x > 0.0).fold((0.0, 0.0), |(s, w), p| (s + p.w * p.x, w + p.w));
    let x = sum / weight;
    (weight > 0.0 && x.is_finite() && x > 0.0).then_some(x)
}

/// For a fixed scale, the least-squares asymptote (clamped at zero) and the squared error.
fn solve(points: &[Point], scale: f64) -> Option<(f64, f64)> {
    let mut gy = 0.0;
    let mut gg = 0.0;
    let g: Vec<f64> = points.iter().map(|p| -libm::expm1(-p.x / scale)).collect();
    for (p, g) in points.iter().zip(&g) {
        gy += p.w * g * p.y;
        gg += p.w * g * g;
    }
    if !(gg > 0.0 && gg.is_finite()) {
        return None;
    }
    let a = (gy / gg).max(0.0);
    let sse: f64 = points.iter().zip(&g).map(|(p, g)| p.w * (p.y - a * g) * (p.y - a * g)).sum();
    (a.is_finite() && sse.is_finite()).then_some((a, sse))
}

/// Golden-section search for the lowest squared error over `ln b` in `[lo, hi]`.
fn refine(points: &[Point], mut lo: f64, mut hi: f64) -> f64 {
    let inv_phi = (libm::sqrt(5.0) - 1.0) / 2.0;
    let sse = |ln_b: f64| solve(points, libm::exp(ln_b)).map_or(f64::INFINITY, |(_, s)| s);
    let mut c = hi - inv_phi * (hi - lo);
    let mut d = lo + inv_phi * (hi - lo);
    let (mut fc, mut fd) = (sse(c), sse(d));
    for _ in 0..GOLDEN_ITERATIONS {
        if fc <= fd {
            hi = d;
            d = c;
            fd = fc;
            c = hi - inv_phi * (hi - lo);
            fc = sse(c);
        } else {
            lo = c;
            c = d;
            fc = fd;
            d = lo + inv_phi * (hi - lo);
            fd = sse(d);
        }
    }
    (lo + hi) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(curve: Curve, xs: &[f64]) -> Vec<Point> {
        xs.iter().map(|&x| Point { x, y: curve.at(x), w: 1.0 }).collect()
    }

    #[test]
    fn recovers_a_curve_from_exact_points() {
        let truth = Curve { asymptote: 0.8, scale: 0.02 };
        let xs: Vec<f64> = (1..=20).map(|i| f64::from(i) * 0.004).collect();
        let fitted = fit(&sample(truth, &xs)).expect("fits");
        assert!((fitted.asymptote - 0.8).abs() < 0.01, "{fitted:?}");
        assert!((fitted.scale - 0.02).abs() < 0.001, "{fitted:?}");
    }

    #[test]
    fn linear_data_gives_a_curve_that_is_nearly_linear_over_the_data() {
        let pts: Vec<Point> = (1..=10).map(|i| Point { x: f64::from(i), y: 2.0 * f64::from(i), w: 1.0 }).collect();
        let c = fit(&pts).expect("fits");
        assert!((c.at(5.0) - 10.0).abs() < 0.5, "{c:?}");
    }

    #[test]
    fn degenerate_input_never_panics_nor_returns_nan() {
        assert_eq!(fit(&[]), None);
        assert_eq!(fit(&[Point { x: 0.0, y: 3.0, w: 1.0 }]), None);
        let nan = [Point { x: f64::NAN, y: 1.0, w: 1.0 }, Point { x: 1.0, y: f64::INFINITY, w: 1.0 }];
        assert_eq!(fit(&nan), None);
        let zero = fit(&[Point { x: 1.0, y: 0.0, w: 1.0 }]).expect("fits");
        assert_eq!(zero.at(1.0), 0.0);
        assert!(Curve::FLAT.at(1.0) == 0.0 && Curve::FLAT.slope(0.0) == 0.0);
        let one = fit(&[Point { x: 2.0, y: 1.0, w: 1.0 }]).expect("fits");
        assert!(one.asymptote.is_finite() && one.scale.is_finite());
    }

    #[test]
    fn slope_is_the_derivative() {
        let c = Curve { asymptote: 3.0, scale: 2.0 };
        let h = 1e-6;
        let numeric = (c.at(1.0 + h) - c.at(1.0 - h)) / (2.0 * h);
        assert!((numeric - c.slope(1.0)).abs() < 1e-6);
    }
}

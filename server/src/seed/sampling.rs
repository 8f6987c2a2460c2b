//! Seeded random draws for the synthetic market. Every draw comes from a ChaCha8 stream derived from the
//! seed, and the maths goes through `libm`, so a seed generates the same history on every machine.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The generator every draw uses.
pub type Rng = ChaCha8Rng;

/// An independent stream of the seed: the truth's parameters use one, each campaign another, so that adding
/// campaigns never changes the ones before.
pub fn stream(seed: u64, stream: u64) -> Rng {
    let mut rng = Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// Uniform in `[low, high)`.
pub fn uniform(rng: &mut Rng, low: f64, high: f64) -> f64 {
    low + (high - low) * rng.random::<f64>()
}

/// Standard normal (Box–Muller).
pub fn normal(rng: &mut Rng) -> f64 {
    // 1 − u lies in (0, 1], so the logarithm is finite.
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(std::f64::consts::TAU * u2)
}

/// Lognormal with median 1: `exp(sigma · N(0, 1))`.
pub fn lognormal(rng: &mut Rng, sigma: f64) -> f64 {
    libm::exp(sigma * normal(rng))
}

/// Log-uniform in `[low, high)`: every order of magnitude equally likely.
pub fn log_uniform(rng: &mut Rng, low: f64, high: f64) -> f64 {
    libm::exp(uniform(rng, libm::log(low), libm::log(high)))
}

/// Exponential with the given mean.
pub fn exponential(rng: &mut Rng, mean: f64) -> f64 {
    -mean * libm::log(1.0 - rng.random::<f64>())
}

/// One of `choices`, with probability proportional to its weight.
pub fn weighted<T: Copy>(rng: &mut Rng, choices: &[(T, f64)]) -> T {
    let total: f64 = choices.iter().map(|(_, w)| w).sum();
    let mut point = rng.random::<f64>() * total;
    for (value, weight) in choices {
        if point < *weight {
            return *value;
        }
        point -= weight;
    }
    // Rounding can leave `point` a hair above the last weight.
    choices[choices.len() - 1].0
}

/// One element of a non-empty slice, uniformly.
pub fn pick<'a, T>(rng: &mut Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

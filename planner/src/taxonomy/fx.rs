//! Reference exchange rates, used only for thresholds (ad-set minimums, the number of ad sets by budget)
//! and to read history recorded in another currency — never to convert a plan's money.
//!
//! Rates are units of each currency per 1 EUR, rounded from the European Central Bank's euro foreign
//! exchange reference rates around [`RATES_DATE`] (ECB does not publish ARS/COP/CLP/PEN; those markets plan
//! in USD). Integer parts-per-million keep the table exact and identical on every target.

use crate::types::Currency;

/// The date the table describes.
pub const RATES_DATE: &str = "2026-01-02";

/// Units of the currency per 1 EUR, × 1,000,000.
const PER_EUR_MICROS: [(Currency, i64); 16] = [
    (Currency::Eur, 1_000_000),
    (Currency::Usd, 1_170_000),
    (Currency::Gbp, 870_000),
    (Currency::Sek, 10_850_000),
    (Currency::Nok, 11_800_000),
    (Currency::Dkk, 7_470_000),
    (Currency::Chf, 930_000),
    (Currency::Pln, 4_220_000),
    (Currency::Brl, 6_400_000),
    (Currency::Mxn, 21_200_000),
    (Currency::Cad, 1_610_000),
    (Currency::Aud, 1_760_000),
    (Currency::Nzd, 2_030_000),
    (Currency::Jpy, 183_000_000),
    (Currency::Inr, 105_000_000),
    (Currency::Zar, 19_500_000),
];

fn per_eur(currency: Currency) -> i64 {
    PER_EUR_MICROS.iter().find(|(c, _)| *c == currency).map_or(1_000_000, |(_, r)| *r)
}

/// Converts micro-units between currencies at the reference rate, rounding to the nearest micro-unit.
pub fn convert(micros: i64, from: Currency, to: Currency) -> i64 {
    if from == to {
        return micros;
    }
    let num = i128::from(micros) * i128::from(per_eur(to));
    let den = i128::from(per_eur(from));
    let q = (2 * num + den) / (2 * den);
    i64::try_from(q).unwrap_or(i64::MAX)
}

/// `micros` of `currency` in EUR micros (thresholds of SPEC §4).
pub fn to_eur(micros: i64, currency: Currency) -> i64 {
    convert(micros, currency, Currency::Eur)
}

/// `micros` of `currency` in USD micros (the 250 USD ad-set minimum).
pub fn to_usd(micros: i64, currency: Currency) -> i64 {
    convert(micros, currency, Currency::Usd)
}

/// The value of one unit of `currency` in USD, as a float for forecasting maths only.
pub fn usd_per_unit(currency: Currency) -> f64 {
    per_eur(Currency::Usd) as f64 / per_eur(currency) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversion_is_exact_where_it_should_be() {
        assert_eq!(convert(5_000_000, Currency::Usd, Currency::Usd), 5_000_000);
        assert_eq!(to_eur(1_170_000_000, Currency::Usd), 1_000_000_000);
        assert_eq!(to_usd(250_000_000, Currency::Usd), 250_000_000);
        // 250 USD is about 39,000 yen at the table's rates.
        let yen = convert(250_000_000, Currency::Usd, Currency::Jpy);
        assert!(yen > 39_000_000_000 && yen < 40_000_000_000, "{yen}");
    }
}

//! `mixtape seed --csv FILE`: the synthetic history written as an Ads Manager style export (the format
//! `mixtape import` reads, `docs/import.md`) instead of into the store. Campaigns are generated and written
//! one at a time, so memory stays flat however many there are.

use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::Path;
use std::time::Instant;

use super::history::Generator;
use super::truth::Truth;
use super::{SeedOptions, SeedReport, write_truth};
use crate::Error;
use crate::import::{OPTIONAL_COLUMNS, REQUIRED_COLUMNS};
use crate::store::CampaignRecord;

/// Writes the history `options` describe to `path` as CSV (through a temporary file, so a reader never
/// sees half of it).
pub fn export_csv(options: &SeedOptions, path: &Path) -> Result<SeedReport, Error> {
    let started = Instant::now();
    let truth = Truth::calibrated(options.seed);
    if let Some(truth_path) = &options.truth_path {
        write_truth(&truth, truth_path)?;
    }
    let partial = path.with_extension("csv.partial");
    let io = |e: std::io::Error| Error::io(&partial, e);
    let csv_error = |e: csv::Error| Error::io(&partial, std::io::Error::other(e));
    let mut out = csv::Writer::from_writer(BufWriter::new(File::create(&partial).map_err(io)?));
    out.write_record(REQUIRED_COLUMNS.iter().chain(&OPTIONAL_COLUMNS)).map_err(csv_error)?;

    let mut generator = Generator::new(&truth, options.seed);
    let mut report = SeedReport {
        seed: options.seed,
        campaigns: 0,
        ad_sets: 0,
        delivery_rows: 0,
        truth_path: options.truth_path.clone(),
        elapsed: Default::default(),
    };
    for _ in 0..options.campaigns {
        let campaign = generator.next_campaign();
        report.delivery_rows += write_campaign(&mut out, &campaign).map_err(csv_error)?;
        report.campaigns += 1;
        report.ad_sets += campaign.ad_sets.len() as u64;
    }
    let mut file = out.into_inner().map_err(|e| io(e.into_error()))?;
    file.flush().map_err(io)?;
    drop(file);
    std::fs::rename(&partial, path).map_err(|e| Error::io(path, e))?;
    report.elapsed = started.elapsed();
    Ok(report)
}

/// One row per ad set and day; returns how many.
fn write_campaign<W: std::io::Write>(out: &mut csv::Writer<W>, c: &CampaignRecord) -> Result<u64, csv::Error> {
    let campaign_id = format!("c-{:06}", c.id);
    let mut rows = 0;
    for a in &c.ad_sets {
        let ad_set_id = format!("as-{:06}", a.id);
        let age = format!("{}-{}", a.age_min, a.age_max);
        let budget = amount(a.budget_micros);
        let (mut impressions, mut reach) = (0u64, 0u64);
        // The generator rounds running totals and differences them, which can leave a day with one more
        // listener, click or complete than impressions; an export never has that, so the excess moves on
        // to the next day (the flight's totals stay the same).
        let mut carried = [0u64; 3];
        for d in &a.delivery {
            let mut capped = [d.reach, d.clicks, d.completes];
            for (value, carry) in capped.iter_mut().zip(&mut carried) {
                let wanted = *value + *carry;
                *value = wanted.min(d.impressions);
                *carry = wanted - *value;
            }
            let [day_reach, clicks, completes] = capped;
            impressions += d.impressions;
            reach += day_reach;
            out.write_record([
                d.day.to_string().as_str(),
                &campaign_id,
                &c.name,
                &ad_set_id,
                &a.name,
                c.objective.as_str(),
                a.asset_format.as_str(),
                a.placement.as_str(),
                c.country.as_str(),
                &age,
                a.gender.map_or("ALL", |g| g.as_str()),
                a.platform.map_or("ALL", |p| p.as_str()),
                &budget,
                c.currency.as_str(),
                &amount(d.spend_micros),
                &d.impressions.to_string(),
                &day_reach.to_string(),
                &frequency(impressions, reach),
                &clicks.to_string(),
                &completes.to_string(),
                &d.results.to_string(),
                &c.ad_category,
                a.interest.as_deref().unwrap_or(""),
            ])?;
            rows += 1;
        }
    }
    Ok(rows)
}

/// Micro-units as a decimal amount, exactly: `1250500000` → `1250.50`, `1` → `0.000001`.
fn amount(micros: i64) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    let abs = micros.unsigned_abs();
    let (units, fraction) = (abs / 1_000_000, abs % 1_000_000);
    let digits = format!("{fraction:06}");
    let trimmed = digits.trim_end_matches('0');
    let shown = if trimmed.len() < 2 { &digits[..2] } else { trimmed };
    format!("{sign}{units}.{shown}")
}

/// The flight's frequency so far (impressions per listener reached), two decimals, in integers.
fn frequency(impressions: u64, reach: u64) -> String {
    if reach == 0 {
        return String::new();
    }
    let hundredths = (u128::from(impressions) * 100 + u128::from(reach) / 2) / u128::from(reach);
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_written_exactly() {
        assert_eq!(amount(1_250_500_000), "1250.50");
        assert_eq!(amount(1), "0.000001");
        assert_eq!(amount(0), "0.00");
        assert_eq!(amount(45_123_456), "45.123456");
        assert_eq!(amount(i64::MAX), "9223372036854.775807");
        assert_eq!(frequency(250, 100), "2.50");
        assert_eq!(frequency(1, 3), "0.33");
        assert_eq!(frequency(5, 0), "");
    }
}

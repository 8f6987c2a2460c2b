//! Saved plans: the frozen snapshots behind shared links (`/p/<id>`, SPEC §5). A snapshot holds the
//! conversation (date, messages, the UI's edits) and the planner's answer exactly as it was when saved, so
//! a link keeps showing the same plan after the planner or the history changes.
//!
//! Where to start reading: [`Store::save_plan`] and [`Store::load_plan`]; the table is
//! `migrations/*/0002_plans.sql`. The JSON values are stored as text, like everything else the two engines
//! share.

use chrono::{DateTime, NaiveDate, SecondsFormat, SubsecRound, Utc};
use planner::types::{Overrides, PlanResponse};
use rand::RngExt;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::Store;
use crate::Error;

/// How many characters a plan id has.
pub const PLAN_ID_LEN: usize = 12;

/// The URL-safe alphabet of plan ids (64 symbols: 12 of them carry 72 random bits, so ids are
/// unguessable and collisions practically never happen).
const PLAN_ID_ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A saved plan: the conversation and the planner's answer to it, frozen when it was saved. Serialises
/// to the body of `GET /api/plans/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedPlan {
    /// Its id: [`PLAN_ID_LEN`] URL-safe characters.
    pub id: String,
    /// When it was saved (UTC, to the second).
    pub created_at: DateTime<Utc>,
    /// The reference date the conversation was resolved against.
    pub today: NaiveDate,
    /// The user's turns, in order.
    pub messages: Vec<String>,
    /// The UI's structured edits of the brief.
    pub overrides: Overrides,
    /// The planner's answer.
    pub response: PlanResponse,
}

/// Whether `id` has the shape of a plan id (it may still name no saved plan).
pub fn is_plan_id(id: &str) -> bool {
    id.len() == PLAN_ID_LEN && id.bytes().all(|b| PLAN_ID_ALPHABET.contains(&b))
}

fn new_plan_id() -> String {
    let mut rng = rand::rng();
    (0..PLAN_ID_LEN).map(|_| char::from(PLAN_ID_ALPHABET[rng.random_range(0..PLAN_ID_ALPHABET.len())])).collect()
}

impl Store {
    /// Saves a snapshot under a new random id and returns it as stored.
    pub async fn save_plan(
        &self,
        today: NaiveDate,
        messages: &[String],
        overrides: &Overrides,
        response: &PlanResponse,
    ) -> Result<SavedPlan, Error> {
        // Stored to the second, so that what this returns equals what `load_plan` reads back.
        let created_at = Utc::now().trunc_subsecs(0);
        let (messages_json, overrides_json, response_json) =
            (serde_json::to_string(messages)?, serde_json::to_string(overrides)?, serde_json::to_string(response)?);
        // A clash of 72 random bits is all but impossible; should one happen, the insert does nothing and
        // the next id is tried, instead of failing the user's save.
        for _ in 0..3 {
            let id = new_plan_id();
            let inserted = sqlx::query(
                "INSERT INTO plans (id, created_at, today, messages, overrides, response) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
            )
            .bind(id.as_str())
            .bind(created_at.to_rfc3339_opts(SecondsFormat::Secs, true))
            .bind(today.to_string())
            .bind(messages_json.as_str())
            .bind(overrides_json.as_str())
            .bind(response_json.as_str())
            .execute(&self.pool)
            .await?;
            if inserted.rows_affected() == 1 {
                return Ok(SavedPlan {
                    id,
                    created_at,
                    today,
                    messages: messages.to_vec(),
                    overrides: overrides.clone(),
                    response: response.clone(),
                });
            }
        }
        Err(Error::Corrupt("three random plan ids in a row were already taken".to_owned()))
    }

    /// The plan saved under `id`, if there is one.
    pub async fn load_plan(&self, id: &str) -> Result<Option<SavedPlan>, Error> {
        let row = sqlx::query("SELECT created_at, today, messages, overrides, response FROM plans WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let text = |column: usize| row.try_get::<String, _>(column);
        let (created_at, today) = (text(0)?, text(1)?);
        let corrupt = |what: &str, value: &str| Error::Corrupt(format!("plan {id}: {what} `{value}`"));
        Ok(Some(SavedPlan {
            id: id.to_owned(),
            created_at: DateTime::parse_from_rfc3339(&created_at)
                .map_err(|_| corrupt("creation time", &created_at))?
                .with_timezone(&Utc),
            today: today.parse().map_err(|_| corrupt("date", &today))?,
            messages: serde_json::from_str(&text(2)?)?,
            overrides: serde_json::from_str(&text(3)?)?,
            response: serde_json::from_str(&text(4)?)?,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_have_the_shape_ids_are_checked_against() {
        let ids: Vec<String> = (0..100).map(|_| new_plan_id()).collect();
        assert!(ids.iter().all(|id| is_plan_id(id)), "{ids:?}");
        assert!(ids.iter().any(|id| id != &ids[0]), "ids are random");
        assert!(!is_plan_id("abc"));
        assert!(!is_plan_id("abcdefghijk!"));
        assert!(!is_plan_id("abcdefghijklm"));
        assert!(!is_plan_id("abcdéfghijk"));
    }
}

//! The media planner: a complete brief plus historical ad sets in, ad-set recommendations out.
//!
//! Where to start reading: [`plan_from_history`]. (Being written; see the module list below.)

use crate::performance::{PerformanceAnswer, PerformanceQuery, PerformanceSource, SourceError};
use crate::types::{Brief, Plan};

/// What the planner decided for a complete brief.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PlanOutcome {
    /// The plan, or `None` when the budget cannot fund even one ad set (then `question` says so).
    pub plan: Option<Plan>,
    /// Notices for the user: policy changes, countries left out, objective substitutions.
    pub assumptions: Vec<String>,
    /// A question instead of a plan (budget below one ad set's minimum).
    pub question: Option<String>,
}

/// The history query a brief needs.
pub fn query_for(brief: &Brief) -> PerformanceQuery {
    let mut countries = brief.targets.countries.clone();
    countries.sort();
    countries.dedup();
    let mut objectives = vec![brief.objective, crate::types::Objective::EvenImpressionDelivery];
    objectives.sort();
    objectives.dedup();
    PerformanceQuery { countries, objectives }
}

/// Plans a complete brief (budget settled, schedule and at least one country known) from history.
pub fn plan_from_history(_brief: &Brief, _history: &PerformanceAnswer) -> PlanOutcome {
    PlanOutcome::default()
}

/// Fetches the history a brief needs and plans it.
pub async fn make_plan<S: PerformanceSource>(brief: &Brief, source: &S) -> Result<PlanOutcome, SourceError> {
    let history = source.fetch(&query_for(brief)).await?;
    Ok(plan_from_history(brief, &history))
}

//! A plan in the shapes it leaves Mixtape in: Ads API v3 drafts (one campaign and its ad sets, ready for
//! `POST /drafts/campaigns` and `POST /drafts/ad_sets`) and a CSV for spreadsheets. Pure functions.

use planner::types::{AdSet, Objective, Plan, PlanResponse};
use serde_json::{Value, json};

use crate::format;

/// The campaign's delivery goal group for an objective (Ads API catalog mapping).
fn goal_group(objective: Objective) -> &'static str {
    match objective {
        Objective::Reach | Objective::EvenImpressionDelivery | Objective::VideoViews => "AWARENESS",
        Objective::Clicks | Objective::WebsiteVisits => "WEBSITE_TRAFFIC",
        Objective::PodcastStreams => "ENGAGEMENT_ON_SPOTIFY",
        Objective::AppInstalls => "APP_PROMOTION",
        Objective::LeadGen => "LEAD_GEN",
    }
}

/// An ad set's delivery goal.
fn delivery_goal(objective: Objective) -> &'static str {
    match objective {
        Objective::Reach => "REACH",
        Objective::EvenImpressionDelivery => "IMPRESSIONS",
        Objective::Clicks => "CLICKS",
        Objective::WebsiteVisits => "PAGE_VIEWS",
        Objective::VideoViews => "VIDEO_VIEWS",
        Objective::AppInstalls => "APP_INSTALLS",
        Objective::PodcastStreams => "STREAMS",
        Objective::LeadGen => "LEADS",
    }
}

/// The plan as Ads API drafts: `{"campaign": {…}, "ad_sets": [{…}]}`. Ids the API assigns (campaign,
/// mobile app, city and interest ids) are left for the uploader; names and slugs say what to look up.
pub fn drafts(response: &PlanResponse, campaign_name: &str) -> Option<Value> {
    let plan = response.plan.as_ref()?;
    let objective = response.brief.objective;
    Some(json!({
        "campaign": {
            "name": campaign_name,
            "objective": objective,
            "delivery_goal_group": goal_group(objective),
            "status": "PAUSED",
        },
        "ad_sets": plan.ad_sets.iter().map(ad_set_draft).collect::<Vec<_>>(),
    }))
}

fn ad_set_draft(a: &AdSet) -> Value {
    let t = &a.targets;
    let mut targets = json!({
        "geo_targets": {"country_code": a.country},
        "placements": a.placements,
        "age_ranges": t.age_ranges,
        "genders": t.genders,
        "platforms": t.platforms,
        "genre_ids": t.genres,
        "podcast_episode_topic_ids": t.podcast_topics,
    });
    if !t.cities.is_empty() || !t.interests.is_empty() {
        // City and interest ids come from GET /targets/geos and /targets/interests.
        targets["to_resolve"] = json!({"cities": t.cities, "interests": t.interests});
    }
    json!({
        "name": a.name,
        "start_time": a.start_time,
        "end_time": a.end_time,
        "budget": {"micro_amount": a.budget.micro_amount, "type": a.budget.kind, "currency": a.budget.currency},
        "asset_format": a.asset_format,
        "category": a.category,
        "bid_strategy": a.bid_strategy,
        "bid_micro_amount": a.bid_micro_amount,
        "pacing": "PACING_EVEN",
        "delivery_goal": delivery_goal(a.objective),
        "objective": a.objective,
        "frequency_caps": a.frequency_caps,
        "targets": targets,
    })
}

/// One CSV row per ad set, with a header; money as decimal amounts (exact, from micro-units).
pub fn csv(plan: &Plan) -> String {
    let mut out = String::from(
        "name,country,format,placements,objective,budget,budget_type,currency,start_time,end_time,bid_strategy,\
         bid,impressions_p10,impressions_p50,impressions_p90,reach_p50,clicks_p50,result,results_p10,results_p50,\
         results_p90,comparable_campaigns,reason\n",
    );
    for a in &plan.ad_sets {
        let f = &a.forecast;
        let placements = a.placements.iter().map(|p| p.as_str()).collect::<Vec<_>>().join("+");
        let fields = [
            a.name.clone(),
            a.country.to_string(),
            a.asset_format.to_string(),
            placements,
            a.objective.to_string(),
            format::decimal(a.budget.micro_amount),
            a.budget.kind.to_string(),
            a.budget.currency.to_string(),
            a.start_time.clone(),
            a.end_time.clone(),
            a.bid_strategy.to_string(),
            format::decimal(a.bid_micro_amount),
            f.impressions.p10.to_string(),
            f.impressions.p50.to_string(),
            f.impressions.p90.to_string(),
            f.reach.p50.to_string(),
            f.clicks.p50.to_string(),
            f.result_name.clone(),
            f.results.p10.to_string(),
            f.results.p50.to_string(),
            f.results.p90.to_string(),
            a.evidence.comparable_campaigns.to_string(),
            a.reason.clone(),
        ];
        out.push_str(&fields.iter().map(|s| quote(s)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

/// RFC 4180 quoting, and a leading apostrophe for text a spreadsheet would run as a formula.
fn quote(field: &str) -> String {
    let field = if field.starts_with(['=', '+', '-', '@']) && field.parse::<f64>().is_err() {
        format!("'{field}")
    } else {
        field.to_owned()
    };
    if field.contains([',', '"', '\n', '\r']) { format!("\"{}\"", field.replace('"', "\"\"")) } else { field }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_exact_and_fields_are_quoted() {
        assert_eq!(format::decimal(1_234_500_000), "1234.5");
        assert_eq!(format::decimal(50_000_000_000), "50000");
        assert_eq!(format::decimal(-1), "-0.000001");
        assert_eq!(quote("a, \"b\""), "\"a, \"\"b\"\"\"");
        assert_eq!(quote("=cmd()"), "'=cmd()");
        assert_eq!(quote("-12.5"), "-12.5");
    }

    #[test]
    fn delivery_goals_fit_their_campaign_group() {
        // The Ads API's allowed goals per group (reference §6.2).
        let allowed = |group: &str| match group {
            "AWARENESS" => vec!["IMPRESSIONS", "REACH", "VIDEO_VIEWS"],
            "WEBSITE_TRAFFIC" => vec!["CLICKS", "PAGE_VIEWS", "VIDEO_VIEWS"],
            "APP_PROMOTION" => vec!["APP_INSTALLS"],
            "ENGAGEMENT_ON_SPOTIFY" => vec!["CLICKS", "STREAMS", "VIDEO_VIEWS"],
            "LEAD_GEN" => vec!["LEADS", "CLICKS"],
            _ => vec![],
        };
        for o in Objective::ALL {
            assert!(allowed(goal_group(*o)).contains(&delivery_goal(*o)), "{o}");
        }
    }
}

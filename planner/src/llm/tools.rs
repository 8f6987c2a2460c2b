//! The tools a model may call to ground its answer in Mixtape's reference data: ad categories, geo
//! targets (markets and cities) and the targeting taxonomy (interests, genres, podcast topics).
//!
//! [`declarations`] describes them to the model; [`call`] answers them from the taxonomy compiled into
//! this crate. The server serves [`call`] at `/api/tools/{name}` for the browser; natively [`Local`] calls
//! it directly. Answers are capped at [`MAX_RESULTS`] entries so a tool round trip stays small.

use serde_json::{Value, json};

use super::{ModelError, ToolDecl};
use crate::taxonomy::{self, categories, cities, markets};
use crate::text;

/// The most entries one tool answer lists.
pub const MAX_RESULTS: usize = 10;

/// Names of the tools.
pub const NAMES: [&str; 3] = ["search_ad_categories", "search_geo_targets", "search_taxonomy"];

/// The tools, as the model sees them.
pub fn declarations() -> Vec<ToolDecl> {
    let query = |what: &str| json!({"type": "string", "description": what});
    vec![
        ToolDecl {
            name: NAMES[0].to_owned(),
            description: "Find the Spotify ad category (ADV_x_y) of a product or service.".to_owned(),
            parameters: json!({
                "type": "object",
                "properties": {"query": query("The product or service, e.g. 'vegan snacks'")},
                "required": ["query"],
            }),
        },
        ToolDecl {
            name: NAMES[1].to_owned(),
            description: "Find markets (ISO country codes) and cities Mixtape can target.".to_owned(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "query": query("A country, region or city name"),
                    "country_code": query("Optional ISO 3166 alpha-2 code to search cities within"),
                },
                "required": ["query"],
            }),
        },
        ToolDecl {
            name: NAMES[2].to_owned(),
            description: "Find targeting slugs: listener interests, music genres or podcast topics.".to_owned(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "kind": {"type": "string", "enum": ["interests", "genres", "podcast_topics"]},
                    "query": query("What to look for, e.g. 'yoga' or 'true crime'"),
                },
                "required": ["kind", "query"],
            }),
        },
    ]
}

/// Answers a tool call from the taxonomy. Unknown tools and malformed arguments are errors the model is
/// told about (as the tool's answer), never panics.
pub fn call(name: &str, args: &Value) -> Result<Value, String> {
    let arg = |key: &str| args.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
    let query = arg("query").ok_or("`query` must be a non-empty string")?;
    if query.chars().count() > 200 {
        return Err("`query` is longer than 200 characters".to_owned());
    }
    match name {
        "search_ad_categories" => {
            let found: Vec<Value> = categories::search(query, MAX_RESULTS)
                .into_iter()
                .map(|m| json!({"id": m.category.id, "name": m.category.name}))
                .collect();
            Ok(json!({"categories": found}))
        }
        "search_geo_targets" => {
            let q = text::normalize(query);
            let country = arg("country_code").and_then(|c| c.to_uppercase().parse::<crate::types::Country>().ok());
            let countries: Vec<Value> = markets::all()
                .iter()
                .filter(|m| text::normalize(m.name).contains(&q) || m.country.as_str().eq_ignore_ascii_case(query))
                .take(MAX_RESULTS)
                .map(|m| json!({"country_code": m.country, "name": m.name}))
                .collect();
            let found_cities: Vec<Value> = cities::all()
                .iter()
                .filter(|c| country.is_none_or(|k| c.country == k))
                .filter(|c| cities::spellings(c).any(|s| s.contains(&q)))
                .take(MAX_RESULTS)
                .map(|c| json!({"city": c.name, "country_code": c.country}))
                .collect();
            Ok(json!({"countries": countries, "cities": found_cities}))
        }
        "search_taxonomy" => {
            let list = match arg("kind") {
                Some("interests") => taxonomy::INTERESTS,
                Some("genres") => taxonomy::GENRES,
                Some("podcast_topics") => taxonomy::PODCAST_TOPICS,
                _ => return Err("`kind` must be interests, genres or podcast_topics".to_owned()),
            };
            let words: Vec<String> = text::normalize(query).split(' ').map(str::to_owned).collect();
            let slugs: Vec<&str> = list
                .iter()
                .filter(|slug| words.iter().any(|w| w.len() > 2 && slug.replace('-', " ").contains(w.as_str())))
                .take(MAX_RESULTS)
                .copied()
                .collect();
            // With no match the whole list is the answer: the model picks from it.
            Ok(json!({"slugs": if slugs.is_empty() { list.iter().take(40).copied().collect() } else { slugs }}))
        }
        other => Err(format!("there is no tool `{other}`")),
    }
}

/// Where a resolver's tool calls are answered.
pub trait Tools {
    /// Answers one call.
    fn call(&self, name: &str, args: &Value) -> impl std::future::Future<Output = Result<Value, ModelError>>;
}

/// Tools answered in-process from the taxonomy (the server, the CLI, tests).
#[derive(Clone, Copy, Debug, Default)]
pub struct Local;

impl Tools for Local {
    async fn call(&self, name: &str, args: &Value) -> Result<Value, ModelError> {
        // A tool's own error goes back to the model as its answer; it is not a failed call.
        Ok(call(name, args).unwrap_or_else(|e| json!({"error": e})))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tools_answer_from_the_taxonomy_and_refuse_bad_arguments() {
        let cats = call("search_ad_categories", &json!({"query": "beer"})).expect("answers");
        assert!(cats["categories"].as_array().is_some_and(|c| !c.is_empty()), "{cats}");
        let geo = call("search_geo_targets", &json!({"query": "sao paulo"})).expect("answers");
        assert_eq!(geo["cities"][0]["country_code"], "BR", "{geo}");
        let genres = call("search_taxonomy", &json!({"kind": "genres", "query": "hip hop"})).expect("answers");
        assert!(genres["slugs"].as_array().is_some_and(|s| s.iter().any(|x| x == "hip-hop")), "{genres}");
        assert!(call("search_taxonomy", &json!({"kind": "moods", "query": "x"})).is_err());
        assert!(call("search_ad_categories", &json!({})).is_err());
        assert!(call("rm_rf", &json!({"query": "x"})).is_err());
        assert_eq!(declarations().iter().map(|d| d.name.as_str()).collect::<Vec<_>>(), NAMES);
    }
}

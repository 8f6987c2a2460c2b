//! Vertex AI's endpoint for Gemini models: the same `generateContent` body as the Gemini API
//! (`gemini.rs`), under a project and a region, with an OAuth2 bearer token (`auth.rs`) instead of a key.

use super::gemini;

/// The regional endpoint of `location`, or the global one for `global`.
pub(crate) fn default_base_url(location: &str) -> String {
    if location == "global" {
        "https://aiplatform.googleapis.com".to_owned()
    } else {
        format!("https://{location}-aiplatform.googleapis.com")
    }
}

/// The `generateContent` (or streaming) URL of a Google model in a project and region.
pub(crate) fn url(base: &str, project: &str, location: &str, model: &str, stream: bool) -> String {
    format!(
        "{base}/v1/projects/{project}/locations/{location}/publishers/google/models/{model}:{}",
        gemini::method(stream)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_follow_the_region() {
        assert_eq!(default_base_url("europe-west4"), "https://europe-west4-aiplatform.googleapis.com");
        assert_eq!(default_base_url("global"), "https://aiplatform.googleapis.com");
        assert_eq!(
            url("https://us-central1-aiplatform.googleapis.com", "p", "us-central1", "gemini-2.5-pro", true),
            "https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/publishers/google/\
             models/gemini-2.5-pro:streamGenerateContent?alt=sse"
        );
    }
}

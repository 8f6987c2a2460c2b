//! The Gemini `generateContent` protocol, which the Gemini API and Vertex AI share: the neutral request
//! as its JSON body, and its answers (whole, or one SSE chunk at a time) as neutral parts.
//!
//! Mapping, both ways:
//! - `system` → `systemInstruction`; roles `user`/`model`; tool results travel as role `user` with
//!   `functionResponse` parts (Gemini has no tool role).
//! - A `functionCall` part's `thoughtSignature` (a sibling of `functionCall` in the part, not inside it)
//!   becomes [`Part::FunctionCall`]'s `thought_signature` and goes back out unchanged: Gemini 3 refuses a
//!   function-calling history whose signatures were dropped or altered.
//! - Tools → `tools: [{functionDeclarations}]` with `parametersJsonSchema`, and the response schema →
//!   `responseMimeType: application/json` with `responseJsonSchema`: the neutral types carry JSON
//!   Schema, and these fields take JSON Schema as is (the older `parameters`/`responseSchema` take an
//!   OpenAPI subset).
//! - Gemini 2.5 refuses a response schema together with function calling, so when a request has tools
//!   the schema is described in the system instruction instead, and the caller validates the JSON.
//! - Thought summaries (`thought: true` parts) are not passed on; `usageMetadata` counts thinking
//!   tokens with the output, as they are billed.

use planner::llm::{ModelMessage, ModelRequest, ModelResponse, Part, Role, Usage};
use serde_json::{Map, Value, json};

use super::{LlmError, append_part, schema_instruction, temperature};

/// The Gemini API's endpoint.
pub const DEFAULT_BASE_URL: &str = "https://generativelanguage.googleapis.com";

/// The method part of the URL: `generateContent`, or the SSE variant of `streamGenerateContent`.
pub(crate) fn method(stream: bool) -> &'static str {
    if stream { "streamGenerateContent?alt=sse" } else { "generateContent" }
}

/// The Gemini API's URL for `model`.
pub(crate) fn url(base: &str, model: &str, stream: bool) -> String {
    format!("{base}/v1beta/models/{model}:{}", method(stream))
}

/// The request body.
pub(crate) fn body(request: &ModelRequest) -> Value {
    let mut system = request.system.clone();
    let mut generation = Map::new();
    if let Some(t) = request.temperature {
        generation.insert("temperature".into(), json!(temperature(t)));
    }
    if let Some(schema) = &request.response_schema {
        if request.tools.is_empty() {
            generation.insert("responseMimeType".into(), json!("application/json"));
            generation.insert("responseJsonSchema".into(), schema.clone());
        } else {
            if !system.is_empty() {
                system.push_str("\n\n");
            }
            system.push_str(&schema_instruction(schema));
        }
    }
    let mut body = Map::new();
    body.insert("contents".into(), Value::Array(request.messages.iter().map(content).collect()));
    if !system.is_empty() {
        body.insert("systemInstruction".into(), json!({ "parts": [{ "text": system }] }));
    }
    if !request.tools.is_empty() {
        let declarations: Vec<Value> = request
            .tools
            .iter()
            .map(|t| json!({ "name": t.name, "description": t.description, "parametersJsonSchema": t.parameters }))
            .collect();
        body.insert("tools".into(), json!([{ "functionDeclarations": declarations }]));
    }
    if !generation.is_empty() {
        body.insert("generationConfig".into(), Value::Object(generation));
    }
    Value::Object(body)
}

fn content(message: &ModelMessage) -> Value {
    let role = match message.role {
        Role::Model => "model",
        Role::User | Role::Tool => "user",
    };
    let parts: Vec<Value> = message.parts.iter().map(part).collect();
    json!({ "role": role, "parts": parts })
}

fn part(part: &Part) -> Value {
    match part {
        Part::Text { text } => json!({ "text": text }),
        Part::FunctionCall { id, name, args, thought_signature } => {
            let mut call = json!({ "name": name, "args": object(args) });
            if let Some(id) = id {
                call["id"] = json!(id);
            }
            let mut part = json!({ "functionCall": call });
            if let Some(signature) = thought_signature {
                part["thoughtSignature"] = json!(signature);
            }
            part
        }
        Part::FunctionResponse { id, name, response } => {
            let mut reply = json!({ "name": name, "response": object(response) });
            if let Some(id) = id {
                reply["id"] = json!(id);
            }
            json!({ "functionResponse": reply })
        }
    }
}

/// Gemini takes arguments and tool results as JSON objects (protobuf `Struct`); anything else is wrapped.
fn object(value: &Value) -> Value {
    match value {
        Value::Object(_) => value.clone(),
        Value::Null => json!({}),
        other => json!({ "result": other }),
    }
}

/// What one answer, or one stream chunk, says.
struct Chunk {
    parts: Vec<Part>,
    finish_reason: Option<String>,
    usage: Option<Usage>,
    model: Option<String>,
}

fn chunk(provider: &'static str, value: &Value) -> Result<Chunk, LlmError> {
    let bad = |message: &str| LlmError::BadResponse { provider, message: message.to_owned() };
    let Some(object) = value.as_object() else { return Err(bad("the answer is not a JSON object")) };
    let candidates = match object.get("candidates") {
        None => &[][..],
        Some(Value::Array(candidates)) => candidates.as_slice(),
        Some(_) => return Err(bad("`candidates` is not a list")),
    };
    if candidates.is_empty()
        && let Some(reason) = value.pointer("/promptFeedback/blockReason").and_then(Value::as_str)
    {
        return Err(LlmError::Refused { provider, reason: format!("the prompt was blocked ({reason})") });
    }
    let mut parts = Vec::new();
    let mut finish_reason = None;
    if let Some(candidate) = candidates.first() {
        finish_reason = candidate.get("finishReason").and_then(Value::as_str).map(str::to_owned);
        match candidate.pointer("/content/parts") {
            None | Some(Value::Null) => {}
            Some(Value::Array(raw)) => {
                for raw in raw {
                    if let Some(part) = read_part(raw).map_err(|m| bad(&m))? {
                        parts.push(part);
                    }
                }
            }
            Some(_) => return Err(bad("`content.parts` is not a list")),
        }
    }
    let usage = object.get("usageMetadata").map(|u| {
        let count = |field: &str| u.get(field).and_then(Value::as_u64).unwrap_or(0);
        Usage {
            input_tokens: count("promptTokenCount"),
            output_tokens: count("candidatesTokenCount") + count("thoughtsTokenCount"),
        }
    });
    let model = object.get("modelVersion").and_then(Value::as_str).map(str::to_owned);
    if candidates.is_empty() && usage.is_none() && model.is_none() {
        return Err(bad("it has no `candidates`"));
    }
    Ok(Chunk { parts, finish_reason, usage, model })
}

/// One answer part; `None` for kinds the neutral types do not carry (thought summaries, a lone
/// signature closing a text stream, inline data).
fn read_part(raw: &Value) -> Result<Option<Part>, String> {
    if raw.get("thought").and_then(Value::as_bool) == Some(true) {
        return Ok(None);
    }
    if let Some(call) = raw.get("functionCall") {
        let name = call.get("name").and_then(Value::as_str).ok_or("a `functionCall` has no `name`")?;
        return Ok(Some(Part::FunctionCall {
            id: call.get("id").and_then(Value::as_str).map(str::to_owned),
            name: name.to_owned(),
            args: call.get("args").cloned().unwrap_or_else(|| json!({})),
            thought_signature: raw.get("thoughtSignature").and_then(Value::as_str).map(str::to_owned),
        }));
    }
    match raw.get("text") {
        Some(Value::String(text)) if !text.is_empty() => Ok(Some(Part::Text { text: text.clone() })),
        Some(Value::String(_)) | None => Ok(None),
        Some(_) => Err("a part's `text` is not a string".to_owned()),
    }
}

/// A whole `generateContent` answer.
pub(crate) fn parse(provider: &'static str, value: &Value, model: &str) -> Result<ModelResponse, LlmError> {
    let chunk = chunk(provider, value)?;
    refused(provider, &chunk.parts, chunk.finish_reason.as_deref())?;
    Ok(ModelResponse {
        parts: chunk.parts,
        model: chunk.model.unwrap_or_else(|| model.to_owned()),
        usage: chunk.usage.unwrap_or_default(),
    })
}

/// An answer with no parts that stopped for another reason than finishing (`SAFETY`, `RECITATION`…).
fn refused(provider: &'static str, parts: &[Part], finish_reason: Option<&str>) -> Result<(), LlmError> {
    match finish_reason {
        Some(reason) if parts.is_empty() && reason != "STOP" && reason != "MAX_TOKENS" => {
            Err(LlmError::Refused { provider, reason: format!("it stopped with {reason}") })
        }
        _ => Ok(()),
    }
}

/// The state of one `streamGenerateContent?alt=sse` answer: each chunk is a whole answer object whose
/// parts are the new text (a delta) or whole function calls; the last one has `finishReason` and the
/// usage.
#[derive(Debug, Default)]
pub(crate) struct Stream {
    parts: Vec<Part>,
    usage: Usage,
    model: Option<String>,
    finish_reason: Option<String>,
}

impl Stream {
    /// Reads one event's data; returns the parts it adds, to pass on.
    pub(crate) fn push(&mut self, provider: &'static str, data: &str) -> Result<Vec<Part>, LlmError> {
        let value: Value = serde_json::from_str(data)
            .map_err(|e| LlmError::BadResponse { provider, message: format!("an event is not JSON ({e})") })?;
        if let Some(error) = value.get("error") {
            return Err(LlmError::Status {
                provider,
                status: error.get("code").and_then(Value::as_u64).and_then(|c| u16::try_from(c).ok()).unwrap_or(500),
                message: super::shorten(error.get("message").and_then(Value::as_str).unwrap_or("error"), 300),
                retry_after: super::retry::google_retry_delay(&value),
            });
        }
        let chunk = chunk(provider, &value)?;
        if let Some(usage) = chunk.usage {
            self.usage = usage;
        }
        self.model = chunk.model.or(self.model.take());
        self.finish_reason = chunk.finish_reason.or(self.finish_reason.take());
        for part in &chunk.parts {
            append_part(&mut self.parts, part.clone());
        }
        Ok(chunk.parts)
    }

    /// The whole answer, once the body has ended: an error if the model never said it finished.
    pub(crate) fn finish(self, provider: &'static str, model: &str) -> Result<ModelResponse, LlmError> {
        let Some(reason) = self.finish_reason else {
            return Err(LlmError::Unreachable {
                provider,
                message: "the stream ended before the answer was complete".to_owned(),
            });
        };
        refused(provider, &self.parts, Some(&reason))?;
        Ok(ModelResponse {
            parts: self.parts,
            model: self.model.unwrap_or_else(|| model.to_owned()),
            usage: self.usage,
        })
    }
}

#[cfg(test)]
mod tests {
    use planner::llm::ToolDecl;

    use super::*;

    fn text(role: Role, text: &str) -> ModelMessage {
        ModelMessage { role, parts: vec![Part::Text { text: text.into() }] }
    }

    #[test]
    fn the_body_maps_roles_tools_schema_and_signatures() {
        let call = Part::FunctionCall {
            id: None,
            name: "search_ad_categories".into(),
            args: json!({"query": "energy drink"}),
            thought_signature: Some("c2lnbmF0dXJl+/=".into()),
        };
        let request = ModelRequest {
            system: "Resolve the goal.".into(),
            messages: vec![
                text(Role::User, "energy drink"),
                ModelMessage { role: Role::Model, parts: vec![call] },
                ModelMessage {
                    role: Role::Tool,
                    parts: vec![Part::FunctionResponse {
                        id: None,
                        name: "search_ad_categories".into(),
                        response: json!([1, 2]),
                    }],
                },
            ],
            tools: vec![ToolDecl {
                name: "search_ad_categories".into(),
                description: "Search.".into(),
                parameters: json!({"type": "object"}),
            }],
            response_schema: Some(json!({"type": "object"})),
            temperature: Some(0.2),
        };
        let body = body(&request);
        assert_eq!(body["contents"][0], json!({"role": "user", "parts": [{"text": "energy drink"}]}));
        assert_eq!(
            body["contents"][1]["parts"][0],
            json!({"functionCall": {"name": "search_ad_categories", "args": {"query": "energy drink"}},
                   "thoughtSignature": "c2lnbmF0dXJl+/="})
        );
        assert_eq!(body["contents"][2]["role"], "user");
        assert_eq!(body["contents"][2]["parts"][0]["functionResponse"]["response"], json!({"result": [1, 2]}));
        assert_eq!(body["tools"][0]["functionDeclarations"][0]["parametersJsonSchema"], json!({"type": "object"}));
        // With tools, the schema goes into the instruction, not the generation config.
        assert_eq!(body["generationConfig"], json!({"temperature": 0.2}));
        let system = body["systemInstruction"]["parts"][0]["text"].as_str().expect("text");
        assert!(system.starts_with("Resolve the goal.\n\n") && system.contains("JSON Schema"), "{system}");

        let plain = ModelRequest { tools: vec![], ..request };
        let body = super::body(&plain);
        assert_eq!(body["generationConfig"]["responseMimeType"], "application/json");
        assert_eq!(body["generationConfig"]["responseJsonSchema"], json!({"type": "object"}));
        assert_eq!(body["systemInstruction"]["parts"][0]["text"], "Resolve the goal.");
    }

    #[test]
    fn answers_map_to_parts_usage_and_model() {
        let answer = json!({
            "candidates": [{"content": {"role": "model", "parts": [
                {"text": "thinking…", "thought": true},
                {"text": "Here."},
                {"functionCall": {"name": "f", "args": {"a": 1}}, "thoughtSignature": "sig=="}
            ]}, "finishReason": "STOP"}],
            "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 4, "thoughtsTokenCount": 3},
            "modelVersion": "gemini-2.5-flash-001"
        });
        let response = parse("gemini", &answer, "gemini-2.5-flash").expect("parsed");
        assert_eq!(response.model, "gemini-2.5-flash-001");
        assert_eq!(response.usage, Usage { input_tokens: 10, output_tokens: 7 });
        assert_eq!(
            response.parts,
            vec![
                Part::Text { text: "Here.".into() },
                Part::FunctionCall {
                    id: None,
                    name: "f".into(),
                    args: json!({"a": 1}),
                    thought_signature: Some("sig==".into())
                }
            ]
        );
    }

    #[test]
    fn blocked_and_malformed_answers_are_errors() {
        let blocked = json!({"promptFeedback": {"blockReason": "SAFETY"}});
        assert_eq!(parse("gemini", &blocked, "m").expect_err("blocked").code(), "llm_refused");
        let stopped = json!({"candidates": [{"finishReason": "SAFETY"}]});
        assert_eq!(parse("gemini", &stopped, "m").expect_err("stopped").code(), "llm_refused");
        for bad in [
            json!([]),
            json!({"candidates": 3}),
            json!({"foo": 1}),
            json!({"candidates": [{"content": {"parts": {}}}]}),
        ] {
            assert_eq!(parse("gemini", &bad, "m").expect_err("malformed").code(), "llm_bad_response", "{bad}");
        }
    }

    #[test]
    fn a_stream_accumulates_deltas_and_needs_a_finish_reason() {
        let mut stream = Stream::default();
        let first = stream
            .push("gemini", r#"{"candidates":[{"content":{"role":"model","parts":[{"text":"Hel"}]}}]}"#)
            .expect("chunk");
        assert_eq!(first, vec![Part::Text { text: "Hel".into() }]);
        stream.push("gemini", r#"{"candidates":[{"content":{"parts":[{"text":"lo"}]}}]}"#).expect("chunk");
        let unfinished = Stream { ..Default::default() };
        assert_eq!(unfinished.finish("gemini", "m").expect_err("cut").code(), "llm_unreachable");
        stream
            .push(
                "gemini",
                r#"{"candidates":[{"content":{"parts":[{"text":""}]},"finishReason":"STOP"}],
                    "usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":2}}"#,
            )
            .expect("chunk");
        let response = stream.finish("gemini", "m").expect("finished");
        assert_eq!(response.parts, vec![Part::Text { text: "Hello".into() }]);
        assert_eq!(response.usage, Usage { input_tokens: 5, output_tokens: 2 });
    }
}

//! The OpenAI chat-completions protocol (`POST /v1/chat/completions`), as OpenAI, Ollama, vLLM and
//! llama.cpp's server speak it: the neutral request as its JSON body, and its answers (whole, or one SSE
//! chunk at a time) as neutral parts.
//!
//! Mapping, both ways:
//! - `system` → a first `system` message; role `model` → `assistant`, whose function calls are
//!   `tool_calls` with ids and JSON-text `arguments`; each function response → a `tool` message with
//!   the `tool_call_id` it answers. A call without an id (a history from another provider) gets a
//!   positional one, and the response to it the same.
//! - Tools → `tools: [{type: function, function: {name, description, parameters}}]`, unless the server
//!   has no function calling (`MIXTAPE_LLM_OPENAI_TOOLS=false`): then tools are left out and calls and
//!   results in the history are written as text.
//! - The response schema → `response_format` per [`JsonMode`]; with `json_object` or `none` the schema
//!   is described in the system message.
//! - Streaming (`stream: true`, with `stream_options.include_usage` for the token counts): text deltas
//!   pass on at once; a tool call's `arguments` arrive in pieces and the call passes on whole, when the
//!   next call starts or the choice finishes. `data: [DONE]` ends the stream.

use planner::llm::{ModelMessage, ModelRequest, ModelResponse, Part, Role, Usage};
use serde_json::{Map, Value, json};

use super::config::JsonMode;
use super::{LlmError, append_part, schema_instruction, shorten, temperature};

/// OpenAI's endpoint.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com";

/// The chat-completions URL under `base` (which may already end in `/v1`, as Ollama's docs write it).
pub(crate) fn url(base: &str) -> String {
    if base.ends_with("/v1") { format!("{base}/chat/completions") } else { format!("{base}/v1/chat/completions") }
}

/// What the body depends on besides the request.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Options<'a> {
    pub(crate) model: &'a str,
    pub(crate) json_mode: JsonMode,
    pub(crate) tools: bool,
    pub(crate) stream: bool,
}

/// The request body.
pub(crate) fn body(request: &ModelRequest, options: Options<'_>) -> Value {
    let mut system = request.system.clone();
    let mut body = Map::new();
    body.insert("model".into(), json!(options.model));
    if let Some(schema) = &request.response_schema {
        let format = match options.json_mode {
            JsonMode::JsonSchema => Some(json!({
                "type": "json_schema",
                "json_schema": { "name": "answer", "schema": schema }
            })),
            JsonMode::JsonObject => Some(json!({ "type": "json_object" })),
            JsonMode::None => None,
        };
        if options.json_mode != JsonMode::JsonSchema {
            if !system.is_empty() {
                system.push_str("\n\n");
            }
            system.push_str(&schema_instruction(schema));
        }
        if let Some(format) = format {
            body.insert("response_format".into(), format);
        }
    }
    let mut messages = Vec::new();
    if !system.is_empty() {
        messages.push(json!({ "role": "system", "content": system }));
    }
    let mut ids = CallIds::default();
    for message in &request.messages {
        write_message(message, options.tools, &mut ids, &mut messages);
    }
    body.insert("messages".into(), Value::Array(messages));
    if options.tools && !request.tools.is_empty() {
        let tools: Vec<Value> = request
            .tools
            .iter()
            .map(|t| {
                json!({
                    "type": "function",
                    "function": { "name": t.name, "description": t.description, "parameters": t.parameters }
                })
            })
            .collect();
        body.insert("tools".into(), Value::Array(tools));
    }
    if let Some(t) = request.temperature {
        body.insert("temperature".into(), json!(temperature(t)));
    }
    if options.stream {
        body.insert("stream".into(), json!(true));
        body.insert("stream_options".into(), json!({ "include_usage": true }));
    }
    Value::Object(body)
}

/// Ids for calls that came without one, so that each tool message still names the call it answers.
#[derive(Default)]
struct CallIds {
    next: usize,
    /// (tool name, id) of calls given an id here and not yet answered, oldest first.
    pending: Vec<(String, String)>,
}

impl CallIds {
    fn for_call(&mut self, id: &Option<String>, name: &str) -> String {
        id.clone().unwrap_or_else(|| {
            self.next += 1;
            let id = format!("call_{}", self.next);
            self.pending.push((name.to_owned(), id.clone()));
            id
        })
    }

    fn for_response(&mut self, id: &Option<String>, name: &str) -> String {
        if let Some(id) = id {
            return id.clone();
        }
        match self.pending.iter().position(|(n, _)| n == name) {
            Some(i) => self.pending.remove(i).1,
            None => format!("call_{name}"),
        }
    }
}

fn write_message(message: &ModelMessage, tools: bool, ids: &mut CallIds, out: &mut Vec<Value>) {
    let mut text = String::new();
    let mut calls = Vec::new();
    let mut results = Vec::new();
    for part in &message.parts {
        match part {
            Part::Text { text: t } => text.push_str(t),
            Part::FunctionCall { id, name, args, .. } if tools => calls.push(json!({
                "id": ids.for_call(id, name),
                "type": "function",
                "function": { "name": name, "arguments": args.to_string() }
            })),
            Part::FunctionCall { name, args, .. } => text.push_str(&format!("[called the tool `{name}` with {args}]")),
            Part::FunctionResponse { id, name, response } if tools => results.push(json!({
                "role": "tool",
                "tool_call_id": ids.for_response(id, name),
                "content": response.to_string()
            })),
            Part::FunctionResponse { name, response, .. } => {
                text.push_str(&format!("The tool `{name}` answered: {response}\n"));
            }
        }
    }
    match message.role {
        Role::Model => {
            let mut assistant =
                json!({ "role": "assistant", "content": if text.is_empty() { Value::Null } else { json!(text) } });
            if !calls.is_empty() {
                assistant["tool_calls"] = Value::Array(calls);
            }
            out.push(assistant);
        }
        Role::User | Role::Tool => {
            out.extend(results);
            if !text.is_empty() {
                out.push(json!({ "role": "user", "content": text }));
            }
        }
    }
}

fn bad(provider: &'static str, message: impl Into<String>) -> LlmError {
    LlmError::BadResponse { provider, message: message.into() }
}

/// A call's `arguments`: JSON text (some servers send the object itself); empty means no arguments.
fn arguments(provider: &'static str, name: &str, raw: &Value) -> Result<Value, LlmError> {
    match raw {
        Value::String(text) if text.trim().is_empty() => Ok(json!({})),
        Value::String(text) => serde_json::from_str(text)
            .map_err(|_| bad(provider, format!("the model's arguments for the tool `{name}` are not JSON"))),
        Value::Object(_) => Ok(raw.clone()),
        Value::Null => Ok(json!({})),
        _ => Err(bad(provider, format!("the arguments for the tool `{name}` are not a JSON object"))),
    }
}

fn usage(value: &Value) -> Option<Usage> {
    let usage = value.get("usage").filter(|u| u.is_object())?;
    let count = |field: &str| usage.get(field).and_then(Value::as_u64).unwrap_or(0);
    Some(Usage { input_tokens: count("prompt_tokens"), output_tokens: count("completion_tokens") })
}

/// A 200 whose body is an error object (some servers answer so).
fn embedded_error(provider: &'static str, value: &Value) -> Option<LlmError> {
    let error = value.get("error")?;
    let message = error.get("message").and_then(Value::as_str).or(error.as_str()).unwrap_or("error");
    let status = error.get("code").and_then(Value::as_u64).and_then(|c| u16::try_from(c).ok()).unwrap_or(500);
    Some(LlmError::Status { provider, status, message: shorten(message, 300), retry_after: None })
}

/// A whole chat-completions answer.
pub(crate) fn parse(provider: &'static str, value: &Value, model: &str) -> Result<ModelResponse, LlmError> {
    if let Some(error) = embedded_error(provider, value) {
        return Err(error);
    }
    let choice = value
        .get("choices")
        .and_then(Value::as_array)
        .and_then(|c| c.first())
        .ok_or_else(|| bad(provider, "it has no `choices`"))?;
    let message = choice.get("message").filter(|m| m.is_object()).ok_or_else(|| bad(provider, "no `message`"))?;
    let mut parts = Vec::new();
    match message.get("content") {
        Some(Value::String(text)) if !text.is_empty() => parts.push(Part::Text { text: text.clone() }),
        Some(Value::String(_) | Value::Null) | None => {}
        Some(_) => return Err(bad(provider, "the message's `content` is not text")),
    }
    if let Some(calls) = message.get("tool_calls").filter(|c| !c.is_null()) {
        let calls = calls.as_array().ok_or_else(|| bad(provider, "`tool_calls` is not a list"))?;
        for call in calls {
            let name = call
                .pointer("/function/name")
                .and_then(Value::as_str)
                .ok_or_else(|| bad(provider, "a tool call has no `function.name`"))?;
            parts.push(Part::FunctionCall {
                id: call.get("id").and_then(Value::as_str).map(str::to_owned),
                name: name.to_owned(),
                args: arguments(provider, name, call.pointer("/function/arguments").unwrap_or(&Value::Null))?,
                thought_signature: None,
            });
        }
    }
    let finish_reason = choice.get("finish_reason").and_then(Value::as_str);
    if parts.is_empty() && finish_reason == Some("content_filter") {
        return Err(LlmError::Refused { provider, reason: "its content filter stopped it".to_owned() });
    }
    Ok(ModelResponse {
        parts,
        model: value.get("model").and_then(Value::as_str).unwrap_or(model).to_owned(),
        usage: usage(value).unwrap_or_default(),
    })
}

/// A tool call whose pieces are still arriving.
#[derive(Debug)]
struct PendingCall {
    index: u64,
    id: Option<String>,
    name: String,
    arguments: String,
}

/// The state of one streamed answer.
#[derive(Debug, Default)]
pub(crate) struct Stream {
    parts: Vec<Part>,
    pending: Vec<PendingCall>,
    usage: Usage,
    model: Option<String>,
    finish_reason: Option<String>,
    done: bool,
}

impl Stream {
    /// Reads one event's data; returns the parts it completes, to pass on.
    pub(crate) fn push(&mut self, provider: &'static str, data: &str) -> Result<Vec<Part>, LlmError> {
        let mut out = Vec::new();
        if data.trim() == "[DONE]" {
            self.done = true;
            self.flush(provider, &mut out)?;
            return Ok(out);
        }
        let value: Value =
            serde_json::from_str(data).map_err(|e| bad(provider, format!("an event is not JSON ({e})")))?;
        if let Some(error) = embedded_error(provider, &value) {
            return Err(error);
        }
        if let Some(usage) = usage(&value) {
            self.usage = usage;
        }
        if let Some(model) = value.get("model").and_then(Value::as_str) {
            self.model = Some(model.to_owned());
        }
        let choices = value.get("choices").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        for choice in choices.iter().filter(|c| c.get("index").and_then(Value::as_u64).unwrap_or(0) == 0) {
            let delta = choice.get("delta").unwrap_or(&Value::Null);
            if let Some(text) = delta.get("content").and_then(Value::as_str).filter(|t| !t.is_empty()) {
                let part = Part::Text { text: text.to_owned() };
                append_part(&mut self.parts, part.clone());
                out.push(part);
            }
            for call in delta.get("tool_calls").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
                let index = call.get("index").and_then(Value::as_u64).unwrap_or(0);
                if self.pending.last().is_some_and(|p| p.index != index) {
                    // A new call starts: the ones before it are complete.
                    self.flush(provider, &mut out)?;
                }
                if self.pending.is_empty() {
                    self.pending.push(PendingCall { index, id: None, name: String::new(), arguments: String::new() });
                }
                if let Some(pending) = self.pending.last_mut() {
                    if let Some(id) = call.get("id").and_then(Value::as_str) {
                        pending.id = Some(id.to_owned());
                    }
                    if let Some(name) = call.pointer("/function/name").and_then(Value::as_str) {
                        pending.name.push_str(name);
                    }
                    match call.pointer("/function/arguments") {
                        Some(Value::String(piece)) => pending.arguments.push_str(piece),
                        Some(object @ Value::Object(_)) => pending.arguments.push_str(&object.to_string()),
                        _ => {}
                    }
                }
            }
            if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str) {
                self.finish_reason = Some(reason.to_owned());
                self.flush(provider, &mut out)?;
            }
        }
        Ok(out)
    }

    /// Whether `[DONE]` arrived: nothing more will come.
    pub(crate) fn is_done(&self) -> bool {
        self.done
    }

    fn flush(&mut self, provider: &'static str, out: &mut Vec<Part>) -> Result<(), LlmError> {
        for call in std::mem::take(&mut self.pending) {
            if call.name.is_empty() {
                return Err(bad(provider, "a streamed tool call has no name"));
            }
            let args = arguments(provider, &call.name, &Value::String(call.arguments))?;
            let part = Part::FunctionCall { id: call.id, name: call.name, args, thought_signature: None };
            self.parts.push(part.clone());
            out.push(part);
        }
        Ok(())
    }

    /// The whole answer, once the body has ended: an error if it ended before `[DONE]` or a finish reason.
    pub(crate) fn finish(mut self, provider: &'static str, model: &str) -> Result<ModelResponse, LlmError> {
        if !self.done && self.finish_reason.is_none() {
            return Err(LlmError::Unreachable {
                provider,
                message: "the stream ended before the answer was complete".to_owned(),
            });
        }
        self.flush(provider, &mut Vec::new())?;
        if self.parts.is_empty() && self.finish_reason.as_deref() == Some("content_filter") {
            return Err(LlmError::Refused { provider, reason: "its content filter stopped it".to_owned() });
        }
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

    const OPTIONS: Options<'static> =
        Options { model: "m", json_mode: JsonMode::JsonSchema, tools: true, stream: false };

    fn history() -> ModelRequest {
        ModelRequest {
            system: "Be brief.".into(),
            messages: vec![
                ModelMessage { role: Role::User, parts: vec![Part::Text { text: "hi".into() }] },
                ModelMessage {
                    role: Role::Model,
                    parts: vec![Part::FunctionCall {
                        id: None,
                        name: "lookup".into(),
                        args: json!({"q": "x"}),
                        thought_signature: None,
                    }],
                },
                ModelMessage {
                    role: Role::Tool,
                    parts: vec![Part::FunctionResponse { id: None, name: "lookup".into(), response: json!({"ok": 1}) }],
                },
            ],
            tools: vec![ToolDecl {
                name: "lookup".into(),
                description: "d".into(),
                parameters: json!({"type": "object"}),
            }],
            response_schema: Some(json!({"type": "object"})),
            temperature: Some(0.7),
        }
    }

    #[test]
    fn urls_accept_a_base_with_or_without_v1() {
        assert_eq!(url("http://127.0.0.1:11434"), "http://127.0.0.1:11434/v1/chat/completions");
        assert_eq!(url("http://127.0.0.1:11434/v1"), "http://127.0.0.1:11434/v1/chat/completions");
    }

    #[test]
    fn the_body_maps_calls_to_tool_messages_with_matching_ids() {
        let body = body(&history(), OPTIONS);
        let messages = body["messages"].as_array().expect("messages");
        assert_eq!(messages[0], json!({"role": "system", "content": "Be brief."}));
        assert_eq!(messages[1], json!({"role": "user", "content": "hi"}));
        assert_eq!(messages[2]["role"], "assistant");
        assert_eq!(messages[2]["content"], Value::Null);
        assert_eq!(messages[2]["tool_calls"][0]["function"]["arguments"], "{\"q\":\"x\"}");
        let id = messages[2]["tool_calls"][0]["id"].clone();
        assert_eq!(messages[3], json!({"role": "tool", "tool_call_id": id, "content": "{\"ok\":1}"}));
        assert_eq!(body["tools"][0]["function"]["name"], "lookup");
        assert_eq!(body["response_format"]["type"], "json_schema");
        assert_eq!(body["response_format"]["json_schema"]["schema"], json!({"type": "object"}));
        assert_eq!(body["temperature"], json!(0.7));
        assert!(body.get("stream").is_none());
    }

    #[test]
    fn servers_without_tools_or_json_schema_get_text() {
        let body = body(&history(), Options { json_mode: JsonMode::None, tools: false, stream: true, ..OPTIONS });
        assert!(body.get("tools").is_none() && body.get("response_format").is_none());
        let messages = body["messages"].as_array().expect("messages");
        assert!(messages[0]["content"].as_str().expect("system").contains("JSON Schema"));
        assert!(messages[2]["content"].as_str().expect("call as text").contains("lookup"));
        assert_eq!(messages[3]["role"], "user");
        assert_eq!(body["stream"], true);
        let object = super::body(&history(), Options { json_mode: JsonMode::JsonObject, ..OPTIONS });
        assert_eq!(object["response_format"], json!({"type": "json_object"}));
    }

    #[test]
    fn answers_map_to_parts() {
        let answer = json!({
            "model": "llama3.2:1b",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": null, "tool_calls": [
                {"id": "call_9", "type": "function", "function": {"name": "lookup", "arguments": "{\"q\":\"y\"}"}}
            ]}, "finish_reason": "tool_calls"}],
            "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}
        });
        let response = parse("openai", &answer, "m").expect("parsed");
        assert_eq!(response.model, "llama3.2:1b");
        assert_eq!(response.usage, Usage { input_tokens: 12, output_tokens: 3 });
        assert!(matches!(&response.parts[0], Part::FunctionCall { id: Some(id), args, .. }
            if id == "call_9" && args == &json!({"q": "y"})));
        let broken = json!({"choices": [{"message": {"tool_calls": [{"function": {"name": "f", "arguments": "{"}}]}}]});
        assert_eq!(parse("openai", &broken, "m").expect_err("bad").code(), "llm_bad_response");
        assert_eq!(parse("openai", &json!({"object": "list"}), "m").expect_err("bad").code(), "llm_bad_response");
    }

    #[test]
    fn a_stream_accumulates_tool_call_deltas() {
        let mut stream = Stream::default();
        let events = [
            r#"{"model":"gpt","choices":[{"index":0,"delta":{"role":"assistant","content":"Let me "}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":"check."}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"lookup","arguments":""}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"q\":"}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"z\"}"}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_b","function":{"name":"other","arguments":"{}"}}]}}]}"#,
        ];
        let mut passed = Vec::new();
        for event in events {
            passed.extend(stream.push("openai", event).expect("chunk"));
        }
        // The first call passed on when the second began; the second is still open.
        assert_eq!(passed.len(), 3);
        assert!(
            matches!(&passed[2], Part::FunctionCall { name, args, .. } if name == "lookup" && args == &json!({"q": "z"}))
        );
        passed.extend(
            stream.push("openai", r#"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#).expect("end"),
        );
        assert_eq!(passed.len(), 4);
        stream.push("openai", r#"{"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":4}}"#).expect("usage");
        assert!(stream.push("openai", "[DONE]").expect("done").is_empty());
        assert!(stream.is_done());
        let response = stream.finish("openai", "m").expect("whole");
        assert_eq!(response.parts.len(), 3);
        assert_eq!(response.parts[0], Part::Text { text: "Let me check.".into() });
        assert_eq!(response.usage, Usage { input_tokens: 9, output_tokens: 4 });
        assert_eq!(response.model, "gpt");
    }

    #[test]
    fn a_stream_without_an_end_is_an_error() {
        let mut stream = Stream::default();
        stream.push("openai", r#"{"choices":[{"index":0,"delta":{"content":"Hi"}}]}"#).expect("chunk");
        assert_eq!(stream.finish("openai", "m").expect_err("cut").code(), "llm_unreachable");
    }
}

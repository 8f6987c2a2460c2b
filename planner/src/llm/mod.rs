//! Language models where the rules run out: the provider-neutral wire types the server's proxy speaks
//! ([`ModelRequest`], [`ModelResponse`]) and the traits through which resolvers reach a model ([`Model`])
//! and the tools that ground it ([`Tools`]). No network here: the server implements [`Model`] over Gemini,
//! Vertex AI or an OpenAI-compatible endpoint, the browser over the server's proxy.

use std::future::Future;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub mod assist;
pub mod tools;

/// Who wrote a message of the conversation with the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The caller (the resolver, speaking for the user).
    User,
    /// The model.
    Model,
    /// Results of the tools the model called.
    Tool,
}

/// One piece of a message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Part {
    /// Plain text.
    Text {
        /// The text.
        text: String,
    },
    /// The model asks for a tool to be called.
    FunctionCall {
        /// The provider's call id (OpenAI-compatible servers need it echoed back), if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// The tool's name.
        name: String,
        /// Its arguments, a JSON object.
        args: Value,
        /// Gemini's opaque thought signature: must come back unchanged with the call in the next request.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        thought_signature: Option<String>,
    },
    /// A tool's answer to a call.
    FunctionResponse {
        /// The call's id, if it had one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// The tool's name.
        name: String,
        /// Its result, a JSON object.
        response: Value,
    },
}

/// One message of the conversation with the model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelMessage {
    /// Who wrote it.
    pub role: Role,
    /// What it says.
    pub parts: Vec<Part>,
}

/// A tool the model may call, with its parameters as JSON Schema.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ToolDecl {
    /// Name, `[a-z_]+`.
    pub name: String,
    /// What it does, for the model.
    pub description: String,
    /// JSON Schema of its arguments (an object schema).
    pub parameters: Value,
}

/// A provider-neutral request: what every provider can be asked.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelRequest {
    /// The system instruction.
    #[serde(default)]
    pub system: String,
    /// The conversation so far.
    pub messages: Vec<ModelMessage>,
    /// Tools the model may call.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<ToolDecl>,
    /// JSON Schema the answer must follow (structured output), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_schema: Option<Value>,
    /// Sampling temperature, 0–2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
}

/// Tokens counted by the provider.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Prompt tokens.
    pub input_tokens: u64,
    /// Completion tokens.
    pub output_tokens: u64,
}

/// A provider-neutral answer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelResponse {
    /// The model's message: text and/or function calls.
    pub parts: Vec<Part>,
    /// Which model answered.
    #[serde(default)]
    pub model: String,
    /// Tokens used.
    #[serde(default)]
    pub usage: Usage,
}

impl ModelResponse {
    /// All text parts, joined.
    pub fn text(&self) -> String {
        self.parts
            .iter()
            .filter_map(|p| match p {
                Part::Text { text } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The function calls, in order.
    pub fn calls(&self) -> impl Iterator<Item = &Part> {
        self.parts.iter().filter(|p| matches!(p, Part::FunctionCall { .. }))
    }
}

/// Why a model call failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the language model is unavailable: {0}")]
pub struct ModelError(pub String);

/// A language model. Async without a runtime: the server's proxy client implements it natively, the
/// browser over HTTP.
pub trait Model {
    /// One round trip.
    fn generate(&self, request: &ModelRequest) -> impl Future<Output = Result<ModelResponse, ModelError>>;
}

/// No model: every call fails. The type of "rules only".
#[derive(Clone, Copy, Debug, Default)]
pub struct NoModel;

impl Model for NoModel {
    async fn generate(&self, _: &ModelRequest) -> Result<ModelResponse, ModelError> {
        Err(ModelError("no language model is configured".to_owned()))
    }
}

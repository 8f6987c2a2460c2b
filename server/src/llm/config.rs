//! Which model the server may call, read once at start from the environment ([`Config::from_env`]).
//!
//! Everything is checked here, so that a wrong setting stops `mixtape serve` or `mixtape plan` with one
//! clear line instead of failing on the first request: an unknown provider, a missing key, an unreadable
//! key or credentials file, a base URL with credentials in it. Error messages name variables and files,
//! never a secret's value. `docs/llm.md` documents every variable.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::secret::Secret;

/// A model call (every attempt and wait included) takes at most this long unless configured.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest per-call timeout accepted; the HTTP routes' own limit is above it.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(300);
/// Requests per minute one client may send to the model routes unless configured.
pub const DEFAULT_RATE_PER_MINUTE: u32 = 60;
/// How many requests one client may send at once before the per-minute rate applies.
pub const DEFAULT_RATE_BURST: u32 = 20;
/// Vertex AI's region unless `GOOGLE_CLOUD_LOCATION` says otherwise.
pub const DEFAULT_VERTEX_LOCATION: &str = "us-central1";

/// Google's OAuth2 token endpoint, for Application Default Credentials of type `authorized_user`.
pub const GOOGLE_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
/// The GCE/Cloud Run metadata server's token endpoint for the default service account.
pub const METADATA_TOKEN_URL: &str =
    "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token";

/// The proxy's whole configuration. Build it with [`Config::from_env`] (or [`Config::from_vars`] in
/// tests); the fields are public so that tests and benchmarks can adjust timings.
#[derive(Clone, Debug)]
pub struct Config {
    /// The provider and its credentials.
    pub provider: Provider,
    /// The model every call goes to (`MIXTAPE_LLM_MODEL`); callers cannot choose another.
    pub model: String,
    /// Overrides the provider's endpoint (`MIXTAPE_LLM_BASE_URL`): scheme, host, port and optional path
    /// prefix, without a trailing `/`.
    pub base_url: Option<String>,
    /// How long one call may take, retries included (`MIXTAPE_LLM_TIMEOUT_SECS`).
    pub timeout: Duration,
    /// When and how often a failed attempt is tried again.
    pub retry: RetryPolicy,
    /// Per-client admission to the HTTP routes.
    pub rate: RateLimit,
}

/// The provider the proxy forwards to, with what it needs to authenticate.
#[derive(Clone, Debug)]
pub enum Provider {
    /// The Gemini API (`generativelanguage.googleapis.com`), with an API key.
    Gemini {
        /// `GEMINI_API_KEY` (or the contents of `GEMINI_API_KEY_FILE`).
        api_key: Secret,
    },
    /// Gemini on Vertex AI, with OAuth2 access tokens.
    Vertex {
        /// `GOOGLE_CLOUD_PROJECT`, else the credentials file's project.
        project: String,
        /// `GOOGLE_CLOUD_LOCATION`, default [`DEFAULT_VERTEX_LOCATION`]; `global` is the global endpoint.
        location: String,
        /// Where access tokens come from.
        credentials: Credentials,
        /// `MIXTAPE_LLM_TOKEN_URL`: where to fetch tokens instead of the credentials' own endpoint.
        token_url: Option<String>,
    },
    /// Any OpenAI-compatible chat-completions server: OpenAI, Ollama, vLLM, llama.cpp's server.
    OpenAi {
        /// `OPENAI_API_KEY` (or `OPENAI_API_KEY_FILE`); local servers usually need none.
        api_key: Option<Secret>,
        /// How to ask for structured output (`MIXTAPE_LLM_OPENAI_JSON_MODE`).
        json_mode: JsonMode,
        /// Whether the server supports function calling (`MIXTAPE_LLM_OPENAI_TOOLS`).
        tools: bool,
    },
}

/// Which kind of provider, for logs, metrics and `/api/llm/status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProviderKind {
    /// The Gemini API.
    Gemini,
    /// Vertex AI.
    Vertex,
    /// An OpenAI-compatible server.
    OpenAi,
}

impl ProviderKind {
    /// The name `MIXTAPE_LLM_PROVIDER` takes.
    pub fn name(self) -> &'static str {
        match self {
            ProviderKind::Gemini => "gemini",
            ProviderKind::Vertex => "vertex",
            ProviderKind::OpenAi => "openai",
        }
    }
}

impl Provider {
    /// Which kind this is.
    pub fn kind(&self) -> ProviderKind {
        match self {
            Provider::Gemini { .. } => ProviderKind::Gemini,
            Provider::Vertex { .. } => ProviderKind::Vertex,
            Provider::OpenAi { .. } => ProviderKind::OpenAi,
        }
    }

    /// The secrets this provider holds, to scrub from anything a provider says back.
    pub(crate) fn secrets(&self) -> Vec<&Secret> {
        match self {
            Provider::Gemini { api_key } => vec![api_key],
            Provider::OpenAi { api_key, .. } => api_key.iter().collect(),
            Provider::Vertex { credentials, .. } => match credentials {
                Credentials::ServiceAccount { private_key, .. } => vec![private_key],
                Credentials::AuthorizedUser { client_secret, refresh_token, .. } => vec![client_secret, refresh_token],
                Credentials::MetadataServer => vec![],
            },
        }
    }
}

/// Where Vertex AI access tokens come from.
#[derive(Clone, Debug)]
pub enum Credentials {
    /// A service account's JSON key file: the proxy signs an RS256 JWT with its key and exchanges it at
    /// its `token_uri`.
    ServiceAccount {
        /// The account's e-mail address (the JWT's issuer).
        client_email: String,
        /// Its PEM private key.
        private_key: Secret,
        /// The key's id (the JWT's `kid`), if the file names it.
        private_key_id: Option<String>,
        /// Where to exchange the JWT (the JWT's audience).
        token_uri: String,
    },
    /// Application Default Credentials of a user (`gcloud auth application-default login`): a refresh
    /// token exchanged at Google's token endpoint.
    AuthorizedUser {
        /// The OAuth client's id.
        client_id: String,
        /// The OAuth client's secret.
        client_secret: Secret,
        /// The user's refresh token.
        refresh_token: Secret,
    },
    /// The metadata server of the machine (Compute Engine, Cloud Run, GKE): no file at all.
    MetadataServer,
}

/// How an OpenAI-compatible server is asked for JSON that follows the request's schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonMode {
    /// `response_format: {type: "json_schema", json_schema: {...}}` (OpenAI, vLLM, llama.cpp, Ollama).
    JsonSchema,
    /// `response_format: {type: "json_object"}`, the schema described in the system instruction.
    JsonObject,
    /// No `response_format`; the schema described in the system instruction only.
    None,
}

/// Retries of failed attempts: exponential backoff with full jitter, or the provider's own delay.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// Attempts per call, the first included.
    pub max_attempts: u32,
    /// The backoff before the second attempt is drawn from `0..=base_delay`, before the third from
    /// `0..=2 × base_delay`, and so on.
    pub base_delay: Duration,
    /// No backoff is drawn above this; a provider asking for a longer wait than the call has left is
    /// not retried.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_attempts: 3, base_delay: Duration::from_millis(500), max_delay: Duration::from_secs(8) }
    }
}

/// Per-client token bucket on the model routes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Sustained requests per minute (`MIXTAPE_LLM_RATE_PER_MINUTE`).
    pub per_minute: u32,
    /// Requests that may arrive at once (`MIXTAPE_LLM_RATE_BURST`).
    pub burst: u32,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit { per_minute: DEFAULT_RATE_PER_MINUTE, burst: DEFAULT_RATE_BURST }
    }
}

/// Why the configuration cannot be used. Messages name the variable or file to fix, never a secret.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A variable is missing or has a value that cannot be used.
    #[error("{var}: {reason}")]
    Invalid {
        /// The environment variable to fix.
        var: &'static str,
        /// What is wrong and what would do.
        reason: String,
    },
    /// A key or credentials file cannot be read.
    #[error("could not read {} (named by {var}): {source}", path.display())]
    File {
        /// The variable that names the file.
        var: &'static str,
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A Google credentials file is not one the proxy can use.
    #[error("{} is not usable Google credentials: {reason}", path.display())]
    Credentials {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The HTTP client could not be built (TLS set-up).
    #[error("could not set up the HTTP client for the language model: {0}")]
    Client(String),
}

fn invalid(var: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { var, reason: reason.into() }
}

impl Config {
    /// Reads the process environment. `Ok(None)` when `MIXTAPE_LLM_PROVIDER` is unset, empty or `none`:
    /// no model, rules only.
    pub fn from_env() -> Result<Option<Config>, ConfigError> {
        Config::from_vars(|name| std::env::var(name).ok())
    }

    /// Reads the variables `var` answers (a map in tests: changing the process environment is unsafe
    /// in a multi-threaded test binary). Empty values count as unset.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Option<Config>, ConfigError> {
        let get = |name: &str| var(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let Some(name) = get("MIXTAPE_LLM_PROVIDER") else { return Ok(None) };
        let kind = match name.to_ascii_lowercase().as_str() {
            "none" => return Ok(None),
            "gemini" => ProviderKind::Gemini,
            "vertex" => ProviderKind::Vertex,
            "openai" => ProviderKind::OpenAi,
            _ => {
                return Err(invalid(
                    "MIXTAPE_LLM_PROVIDER",
                    format!("`{name}` is not a provider; use `gemini`, `vertex`, `openai` or leave it unset"),
                ));
            }
        };
        let model = match (get("MIXTAPE_LLM_MODEL"), kind) {
            (Some(model), _) => model,
            (None, ProviderKind::Gemini) => "gemini-2.5-flash".to_owned(),
            (None, ProviderKind::Vertex) => "gemini-2.5-pro".to_owned(),
            (None, ProviderKind::OpenAi) => {
                return Err(invalid(
                    "MIXTAPE_LLM_MODEL",
                    "required with MIXTAPE_LLM_PROVIDER=openai: the model name the server knows (e.g. \
                     `gpt-4o-mini`, or `llama3.2:1b` on Ollama)",
                ));
            }
        };
        let model = check_model(kind, model)?;
        let base_url = get("MIXTAPE_LLM_BASE_URL").map(|url| check_url("MIXTAPE_LLM_BASE_URL", &url)).transpose()?;
        let timeout = match get("MIXTAPE_LLM_TIMEOUT_SECS") {
            None => DEFAULT_TIMEOUT,
            Some(v) => Duration::from_secs(number("MIXTAPE_LLM_TIMEOUT_SECS", &v, 1, MAX_TIMEOUT.as_secs())?),
        };
        let rate = RateLimit {
            per_minute: match get("MIXTAPE_LLM_RATE_PER_MINUTE") {
                None => DEFAULT_RATE_PER_MINUTE,
                Some(v) => u32::try_from(number("MIXTAPE_LLM_RATE_PER_MINUTE", &v, 1, 1_000_000)?).unwrap_or(u32::MAX),
            },
            burst: match get("MIXTAPE_LLM_RATE_BURST") {
                None => DEFAULT_RATE_BURST,
                Some(v) => u32::try_from(number("MIXTAPE_LLM_RATE_BURST", &v, 1, 100_000)?).unwrap_or(u32::MAX),
            },
        };
        let provider = match kind {
            ProviderKind::Gemini => Provider::Gemini {
                api_key: key(&get, "GEMINI_API_KEY", "GEMINI_API_KEY_FILE")?.ok_or_else(|| {
                    invalid("GEMINI_API_KEY", "required with MIXTAPE_LLM_PROVIDER=gemini (or set GEMINI_API_KEY_FILE)")
                })?,
            },
            ProviderKind::OpenAi => Provider::OpenAi {
                api_key: key(&get, "OPENAI_API_KEY", "OPENAI_API_KEY_FILE")?,
                json_mode: match get("MIXTAPE_LLM_OPENAI_JSON_MODE").as_deref() {
                    None | Some("json_schema") => JsonMode::JsonSchema,
                    Some("json_object") => JsonMode::JsonObject,
                    Some("none") => JsonMode::None,
                    Some(other) => {
                        return Err(invalid(
                            "MIXTAPE_LLM_OPENAI_JSON_MODE",
                            format!("`{other}` is not `json_schema`, `json_object` or `none`"),
                        ));
                    }
                },
                tools: match get("MIXTAPE_LLM_OPENAI_TOOLS") {
                    None => true,
                    Some(v) => boolean("MIXTAPE_LLM_OPENAI_TOOLS", &v)?,
                },
            },
            ProviderKind::Vertex => vertex(&get)?,
        };
        Ok(Some(Config { provider, model, base_url, timeout, retry: RetryPolicy::default(), rate }))
    }

    /// One line for the startup banner: provider, model and endpoint, never a credential.
    pub fn describe(&self) -> String {
        let endpoint = match (&self.base_url, &self.provider) {
            (Some(url), _) => url.clone(),
            (None, Provider::Gemini { .. }) => super::gemini::DEFAULT_BASE_URL.to_owned(),
            (None, Provider::Vertex { location, .. }) => super::vertex::default_base_url(location),
            (None, Provider::OpenAi { .. }) => super::openai::DEFAULT_BASE_URL.to_owned(),
        };
        let auth = match &self.provider {
            Provider::Gemini { .. } => "API key",
            Provider::Vertex { credentials: Credentials::ServiceAccount { .. }, .. } => "service account",
            Provider::Vertex { credentials: Credentials::AuthorizedUser { .. }, .. } => "user credentials",
            Provider::Vertex { credentials: Credentials::MetadataServer, .. } => "metadata server",
            Provider::OpenAi { api_key: Some(_), .. } => "API key",
            Provider::OpenAi { api_key: None, .. } => "no key",
        };
        format!("{}, model {}, at {endpoint} ({auth})", self.provider.kind().name(), self.model)
    }
}

/// A model name goes into the URL path for Gemini and Vertex, so it is held to the characters model ids
/// use; for OpenAI-compatible servers it goes into the JSON body (and may hold `/` or `:`).
fn check_model(kind: ProviderKind, model: String) -> Result<String, ConfigError> {
    let model = match kind {
        // `models/gemini-2.5-flash` is how the API itself spells it; the path adds `models/` back.
        ProviderKind::Gemini => model.strip_prefix("models/").map(str::to_owned).unwrap_or(model),
        _ => model,
    };
    let ok = match kind {
        ProviderKind::Gemini | ProviderKind::Vertex => {
            model.len() <= 128 && model.chars().all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c))
        }
        ProviderKind::OpenAi => model.len() <= 256 && !model.chars().any(char::is_control),
    };
    if ok { Ok(model) } else { Err(invalid("MIXTAPE_LLM_MODEL", format!("`{model}` is not a model name"))) }
}

/// An http(s) URL without credentials, query or fragment, returned without its trailing `/`.
fn check_url(var: &'static str, url: &str) -> Result<String, ConfigError> {
    let parsed = reqwest::Url::parse(url).map_err(|e| invalid(var, format!("not a URL ({e})")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid(var, "must be an http:// or https:// URL"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        // The URL is printed at start and in logs; keys belong in their own variables.
        return Err(invalid(var, "must not hold credentials; put the key in its own variable"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(invalid(var, "must not have a query or a fragment"));
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

fn number(var: &'static str, value: &str, min: u64, max: u64) -> Result<u64, ConfigError> {
    value
        .parse::<u64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| invalid(var, format!("`{value}` is not a whole number from {min} to {max}")))
}

fn boolean(var: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(invalid(var, format!("`{value}` is not `true` or `false`"))),
    }
}

/// A key from `var`, or from the file `file_var` names (trailing whitespace dropped: files end in a
/// newline). Both set is refused rather than guessed.
fn key(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    file_var: &'static str,
) -> Result<Option<Secret>, ConfigError> {
    let checked = |name: &'static str, value: &str| {
        // It travels in an HTTP header; say so now rather than on the first call (without echoing it).
        if value.chars().all(|c| c.is_ascii_graphic()) {
            Ok(Some(Secret::new(value)))
        } else {
            Err(invalid(name, "the key holds spaces or characters that cannot be sent in an HTTP header"))
        }
    };
    match (get(var), get(file_var)) {
        (Some(_), Some(_)) => Err(invalid(file_var, format!("set either {var} or {file_var}, not both"))),
        (Some(value), None) => checked(var, &value),
        (None, Some(path)) => {
            let path = PathBuf::from(path);
            let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::File {
                var: file_var,
                path: path.clone(),
                source,
            })?;
            let value = text.trim();
            if value.is_empty() {
                return Err(invalid(file_var, format!("{} is empty", path.display())));
            }
            checked(file_var, value)
        }
        (None, None) => Ok(None),
    }
}

/// A Google credentials file, as `gcloud` and the IAM console write them.
#[derive(Deserialize)]
struct CredentialsFile {
    #[serde(rename = "type")]
    kind: String,
    client_email: Option<String>,
    private_key: Option<String>,
    private_key_id: Option<String>,
    token_uri: Option<String>,
    project_id: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    refresh_token: Option<String>,
    quota_project_id: Option<String>,
}

fn vertex(get: &impl Fn(&str) -> Option<String>) -> Result<Provider, ConfigError> {
    let location = get("GOOGLE_CLOUD_LOCATION").unwrap_or_else(|| DEFAULT_VERTEX_LOCATION.to_owned());
    // The location becomes part of a host name.
    if location.is_empty() || !location.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        return Err(invalid("GOOGLE_CLOUD_LOCATION", format!("`{location}` is not a region like `us-central1`")));
    }
    let token_url = get("MIXTAPE_LLM_TOKEN_URL").map(|url| check_url("MIXTAPE_LLM_TOKEN_URL", &url)).transpose()?;
    let (credentials, file_project) = match credentials_path(get) {
        Some((var, path)) => read_credentials(var, &path)?,
        None => (Credentials::MetadataServer, None),
    };
    let project = get("GOOGLE_CLOUD_PROJECT").or(file_project).ok_or_else(|| {
        invalid("GOOGLE_CLOUD_PROJECT", "required with MIXTAPE_LLM_PROVIDER=vertex: the Google Cloud project id")
    })?;
    if !project.chars().all(|c| c.is_ascii_alphanumeric() || "-.:".contains(c)) {
        return Err(invalid("GOOGLE_CLOUD_PROJECT", format!("`{project}` is not a project id")));
    }
    Ok(Provider::Vertex { project, location, credentials, token_url })
}

/// `GOOGLE_APPLICATION_CREDENTIALS`, else gcloud's Application Default Credentials file when it exists.
fn credentials_path(get: &impl Fn(&str) -> Option<String>) -> Option<(&'static str, PathBuf)> {
    if let Some(path) = get("GOOGLE_APPLICATION_CREDENTIALS") {
        return Some(("GOOGLE_APPLICATION_CREDENTIALS", PathBuf::from(path)));
    }
    let dir = get("CLOUDSDK_CONFIG")
        .map(PathBuf::from)
        .or_else(|| get("HOME").map(|home| Path::new(&home).join(".config").join("gcloud")))?;
    let path = dir.join("application_default_credentials.json");
    path.is_file().then_some(("the gcloud default credentials", path))
}

fn read_credentials(var: &'static str, path: &Path) -> Result<(Credentials, Option<String>), ConfigError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| ConfigError::File { var, path: path.to_owned(), source })?;
    let bad = |reason: &str| ConfigError::Credentials { path: path.to_owned(), reason: reason.to_owned() };
    // serde's message could quote a value from the file (a key); say only that the shape is wrong.
    let file: CredentialsFile =
        serde_json::from_str(&text).map_err(|_| bad("not a JSON credentials file with a `type` field"))?;
    match file.kind.as_str() {
        "service_account" => {
            let (Some(client_email), Some(private_key)) = (file.client_email, file.private_key) else {
                return Err(bad("a service account file needs `client_email` and `private_key`"));
            };
            let token_uri = file.token_uri.unwrap_or_else(|| GOOGLE_TOKEN_URL.to_owned());
            let token_uri = check_url(var, &token_uri).map_err(|_| bad("its `token_uri` is not an http(s) URL"))?;
            let credentials = Credentials::ServiceAccount {
                client_email,
                private_key: Secret::new(private_key),
                private_key_id: file.private_key_id,
                token_uri,
            };
            Ok((credentials, file.project_id))
        }
        "authorized_user" => {
            let (Some(client_id), Some(client_secret), Some(refresh_token)) =
                (file.client_id, file.client_secret, file.refresh_token)
            else {
                return Err(bad("user credentials need `client_id`, `client_secret` and `refresh_token`"));
            };
            let credentials = Credentials::AuthorizedUser {
                client_id,
                client_secret: Secret::new(client_secret),
                refresh_token: Secret::new(refresh_token),
            };
            Ok((credentials, file.quota_project_id))
        }
        other => Err(bad(&format!(
            "credentials of type `{other}` are not supported; use a service account key, \
             `gcloud auth application-default login`, or the metadata server"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Option<Config>, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Config::from_vars(|name| map.get(name).cloned())
    }

    #[test]
    fn no_provider_means_rules_only() {
        assert!(config(&[]).expect("ok").is_none());
        assert!(config(&[("MIXTAPE_LLM_PROVIDER", " ")]).expect("ok").is_none());
        assert!(config(&[("MIXTAPE_LLM_PROVIDER", "none")]).expect("ok").is_none());
    }

    #[test]
    fn gemini_defaults_and_needs_a_key() {
        let err = config(&[("MIXTAPE_LLM_PROVIDER", "gemini")]).expect_err("no key");
        assert!(err.to_string().contains("GEMINI_API_KEY"), "{err}");
        let c = config(&[("MIXTAPE_LLM_PROVIDER", "Gemini"), ("GEMINI_API_KEY", "k-123456789")])
            .expect("ok")
            .expect("configured");
        assert_eq!(c.model, "gemini-2.5-flash");
        assert_eq!(c.timeout, DEFAULT_TIMEOUT);
        assert_eq!(c.rate, RateLimit::default());
        assert!(!format!("{c:?}").contains("k-123456789"));
        assert!(!c.describe().contains("k-123456789"));
    }

    #[test]
    fn openai_needs_a_model_but_no_key() {
        let err = config(&[("MIXTAPE_LLM_PROVIDER", "openai")]).expect_err("no model");
        assert!(err.to_string().contains("MIXTAPE_LLM_MODEL"), "{err}");
        let c = config(&[
            ("MIXTAPE_LLM_PROVIDER", "openai"),
            ("MIXTAPE_LLM_MODEL", "Qwen/Qwen2.5-1.5B-Instruct"),
            ("MIXTAPE_LLM_BASE_URL", "http://127.0.0.1:8081/"),
            ("MIXTAPE_LLM_OPENAI_JSON_MODE", "json_object"),
            ("MIXTAPE_LLM_OPENAI_TOOLS", "false"),
        ])
        .expect("ok")
        .expect("configured");
        assert_eq!(c.base_url.as_deref(), Some("http://127.0.0.1:8081"));
        assert!(matches!(
            c.provider,
            Provider::OpenAi { api_key: None, json_mode: JsonMode::JsonObject, tools: false }
        ));
    }

    #[test]
    fn bad_values_name_the_variable() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("MIXTAPE_LLM_PROVIDER", "claude")], "MIXTAPE_LLM_PROVIDER"),
            (&[("MIXTAPE_LLM_PROVIDER", "gemini"), ("GEMINI_API_KEY", "x"), ("MIXTAPE_LLM_MODEL", "a/b")], "MODEL"),
            (
                &[("MIXTAPE_LLM_PROVIDER", "openai"), ("MIXTAPE_LLM_MODEL", "m"), ("MIXTAPE_LLM_BASE_URL", "ftp://x")],
                "MIXTAPE_LLM_BASE_URL",
            ),
            (
                &[
                    ("MIXTAPE_LLM_PROVIDER", "openai"),
                    ("MIXTAPE_LLM_MODEL", "m"),
                    ("MIXTAPE_LLM_BASE_URL", "http://user:pw@host"),
                ],
                "credentials",
            ),
            (
                &[("MIXTAPE_LLM_PROVIDER", "openai"), ("MIXTAPE_LLM_MODEL", "m"), ("MIXTAPE_LLM_TIMEOUT_SECS", "0")],
                "MIXTAPE_LLM_TIMEOUT_SECS",
            ),
            (
                &[
                    ("MIXTAPE_LLM_PROVIDER", "openai"),
                    ("MIXTAPE_LLM_MODEL", "m"),
                    ("MIXTAPE_LLM_OPENAI_TOOLS", "maybe"),
                ],
                "MIXTAPE_LLM_OPENAI_TOOLS",
            ),
            (&[("MIXTAPE_LLM_PROVIDER", "gemini"), ("GEMINI_API_KEY", "x"), ("GEMINI_API_KEY_FILE", "/k")], "not both"),
            (&[("MIXTAPE_LLM_PROVIDER", "gemini"), ("GEMINI_API_KEY_FILE", "/nonexistent/key")], "/nonexistent/key"),
            (&[("MIXTAPE_LLM_PROVIDER", "gemini"), ("GEMINI_API_KEY", "two words")], "HTTP header"),
            (&[("MIXTAPE_LLM_PROVIDER", "vertex"), ("GOOGLE_CLOUD_LOCATION", "us-central1")], "GOOGLE_CLOUD_PROJECT"),
            (
                &[("MIXTAPE_LLM_PROVIDER", "vertex"), ("GOOGLE_CLOUD_PROJECT", "p"), ("GOOGLE_CLOUD_LOCATION", "a.b")],
                "GOOGLE_CLOUD_LOCATION",
            ),
        ];
        for (vars, expected) in cases {
            let err = config(vars).expect_err("invalid");
            assert!(err.to_string().contains(expected), "{vars:?}: {err}");
        }
    }

    #[test]
    fn keys_and_credentials_come_from_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = dir.path().join("key");
        std::fs::write(&key, "k-from-a-file\n").expect("write");
        let c = config(&[("MIXTAPE_LLM_PROVIDER", "gemini"), ("GEMINI_API_KEY_FILE", key.to_str().expect("UTF-8"))])
            .expect("ok")
            .expect("configured");
        assert!(matches!(&c.provider, Provider::Gemini { api_key } if api_key.expose() == "k-from-a-file"));

        let adc = dir.path().join("adc.json");
        std::fs::write(
            &adc,
            r#"{"type":"authorized_user","client_id":"id","client_secret":"s3cr3t-s3cr3t","refresh_token":"r-token-1234","quota_project_id":"proj-1"}"#,
        )
        .expect("write");
        let c = config(&[
            ("MIXTAPE_LLM_PROVIDER", "vertex"),
            ("GOOGLE_APPLICATION_CREDENTIALS", adc.to_str().expect("UTF-8")),
        ])
        .expect("ok")
        .expect("configured");
        assert_eq!(c.model, "gemini-2.5-pro");
        assert!(matches!(
            &c.provider,
            Provider::Vertex { project, location, credentials: Credentials::AuthorizedUser { .. }, .. }
                if project == "proj-1" && location == DEFAULT_VERTEX_LOCATION
        ));

        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, r#"{"type":"external_account"}"#).expect("write");
        let err = config(&[
            ("MIXTAPE_LLM_PROVIDER", "vertex"),
            ("GOOGLE_CLOUD_PROJECT", "p"),
            ("GOOGLE_APPLICATION_CREDENTIALS", bad.to_str().expect("UTF-8")),
        ])
        .expect_err("unsupported");
        assert!(err.to_string().contains("external_account"), "{err}");
    }

    #[test]
    fn vertex_without_a_file_uses_the_metadata_server() {
        let c = config(&[("MIXTAPE_LLM_PROVIDER", "vertex"), ("GOOGLE_CLOUD_PROJECT", "p"), ("HOME", "/nonexistent")])
            .expect("ok")
            .expect("configured");
        assert!(matches!(c.provider, Provider::Vertex { credentials: Credentials::MetadataServer, .. }));
    }
}

//! OAuth2 access tokens for Vertex AI, from the three places Google's client libraries look:
//! - a service account's key file: an RS256-signed JWT (issuer the account, audience its `token_uri`,
//!   scope `cloud-platform`) exchanged at `token_uri` (RFC 7523 `jwt-bearer` grant);
//! - a user's Application Default Credentials: the refresh token exchanged at Google's token endpoint;
//! - the metadata server of the machine the server runs on (`Metadata-Flavor: Google`).
//!
//! The token is cached and fetched again [`REFRESH_EARLY`] before it expires (or halfway through its
//! life, if that is shorter), so no call waits on a refresh that could have happened earlier, and no
//! call goes out with a token about to lapse. One refresh at a time: concurrent calls wait for it
//! instead of each fetching their own. `MIXTAPE_LLM_TOKEN_URL` replaces the endpoint (tests, proxies).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::config::{ConfigError, Credentials, GOOGLE_TOKEN_URL, METADATA_TOKEN_URL};
use super::secret::Secret;
use super::{LlmError, shorten, upstream};

/// How long before expiry a token is replaced.
pub const REFRESH_EARLY: Duration = Duration::from_secs(5 * 60);
/// The scope Vertex AI needs.
const SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";
/// How long a signed assertion is valid (Google's maximum).
const ASSERTION_LIFETIME: u64 = 3600;
/// A token endpoint's answer is small; more is not a token endpoint.
const MAX_TOKEN_BODY: usize = 64 * 1024;

/// Hands out a valid access token, fetching a new one when the cached one nears expiry.
pub(crate) struct TokenSource {
    credentials: Credentials,
    /// The service account's key, parsed once at start.
    signing_key: Option<EncodingKey>,
    token_url: Option<String>,
    cache: tokio::sync::Mutex<Option<Cached>>,
    fetches: AtomicU64,
}

struct Cached {
    token: Secret,
    refresh_at: Instant,
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSource")
            .field("credentials", &self.credentials)
            .field("token_url", &self.token_url)
            .finish()
    }
}

/// The JWT a service account signs.
#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    scope: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
}

/// What every token endpoint answers on success.
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl TokenSource {
    /// A source for these credentials; a service account's private key must parse.
    pub(crate) fn new(credentials: Credentials, token_url: Option<String>) -> Result<Self, ConfigError> {
        let signing_key = match &credentials {
            Credentials::ServiceAccount { private_key, .. } => {
                Some(EncodingKey::from_rsa_pem(private_key.expose().as_bytes()).map_err(|_| ConfigError::Invalid {
                    var: "GOOGLE_APPLICATION_CREDENTIALS",
                    reason: "the service account's `private_key` is not an RSA private key in PEM".to_owned(),
                })?)
            }
            _ => None,
        };
        Ok(TokenSource {
            credentials,
            signing_key,
            token_url,
            cache: tokio::sync::Mutex::new(None),
            fetches: AtomicU64::new(0),
        })
    }

    /// How many tokens have been fetched since start.
    pub(crate) fn fetches(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// A token valid for a while yet.
    pub(crate) async fn token(&self, http: &reqwest::Client) -> Result<Secret, LlmError> {
        let mut cache = self.cache.lock().await;
        if let Some(cached) = cache.as_ref()
            && Instant::now() < cached.refresh_at
        {
            return Ok(cached.token.clone());
        }
        let (token, lifetime) = self.fetch(http).await?;
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let refresh_at = Instant::now() + lifetime.saturating_sub(REFRESH_EARLY.min(lifetime / 2));
        *cache = Some(Cached { token: token.clone(), refresh_at });
        Ok(token)
    }

    /// Drops the cached token (the provider refused it), so that the next call fetches another.
    pub(crate) async fn forget(&self) {
        *self.cache.lock().await = None;
    }

    fn url(&self) -> &str {
        if let Some(url) = &self.token_url {
            return url;
        }
        match &self.credentials {
            Credentials::ServiceAccount { token_uri, .. } => token_uri,
            Credentials::AuthorizedUser { .. } => GOOGLE_TOKEN_URL,
            Credentials::MetadataServer => METADATA_TOKEN_URL,
        }
    }

    async fn fetch(&self, http: &reqwest::Client) -> Result<(Secret, Duration), LlmError> {
        let request = match &self.credentials {
            Credentials::ServiceAccount { .. } => http.post(self.url()).form(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", &self.assertion()?),
            ]),
            Credentials::AuthorizedUser { client_id, client_secret, refresh_token } => http.post(self.url()).form(&[
                ("grant_type", "refresh_token"),
                ("client_id", client_id.as_str()),
                ("client_secret", client_secret.expose()),
                ("refresh_token", refresh_token.expose()),
            ]),
            Credentials::MetadataServer => http.get(self.url()).header("Metadata-Flavor", "Google"),
        };
        let failed = |message: String| LlmError::Auth { provider: "vertex", message };
        let response = request.send().await.map_err(|e| failed(upstream::transport_message(&e)))?;
        let status = response.status();
        let body = upstream::read_limited(response, MAX_TOKEN_BODY)
            .await
            .map_err(|e| failed(upstream::transport_message(&e)))?;
        if !status.is_success() {
            // OAuth2 errors are `{"error": "invalid_grant", "error_description": "..."}`.
            let json: Option<Value> = serde_json::from_slice(&body).ok();
            let field = |name: &str| json.as_ref().and_then(|j| j.get(name)).and_then(Value::as_str).map(str::to_owned);
            let detail = match (field("error"), field("error_description")) {
                (Some(e), Some(d)) => format!("{e}: {d}"),
                (Some(e), None) => e,
                _ => status.canonical_reason().unwrap_or("error").to_owned(),
            };
            return Err(failed(format!("the token endpoint answered {}: {}", status.as_u16(), shorten(&detail, 200))));
        }
        let answer: TokenAnswer = serde_json::from_slice(&body)
            .map_err(|_| failed("the token endpoint's answer has no `access_token`".to_owned()))?;
        Ok((Secret::new(answer.access_token), Duration::from_secs(answer.expires_in.unwrap_or(3600))))
    }

    /// The service account's signed JWT.
    fn assertion(&self) -> Result<String, LlmError> {
        let (Credentials::ServiceAccount { client_email, private_key_id, token_uri, .. }, Some(key)) =
            (&self.credentials, &self.signing_key)
        else {
            return Err(LlmError::Auth { provider: "vertex", message: "no service account key".to_owned() });
        };
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let mut header = Header::new(Algorithm::RS256);
        header.kid.clone_from(private_key_id);
        // The audience is the file's own `token_uri`, even when MIXTAPE_LLM_TOKEN_URL sends the
        // exchange elsewhere: that is what Google checks.
        let claims =
            Claims { iss: client_email, scope: SCOPE, aud: token_uri, iat: now, exp: now + ASSERTION_LIFETIME };
        jsonwebtoken::encode(&header, &claims, key)
            .map_err(|e| LlmError::Auth { provider: "vertex", message: format!("could not sign the assertion: {e}") })
    }
}

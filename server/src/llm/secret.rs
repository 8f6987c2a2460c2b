//! [`Secret`]: a credential that cannot be printed by accident.

use std::fmt;

/// An API key, a private key, a refresh token or an access token. `Debug` and `Display` print
/// `[redacted]`, and it is neither `Serialize` nor `Deserialize`, so it can reach a log line or a JSON
/// body only through an explicit [`Secret::expose`] — which the proxy calls only to build a request
/// header, a token-endpoint form or a JWT signature.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The credential itself, to put on the wire to the provider.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of this secret replaced by `[redacted]`: provider error messages are
    /// passed through this before they are logged or answered, in case a provider echoes a credential.
    pub fn scrub(&self, text: &str) -> String {
        // An empty or very short secret would match everywhere; real keys are long.
        if self.0.len() < 8 { text.to_owned() } else { text.replace(&self.0, "[redacted]") }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let secret = Secret::new("AIzaSy-very-secret-value");
        assert_eq!(format!("{secret}"), "[redacted]");
        assert_eq!(format!("{secret:?}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(&secret)), "Some([redacted])");
        assert_eq!(secret.expose(), "AIzaSy-very-secret-value");
    }

    #[test]
    fn scrub_removes_the_value_from_text() {
        let secret = Secret::new("AIzaSy-very-secret-value");
        assert_eq!(secret.scrub("bad key AIzaSy-very-secret-value!"), "bad key [redacted]!");
    }
}

//! Splits a provider's `text/event-stream` body into events, as the bytes arrive in chunks of any size.
//!
//! Only `data:` fields matter to the providers the proxy speaks to (Gemini's `?alt=sse` and OpenAI's
//! chat-completion chunks both put one JSON document per event there); `event:`, `id:`, `retry:` and
//! comment lines are skipped. Lines end in `\n` or `\r\n`; a blank line ends an event (WHATWG HTML
//! §9.2.6).

/// The longest line accepted: far above any real event, and a bound on what a broken upstream can make
/// the server buffer.
const MAX_LINE_BYTES: usize = 8 * 1024 * 1024;

/// The incremental decoder: feed it chunks, get each complete event's data.
#[derive(Debug, Default)]
pub(crate) struct SseDecoder {
    /// Bytes of the line not yet ended.
    line: Vec<u8>,
    /// The current event's data lines, joined by `\n`.
    data: String,
    has_data: bool,
}

impl SseDecoder {
    /// The data of every event that `chunk` completes, in order. Errs when a line grows past the limit.
    pub(crate) fn feed(&mut self, chunk: &[u8]) -> Result<Vec<String>, String> {
        let mut events = Vec::new();
        let mut rest = chunk;
        while let Some(newline) = rest.iter().position(|&b| b == b'\n') {
            self.line.extend_from_slice(&rest[..newline]);
            rest = &rest[newline + 1..];
            let mut line = std::mem::take(&mut self.line);
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            self.field(&String::from_utf8_lossy(&line), &mut events);
        }
        self.line.extend_from_slice(rest);
        if self.line.len() > MAX_LINE_BYTES {
            return Err(format!("an event-stream line is longer than {} MiB", MAX_LINE_BYTES / (1024 * 1024)));
        }
        Ok(events)
    }

    /// The last event when the body ended without the blank line after it.
    pub(crate) fn finish(&mut self) -> Option<String> {
        let line = std::mem::take(&mut self.line);
        let mut events = Vec::new();
        if !line.is_empty() {
            self.field(String::from_utf8_lossy(&line).trim_end_matches('\r'), &mut events);
        }
        self.field("", &mut events);
        events.pop()
    }

    fn field(&mut self, line: &str, events: &mut Vec<String>) {
        if line.is_empty() {
            if self.has_data {
                events.push(std::mem::take(&mut self.data));
                self.has_data = false;
            }
            return;
        }
        let (name, value) = match line.split_once(':') {
            Some((name, value)) => (name, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        if name == "data" {
            if self.has_data {
                self.data.push('\n');
            }
            self.data.push_str(value);
            self.has_data = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_in_pieces(body: &str, size: usize) -> Vec<String> {
        let mut decoder = SseDecoder::default();
        let mut events = Vec::new();
        for chunk in body.as_bytes().chunks(size) {
            events.extend(decoder.feed(chunk).expect("within limits"));
        }
        events.extend(decoder.finish());
        events
    }

    #[test]
    fn events_survive_any_chunking() {
        let body =
            ": comment\r\nevent: x\r\ndata: {\"a\":1}\r\n\r\ndata:{\"b\":\r\ndata: 2}\n\nid: 3\n\ndata: [DONE]\n\n";
        let expected = vec!["{\"a\":1}".to_owned(), "{\"b\":\n2}".to_owned(), "[DONE]".to_owned()];
        for size in [1, 2, 3, 7, 1000] {
            assert_eq!(decode_in_pieces(body, size), expected, "chunks of {size}");
        }
    }

    #[test]
    fn a_last_event_without_a_blank_line_still_counts() {
        assert_eq!(decode_in_pieces("data: 1\n\ndata: 2", 4), vec!["1", "2"]);
        assert_eq!(decode_in_pieces("data: 1\n", 4), vec!["1"]);
    }
}

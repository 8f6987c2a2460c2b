//! CSV records in constant memory.
//!
//! The `csv` crate's reader grows its record buffer to fit whatever it is given, so a 1 GB file without a
//! line end (or with a quote that is never closed) would be read into memory whole before anything could
//! refuse it. This reader drives `csv-core`, the same parser, with fixed buffers: a record longer than
//! [`MAX_RECORD_BYTES`] is an error the moment it gets that long. It also tells what the parser, which
//! "prefers a parse over no parse", does not: the line a record starts on, whether it ended with a line end
//! (a file cut off mid-row does not) and whether its quotes pair up (a quote never closed swallows the rest
//! of the file).

use std::io::{self, Read};

/// The longest record accepted, line end included. An Ads Manager row is a few hundred bytes.
pub const MAX_RECORD_BYTES: usize = 64 * 1024;

/// Bytes read from the file at a time.
const CHUNK: usize = 256 * 1024;

/// One record's place in the file; its fields stay in the reader until the next call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Record {
    /// The line it starts on (1-based; blank lines count).
    pub line: u64,
    /// How many fields it has.
    pub fields: usize,
    /// Whether a line end closed it (only the file's last record can lack one).
    pub terminated: bool,
    /// Whether its quote characters pair up, as they do in any well-formed record.
    pub balanced_quotes: bool,
}

/// Why the file cannot be read on.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The operating system failed a read.
    Io(io::Error),
    /// The record starting on this line is longer than [`MAX_RECORD_BYTES`].
    TooLong {
        /// Where it starts.
        line: u64,
    },
}

/// Reads records one at a time into fixed buffers.
pub(crate) struct RecordReader<R> {
    source: R,
    parser: csv_core::Reader,
    input: Box<[u8]>,
    start: usize,
    end: usize,
    eof: bool,
    output: Box<[u8]>,
    ends: Box<[usize]>,
    fields: usize,
    /// Line ends consumed so far.
    lines: u64,
}

impl<R: Read> RecordReader<R> {
    /// A reader of `source` (a UTF-8 byte-order mark at its start is skipped).
    pub fn new(source: R) -> RecordReader<R> {
        RecordReader {
            source,
            parser: csv_core::Reader::new(),
            input: vec![0; CHUNK].into_boxed_slice(),
            start: 0,
            end: 0,
            eof: false,
            output: vec![0; MAX_RECORD_BYTES].into_boxed_slice(),
            // A record within the limit has at most one field per byte, plus one.
            ends: vec![0; MAX_RECORD_BYTES + 1].into_boxed_slice(),
            fields: 0,
            lines: 0,
        }
    }

    /// The next record, `None` at the end of the file. Blank lines are skipped.
    pub fn next_record(&mut self) -> Result<Option<Record>, ReadError> {
        self.fields = 0;
        // Blank lines are skipped here rather than by the parser, so the record's first line is known.
        loop {
            if self.start == self.end && !self.fill()? {
                return Ok(None);
            }
            match self.input[self.start] {
                b'\n' => self.lines += 1,
                b'\r' => {}
                _ => break,
            }
            self.start += 1;
        }
        let line = self.lines + 1;
        let (mut written, mut consumed, mut quotes) = (0, 0, 0);
        loop {
            let input = &self.input[self.start..self.end];
            let (result, nin, nout, nends) =
                self.parser.read_record(input, &mut self.output[written..], &mut self.ends[self.fields..]);
            let used = &input[..nin];
            self.lines += count(used, b'\n');
            quotes += count(used, b'"');
            consumed += nin;
            self.start += nin;
            written += nout;
            self.fields += nends;
            if consumed > MAX_RECORD_BYTES {
                return Err(ReadError::TooLong { line });
            }
            match result {
                csv_core::ReadRecordResult::InputEmpty => {
                    self.fill()?;
                }
                csv_core::ReadRecordResult::OutputFull | csv_core::ReadRecordResult::OutputEndsFull => {
                    return Err(ReadError::TooLong { line });
                }
                csv_core::ReadRecordResult::Record => {
                    return Ok(Some(Record {
                        line,
                        fields: self.fields,
                        // The parser ends the last record of a file without a line end on empty input.
                        terminated: !input.is_empty(),
                        balanced_quotes: quotes % 2 == 0,
                    }));
                }
                csv_core::ReadRecordResult::End => return Ok(None),
            }
        }
    }

    /// Field `i` of the record just read (empty past its last field).
    pub fn field(&self, i: usize) -> &[u8] {
        if i >= self.fields {
            return &[];
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.output[start..self.ends[i]]
    }

    /// Refills the input buffer once it is used up; `false` at the end of the file (the parser is then
    /// handed an empty input, which is how it learns the file ended).
    fn fill(&mut self) -> Result<bool, ReadError> {
        if self.start < self.end {
            return Ok(true);
        }
        self.start = 0;
        self.end = 0;
        if self.eof {
            return Ok(false);
        }
        loop {
            match self.source.read(&mut self.input) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end = n;
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(ReadError::Io(e)),
            }
        }
    }
}

fn count(bytes: &[u8], byte: u8) -> u64 {
    bytes.iter().filter(|&&b| b == byte).count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &[u8]) -> Vec<(Record, Vec<String>)> {
        let mut reader = RecordReader::new(text);
        let mut out = Vec::new();
        while let Some(record) = reader.next_record().expect("reads") {
            let fields = (0..record.fields).map(|i| String::from_utf8_lossy(reader.field(i)).into_owned()).collect();
            out.push((record, fields));
        }
        out
    }

    #[test]
    fn lines_count_blank_lines_and_quoted_line_ends() {
        let got = records(b"\xef\xbb\xbfa,b\n\n\"x\ny\",2\r\n3,\"q\"\"q\"\n4,5");
        let lines: Vec<u64> = got.iter().map(|(r, _)| r.line).collect();
        assert_eq!(lines, [1, 3, 5, 6]);
        assert_eq!(got[0].1, ["a", "b"], "the byte-order mark is skipped");
        assert_eq!(got[1].1, ["x\ny", "2"]);
        assert_eq!(got[2].1, ["3", "q\"q"]);
        assert!(got[..3].iter().all(|(r, _)| r.terminated && r.balanced_quotes));
        assert!(!got[3].0.terminated, "the last line has no line end");
    }

    #[test]
    fn an_unclosed_quote_shows() {
        let got = records(b"a,b\n1,\"never closed\n2,3\n");
        assert_eq!(got.len(), 2);
        assert!(!got[1].0.balanced_quotes);
        assert_eq!(got[1].0.line, 2);
    }

    #[test]
    fn a_record_over_the_limit_is_refused_without_buffering_it() {
        let mut text = b"a,b\n1,2\n".to_vec();
        text.extend(std::iter::repeat_n(b'x', 10 * MAX_RECORD_BYTES));
        let mut reader = RecordReader::new(text.as_slice());
        assert!(reader.next_record().expect("header").is_some());
        assert!(reader.next_record().expect("row").is_some());
        assert!(matches!(reader.next_record(), Err(ReadError::TooLong { line: 3 })));

        let exact = format!("{}\n", "y".repeat(MAX_RECORD_BYTES - 1));
        let mut reader = RecordReader::new(exact.as_bytes());
        assert_eq!(reader.next_record().expect("fits").map(|r| r.fields), Some(1));
        let over = format!("{}\n", "y".repeat(MAX_RECORD_BYTES));
        assert!(matches!(RecordReader::new(over.as_bytes()).next_record(), Err(ReadError::TooLong { line: 1 })));
    }
}

//! Splits a byte stream into records without parsing them, so that parsing
//! can run on several threads and one malformed record costs only itself.
//!
//! Layouts: JSON Lines (one record per line), a top-level JSON array, the
//! CloudTrail S3 delivery wrapper `{"Records":[...]}`, concatenated
//! (possibly pretty-printed) JSON objects, and plain text lines. Memory is
//! bounded by the chunk size, whatever the size of the input.

use std::io::{self, BufRead};

/// How records are laid out in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One JSON record per line.
    JsonLines,
    /// `[ {...}, {...} ]`.
    JsonArray,
    /// `{"Records": [ ... ]}` as CloudTrail delivers to S3.
    RecordsWrapper,
    /// Objects one after the other, possibly spanning several lines.
    JsonConcat,
    /// Text, one record per line (VPC Flow Logs).
    Text,
    /// Nothing but whitespace.
    Empty,
}

/// Where a record came from, for quarantine messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Byte range in the chunk's data.
    pub start: usize,
    /// End of the byte range (exclusive).
    pub end: usize,
    /// 1-based line where the record starts.
    pub line: u64,
    /// 0-based index of the record in the file.
    pub index: u64,
}

/// A batch of records sharing one buffer.
#[derive(Debug, Default)]
pub struct Chunk {
    /// Record bytes, back to back.
    pub data: Vec<u8>,
    /// One span per record.
    pub spans: Vec<Span>,
}

impl Chunk {
    /// The bytes of a record.
    pub fn record(&self, span: &Span) -> &[u8] {
        &self.data[span.start..span.end]
    }
}

/// Guesses the layout from the first bytes of a file.
pub fn sniff_layout(head: &[u8]) -> Layout {
    let Some(first) = head.iter().position(|b| !b.is_ascii_whitespace()) else {
        return Layout::Empty;
    };
    let rest = &head[first..];
    match rest[0] {
        b'[' => Layout::JsonArray,
        b'{' => {
            if records_prefix_len(rest).is_some() {
                return Layout::RecordsWrapper;
            }
            let line_end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
            let mut scan = Scanner::default();
            let line = &rest[..line_end];
            for (i, &b) in line.iter().enumerate() {
                if scan.feed(b) && scan.depth == 0 {
                    // The first value ends on its first line: JSON Lines if only
                    // whitespace follows on that line.
                    if line[i + 1..].iter().all(|b| b.is_ascii_whitespace()) {
                        return Layout::JsonLines;
                    }
                    return Layout::JsonConcat;
                }
            }
            if line_end == rest.len() {
                // One line, not complete in the head we have: a long single line.
                return Layout::JsonLines;
            }
            Layout::JsonConcat
        }
        _ => Layout::Text,
    }
}

/// Length of a `{ "Records" : [` prefix, if the bytes start with one.
fn records_prefix_len(b: &[u8]) -> Option<usize> {
    let mut i = 0;
    let skip_ws = |i: &mut usize| {
        while *i < b.len() && b[*i].is_ascii_whitespace() {
            *i += 1;
        }
    };
    skip_ws(&mut i);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i += 1;
    skip_ws(&mut i);
    if !b[i..].starts_with(b"\"Records\"") {
        return None;
    }
    i += 9;
    skip_ws(&mut i);
    if b.get(i) != Some(&b':') {
        return None;
    }
    i += 1;
    skip_ws(&mut i);
    if b.get(i) != Some(&b'[') {
        return None;
    }
    Some(i + 1)
}

/// Tracks JSON nesting over a byte stream.
#[derive(Debug, Default, Clone, Copy)]
struct Scanner {
    depth: u32,
    in_str: bool,
    esc: bool,
}

impl Scanner {
    /// Feeds one byte; returns true when the byte closes an object or array.
    #[inline]
    fn feed(&mut self, b: u8) -> bool {
        if self.in_str {
            if self.esc {
                self.esc = false;
            } else if b == b'\\' {
                self.esc = true;
            } else if b == b'"' {
                self.in_str = false;
            }
            return false;
        }
        match b {
            b'"' => self.in_str = true,
            b'{' | b'[' => self.depth += 1,
            b'}' | b']' => {
                self.depth = self.depth.saturating_sub(1);
                return true;
            }
            _ => {}
        }
        false
    }
}

/// Streams records out of a reader in chunks of roughly `target` bytes.
pub struct Splitter<R> {
    reader: R,
    layout: Layout,
    line: u64,
    index: u64,
    started: bool,
    finished: bool,
    // Record being assembled across reads (JSON scanning layouts).
    partial: Vec<u8>,
    partial_line: u64,
    in_record: bool,
    scalar: bool,
    scan: Scanner,
}

impl<R: BufRead> Splitter<R> {
    /// A splitter for `layout` over `reader` (positioned at the start of the file).
    pub fn new(reader: R, layout: Layout) -> Self {
        Self {
            reader,
            layout,
            line: 1,
            index: 0,
            started: false,
            finished: matches!(layout, Layout::Empty),
            partial: Vec::new(),
            partial_line: 1,
            in_record: false,
            scalar: false,
            scan: Scanner::default(),
        }
    }

    /// The next chunk, or `None` at the end of the input.
    pub fn next_chunk(&mut self, target: usize) -> io::Result<Option<Chunk>> {
        if self.finished {
            return Ok(None);
        }
        let mut chunk = Chunk::default();
        match self.layout {
            Layout::JsonLines | Layout::Text => self.fill_lines(&mut chunk, target)?,
            Layout::Empty => {}
            _ => self.fill_scanned(&mut chunk, target)?,
        }
        if chunk.spans.is_empty() && self.finished {
            return Ok(None);
        }
        Ok(Some(chunk))
    }

    fn push(&mut self, chunk: &mut Chunk, bytes: &[u8], line: u64) {
        let start = chunk.data.len();
        chunk.data.extend_from_slice(bytes);
        chunk.spans.push(Span {
            start,
            end: chunk.data.len(),
            line,
            index: self.index,
        });
        self.index += 1;
    }

    fn fill_lines(&mut self, chunk: &mut Chunk, target: usize) -> io::Result<()> {
        let mut line = Vec::new();
        while chunk.data.len() < target {
            line.clear();
            let n = self.reader.read_until(b'\n', &mut line)?;
            if n == 0 {
                self.finished = true;
                break;
            }
            let this_line = self.line;
            self.line += 1;
            let trimmed = trim_ascii(&line);
            if trimmed.is_empty() {
                continue;
            }
            let (bytes, l) = (trimmed.to_vec(), this_line);
            self.push(chunk, &bytes, l);
        }
        Ok(())
    }

    fn fill_scanned(&mut self, chunk: &mut Chunk, target: usize) -> io::Result<()> {
        if !self.started {
            self.started = true;
            self.skip_prefix()?;
        }
        while chunk.data.len() < target && !self.finished {
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                // End of input: a record still open is truncated; emit it so the
                // parser reports it.
                if self.in_record && !trim_ascii(&self.partial).is_empty() {
                    let bytes = std::mem::take(&mut self.partial);
                    let l = self.partial_line;
                    self.push(chunk, &bytes, l);
                }
                self.in_record = false;
                self.finished = true;
                break;
            }
            let len = buf.len();
            let mut i = 0;
            // Start of the record still open at the end of this buffer (0 when it
            // was already open when the buffer began).
            let mut seg_start = 0;
            let mut events: Vec<Event> = Vec::new();
            while i < len {
                // Inside a string only a quote, a backslash (or, in broken
                // input, a raw newline, counted for error locations) matters:
                // jump to the next one. Most of a log record's bytes are
                // string contents, so this skips most of the input.
                if self.in_record && !self.scalar && self.scan.in_str && !self.scan.esc {
                    match memchr::memchr3(b'"', b'\\', b'\n', &buf[i..len]) {
                        Some(offset) => i += offset,
                        None => break,
                    }
                }
                let b = buf[i];
                if !self.in_record {
                    match b {
                        b'\n' => self.line += 1,
                        b' ' | b'\t' | b'\r' | b',' => {}
                        b']' if self.layout != Layout::JsonConcat => {
                            // End of the top-level array; ignore the rest.
                            events.push(Event::End);
                            break;
                        }
                        _ => {
                            self.in_record = true;
                            self.partial_line = self.line;
                            self.scan = Scanner::default();
                            self.scalar = b != b'{' && b != b'[';
                            seg_start = i;
                            if !self.scalar {
                                self.scan.feed(b);
                            }
                        }
                    }
                    i += 1;
                    continue;
                }
                if b == b'\n' {
                    self.line += 1;
                }
                let closed = if self.scalar {
                    if matches!(b, b',' | b']' | b'\n' | b' ' | b'\t' | b'\r') {
                        events.push(Event::Record {
                            from: seg_start,
                            to: i,
                            line: self.partial_line,
                        });
                        self.in_record = false;
                        if b == b']' && self.layout != Layout::JsonConcat {
                            events.push(Event::End);
                            break;
                        }
                        i += 1;
                        continue;
                    }
                    false
                } else {
                    self.scan.feed(b) && self.scan.depth == 0
                };
                if closed {
                    events.push(Event::Record {
                        from: seg_start,
                        to: i + 1,
                        line: self.partial_line,
                    });
                    self.in_record = false;
                }
                i += 1;
            }
            // Apply events: records are partial-prefix + segment of this buffer.
            let mut ended = false;
            for e in events {
                match e {
                    Event::Record { from, to, line } => {
                        // The record is what was left open from earlier
                        // buffers (usually nothing) plus this segment.
                        let start = chunk.data.len();
                        chunk.data.extend_from_slice(&self.partial);
                        self.partial.clear();
                        chunk.data.extend_from_slice(&buf[from..to]);
                        chunk.spans.push(Span {
                            start,
                            end: chunk.data.len(),
                            line,
                            index: self.index,
                        });
                        self.index += 1;
                    }
                    Event::End => ended = true,
                }
            }
            if self.in_record {
                self.partial.extend_from_slice(&buf[seg_start..len]);
            }
            self.reader.consume(len);
            if ended {
                self.finished = true;
            }
        }
        Ok(())
    }

    /// Skips `[` or `{"Records":[` before the first record (the first `[`
    /// in both cases), across buffer boundaries.
    fn skip_prefix(&mut self) -> io::Result<()> {
        if self.layout == Layout::JsonConcat {
            return Ok(());
        }
        loop {
            let head = self.reader.fill_buf()?;
            if head.is_empty() {
                self.finished = true;
                return Ok(());
            }
            match head.iter().position(|&b| b == b'[') {
                Some(p) => {
                    self.line += memchr::memchr_iter(b'\n', &head[..p]).count() as u64;
                    self.reader.consume(p + 1);
                    return Ok(());
                }
                None => {
                    let n = head.len();
                    self.line += memchr::memchr_iter(b'\n', head).count() as u64;
                    self.reader.consume(n);
                }
            }
        }
    }
}

enum Event {
    /// A record ends in this buffer; `line` is where it started (taken when
    /// it closes: a later record in the same buffer moves `partial_line`).
    Record {
        from: usize,
        to: usize,
        line: u64,
    },
    End,
}

/// Trims ASCII whitespace (including `\r\n`) at both ends.
pub fn trim_ascii(b: &[u8]) -> &[u8] {
    b.trim_ascii()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(input: &str, target: usize) -> (Layout, Vec<(String, u64, u64)>) {
        let layout = sniff_layout(input.as_bytes());
        // A tiny buffer exercises records spanning reads.
        let reader = io::BufReader::with_capacity(7, input.as_bytes());
        let mut s = Splitter::new(reader, layout);
        let mut out = Vec::new();
        while let Some(c) = s.next_chunk(target).unwrap() {
            for sp in &c.spans {
                out.push((
                    String::from_utf8(c.record(sp).to_vec()).unwrap(),
                    sp.line,
                    sp.index,
                ));
            }
        }
        (layout, out)
    }

    #[test]
    fn records_wrapper() {
        let (l, r) = split(
            "{\"Records\": [\n {\"a\": \"}\"},\n {\"b\": [1,{\"c\":2}]}\n]}\n",
            5,
        );
        assert_eq!(l, Layout::RecordsWrapper);
        assert_eq!(
            r,
            vec![
                ("{\"a\": \"}\"}".into(), 2, 0),
                ("{\"b\": [1,{\"c\":2}]}".into(), 3, 1)
            ]
        );
    }

    #[test]
    fn string_contents_are_skipped_but_quotes_escapes_and_newlines_are_not() {
        // Brackets inside strings, an escaped backslash right before a closing
        // quote, an escaped quote, and (broken input) a raw newline inside a
        // string, all across 7-byte reads.
        let first = r#"{"a":"{[}]} some long text \\","b":"q\"}{"}"#;
        let input = format!("[{first},\n{{\"c\":\"x\ny\"}},\n{{\"d\":1}}]");
        let (l, r) = split(&input, 1000);
        assert_eq!(l, Layout::JsonArray);
        assert_eq!(r.len(), 3, "{r:?}");
        assert_eq!(r[0], (first.to_string(), 1, 0));
        assert_eq!(r[1], ("{\"c\":\"x\ny\"}".to_string(), 2, 1));
        assert_eq!(r[2], ("{\"d\":1}".to_string(), 4, 2));
    }

    /// Records that start and end in one read keep their own start line
    /// (quarantine entries point at it), not that of the read's last record.
    #[test]
    fn line_numbers_within_one_read() {
        let input = "[\n  {\"a\": 1},\n  {\"b\":\n    2},\n  {\"c\": 3}\n]\n";
        let reader = io::BufReader::with_capacity(1 << 16, input.as_bytes());
        let mut s = Splitter::new(reader, sniff_layout(input.as_bytes()));
        let chunk = s.next_chunk(1 << 20).unwrap().unwrap();
        let lines: Vec<u64> = chunk.spans.iter().map(|sp| sp.line).collect();
        assert_eq!(lines, vec![2, 3, 5]);
    }

    #[test]
    fn array_with_escapes_and_truncation() {
        let (l, r) = split("[{\"a\":\"x\\\"}\"}, {\"b\":1}, {\"c\":", 1000);
        assert_eq!(l, Layout::JsonArray);
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].0, "{\"a\":\"x\\\"}\"}");
        assert_eq!(r[2].0, "{\"c\":");
    }

    #[test]
    fn json_lines_keeps_bad_lines_separate() {
        let (l, r) = split("{\"a\":1}\n{\"b\":\n\n{\"c\":3}\r\n", 1000);
        assert_eq!(l, Layout::JsonLines);
        assert_eq!(
            r,
            vec![
                ("{\"a\":1}".into(), 1, 0),
                ("{\"b\":".into(), 2, 1),
                ("{\"c\":3}".into(), 4, 2)
            ]
        );
    }

    #[test]
    fn pretty_printed_objects() {
        let (l, r) = split("{\n  \"a\": {\"x\": 1}\n}\n{\n \"b\": 2\n}", 1000);
        assert_eq!(l, Layout::JsonConcat);
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].1, 4);
    }

    #[test]
    fn text_and_empty() {
        let (l, r) = split("version srcaddr\n2 1.2.3.4\n\n", 1000);
        assert_eq!(l, Layout::Text);
        assert_eq!(r.len(), 2);
        assert_eq!(r[1], ("2 1.2.3.4".into(), 2, 1));
        let (l, r) = split("  \n ", 1000);
        assert_eq!(l, Layout::Empty);
        assert!(r.is_empty());
    }

    #[test]
    fn chunks_respect_target() {
        let input: String = (0..100).map(|i| format!("{{\"i\":{i}}}\n")).collect();
        let layout = sniff_layout(input.as_bytes());
        let mut s = Splitter::new(io::BufReader::new(input.as_bytes()), layout);
        let mut chunks = 0;
        let mut total = 0;
        while let Some(c) = s.next_chunk(100).unwrap() {
            chunks += 1;
            total += c.spans.len();
        }
        assert_eq!(total, 100);
        assert!(chunks > 5);
    }
}

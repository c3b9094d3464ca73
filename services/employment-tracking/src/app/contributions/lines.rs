//! Cutting an NDJSON body into numbered lines as its bytes arrive, without
//! ever buffering a line longer than a contribution can be.

use crate::domain::contribution::MAX_LINE_BYTES;

/// Cuts a byte stream into numbered lines; a line longer than the limit is
/// passed on as `None` without being buffered.
#[derive(Default)]
pub(super) struct Lines {
    partial: Vec<u8>,
    overlong: bool,
    number: u64,
}

impl Lines {
    pub(super) fn feed(&mut self, data: &[u8], mut line: impl FnMut(u64, Option<&[u8]>)) {
        // A piece followed by another ended at a newline; the last one
        // carries on into the next feed.
        let mut pieces = data.split(|b| *b == b'\n').peekable();
        while let Some(piece) = pieces.next() {
            self.push(piece);
            if pieces.peek().is_some() {
                self.end(&mut line);
            }
        }
    }

    fn push(&mut self, data: &[u8]) {
        if self.overlong || self.partial.len() + data.len() > MAX_LINE_BYTES {
            self.overlong = true;
            self.partial.clear();
        } else {
            self.partial.extend_from_slice(data);
        }
    }

    fn end(&mut self, line: &mut impl FnMut(u64, Option<&[u8]>)) {
        self.number += 1;
        if self.overlong {
            line(self.number, None);
        } else {
            line(self.number, Some(&self.partial));
        }
        self.partial.clear();
        self.overlong = false;
    }

    /// The last line, when the body does not end with a newline.
    pub(super) fn finish(&mut self, mut line: impl FnMut(u64, Option<&[u8]>)) {
        if self.overlong || !self.partial.is_empty() {
            self.end(&mut line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(parts: &[&[u8]]) -> Vec<(u64, Option<Vec<u8>>)> {
        let mut lines = Lines::default();
        let mut out = Vec::new();
        for part in parts {
            lines.feed(part, |n, raw| out.push((n, raw.map(<[u8]>::to_vec))));
        }
        lines.finish(|n, raw| out.push((n, raw.map(<[u8]>::to_vec))));
        out
    }

    #[test]
    fn lines_are_cut_across_chunks_and_numbered() {
        let out = split(&[b"ab", b"c\nd", b"e\n\nf"]);
        assert_eq!(
            out,
            [
                (1, Some(b"abc".to_vec())),
                (2, Some(b"de".to_vec())),
                (3, Some(Vec::new())),
                (4, Some(b"f".to_vec())),
            ]
        );
        assert_eq!(split(&[b"x\n"]), [(1, Some(b"x".to_vec()))]);
    }

    #[test]
    fn an_overlong_line_is_not_buffered() {
        let long = vec![b'a'; MAX_LINE_BYTES + 1];
        let out = split(&[&long, b"\nok\n"]);
        assert_eq!(out, [(1, None), (2, Some(b"ok".to_vec()))]);
    }
}

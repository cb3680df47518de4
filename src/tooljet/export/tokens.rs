//! An export as JSON tokens, chunk by chunk, in bounded memory.
//!
//! actson parses; it keeps each string whole until its end, and an export may hold an inline
//! image of many MB in one string. So every string longer than [`CUT`] bytes is cut before
//! actson sees it: its first [`CUT`] bytes go on (at a character boundary, never inside an
//! escape), and the rest is only hashed, as the string's tail. A number or literal longer than
//! [`MAX_WORD`] bytes is no JSON ToolJet writes, and is refused.

use std::collections::VecDeque;
use std::hash::{DefaultHasher, Hasher};

use actson::feeder::JsonFeeder;
use actson::options::JsonParserOptionsBuilder;
use actson::{JsonEvent, JsonParser};

use super::ExportError;

/// The most of one string that reaches the parser; the rest is hashed as it passes.
pub(super) const CUT: usize = 1024 * 1024;
/// The longest number or literal (`true`, `false`, `null`) read.
const MAX_WORD: usize = 4096;
/// The deepest nesting read; an app definition is far shallower.
pub(super) const MAX_DEPTH: usize = 512;

/// One token of the export. Not `Debug`: it holds the export's values.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Token<'a> {
    StartObject,
    EndObject,
    StartArray,
    EndArray,
    /// A key of an object.
    Name(Text<'a>),
    String(Text<'a>),
    /// A number, as written.
    Number(&'a str),
    Bool(bool),
    Null,
}

/// A string as read: whole, or its first [`CUT`] bytes and a hash of the rest.
#[derive(Clone, Copy, PartialEq)]
pub(super) struct Text<'a> {
    pub head: &'a str,
    /// The hash of the bytes cut off, as written (escapes kept).
    pub tail: Option<u64>,
}

impl<'a> Text<'a> {
    /// The whole string, when nothing was cut from it.
    pub fn whole(&self) -> Option<&'a str> {
        self.tail.is_none().then_some(self.head)
    }
}

/// What the reader does after a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flow {
    More,
    /// Nothing more is needed: the rest of the input is not read.
    Done,
}

/// The tokens of one export, fed chunk by chunk.
pub(super) struct Tokens {
    parser: JsonParser<Feeder>,
    cutter: Cutter,
    /// Strings the parser has reported so far, keys included.
    strings: u64,
    depth: usize,
    done: bool,
}

impl Default for Tokens {
    fn default() -> Self {
        let options = JsonParserOptionsBuilder::default()
            // Deeper than ours: [`MAX_DEPTH`] is told apart from actson's syntax errors.
            .with_max_depth(MAX_DEPTH + 8)
            .build();
        Self {
            parser: JsonParser::new_with_options(Feeder::default(), options),
            cutter: Cutter::default(),
            strings: 0,
            depth: 0,
            done: false,
        }
    }
}

impl Tokens {
    /// Reads the next chunk, giving each whole token to `sink`; `Ok(true)` once `sink` said it
    /// is done, after which nothing more is read.
    pub fn feed(
        &mut self,
        chunk: &[u8],
        sink: &mut impl FnMut(Token<'_>) -> Result<Flow, ExportError>,
    ) -> Result<bool, ExportError> {
        let mut rest = chunk;
        while !self.done && !rest.is_empty() {
            let (passed, used) = self.cutter.pass(rest)?;
            self.parser
                .feeder
                .push(rest.get(..passed).unwrap_or_default());
            rest = rest.get(used..).unwrap_or_default();
            self.drain(sink)?;
        }
        Ok(self.done)
    }

    /// The input has ended: the last tokens, then `Ok(true)` when the JSON text was whole,
    /// `Ok(false)` when it was cut short.
    pub fn end(
        &mut self,
        sink: &mut impl FnMut(Token<'_>) -> Result<Flow, ExportError>,
    ) -> Result<bool, ExportError> {
        if self.done {
            return Ok(true);
        }
        self.parser.feeder.done = true;
        match self.drain(sink) {
            Ok(()) => Ok(true),
            Err(ExportError::Ended) => Ok(false),
            Err(err) => Err(err),
        }
    }

    /// Gives `sink` every token the parser can make of what it was given.
    fn drain(
        &mut self,
        sink: &mut impl FnMut(Token<'_>) -> Result<Flow, ExportError>,
    ) -> Result<(), ExportError> {
        loop {
            let event = match self.parser.next_event() {
                Ok(Some(JsonEvent::NeedMoreInput)) => return Ok(()),
                Ok(None) => {
                    self.done = true;
                    return Ok(());
                }
                Ok(Some(event)) => event,
                Err(actson::parser::ParserError::NoMoreInput) => return Err(ExportError::Ended),
                Err(_) => return Err(self.bad()),
            };
            let flow = match event {
                JsonEvent::StartObject | JsonEvent::StartArray => {
                    self.depth += 1;
                    if self.depth > MAX_DEPTH {
                        return Err(ExportError::TooDeep);
                    }
                    sink(match event {
                        JsonEvent::StartObject => Token::StartObject,
                        _ => Token::StartArray,
                    })?
                }
                JsonEvent::EndObject => {
                    self.depth -= 1;
                    sink(Token::EndObject)?
                }
                JsonEvent::EndArray => {
                    self.depth -= 1;
                    sink(Token::EndArray)?
                }
                JsonEvent::FieldName | JsonEvent::ValueString => {
                    self.strings += 1;
                    let tail = self.cutter.tail_of(self.strings);
                    let head = self.parser.current_str().map_err(|_| self.bad())?;
                    let text = Text { head, tail };
                    sink(match event {
                        JsonEvent::FieldName => Token::Name(text),
                        _ => Token::String(text),
                    })?
                }
                JsonEvent::ValueInt | JsonEvent::ValueFloat => {
                    let number = self.parser.current_str().map_err(|_| self.bad())?;
                    sink(Token::Number(number))?
                }
                JsonEvent::ValueTrue => sink(Token::Bool(true))?,
                JsonEvent::ValueFalse => sink(Token::Bool(false))?,
                JsonEvent::ValueNull => sink(Token::Null)?,
                JsonEvent::NeedMoreInput => return Ok(()),
            };
            if flow == Flow::Done {
                self.done = true;
                return Ok(());
            }
        }
    }

    /// Not JSON, at the byte of the input the parser stopped at.
    fn bad(&self) -> ExportError {
        let parsed = self.parser.parsed_bytes() as u64;
        ExportError::NotJson(parsed.saturating_sub(1) + self.cutter.dropped)
    }
}

/// What the parser reads next: a slice of a chunk at a time, copied once (actson's own
/// feeder takes a byte at a time into a ring of 1 KiB).
#[derive(Default)]
struct Feeder {
    input: Vec<u8>,
    at: usize,
    done: bool,
}

impl Feeder {
    /// Gives the parser `bytes`, once it has read all it had.
    fn push(&mut self, bytes: &[u8]) {
        self.input.clear();
        self.input.extend_from_slice(bytes);
        self.at = 0;
    }
}

impl JsonFeeder for Feeder {
    fn has_input(&self) -> bool {
        self.at < self.input.len()
    }

    fn is_done(&self) -> bool {
        self.done && !self.has_input()
    }

    fn next_input(&mut self) -> Option<u8> {
        let byte = self.input.get(self.at).copied();
        self.at += usize::from(byte.is_some());
        byte
    }
}

/// Where the cutter is in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Place {
    /// Between strings: structure, white space, numbers and literals.
    #[default]
    Outside,
    /// In a string, after `len` bytes.
    String(InString),
    /// In the cut part of a string, `escape` after a backslash.
    Cut { escape: bool },
}

/// Cuts every string longer than [`CUT`] bytes before the parser sees it, hashing what it cuts.
#[derive(Default)]
struct Cutter {
    place: Place,
    /// Bytes of the number or literal being read.
    word: usize,
    /// Strings opened so far.
    opened: u64,
    /// The hash of the part cut from the string being read.
    hasher: Option<DefaultHasher>,
    /// Strings cut and not yet reported by the parser: (which string, hash of its tail).
    tails: VecDeque<(u64, u64)>,
    /// Bytes not passed to the parser so far.
    dropped: u64,
    /// Bytes read so far, for where an error is.
    offset: u64,
}

impl Cutter {
    /// How many bytes of `input` go to the parser as they are, and how many are used up: all
    /// of them, or those up to where a string starts or stops being cut.
    fn pass(&mut self, input: &[u8]) -> Result<(usize, usize), ExportError> {
        if let Place::Cut { .. } = self.place {
            let used = self.skip(input);
            self.dropped += used as u64;
            return Ok((0, used));
        }
        let mut place = self.place;
        let mut at = 0;
        let passed = loop {
            let Some(&byte) = input.get(at) else {
                break Ok((input.len(), input.len()));
            };
            place = match place {
                Place::Outside => match byte {
                    b'"' => {
                        self.opened += 1;
                        self.word = 0;
                        Place::String(InString::default())
                    }
                    b'{' | b'}' | b'[' | b']' | b',' | b':' | b' ' | b'\t' | b'\n' | b'\r' => {
                        self.word = 0;
                        Place::Outside
                    }
                    _ => {
                        self.word += 1;
                        if self.word > MAX_WORD {
                            break Err(ExportError::NotJson(self.offset + at as u64));
                        }
                        Place::Outside
                    }
                },
                Place::String(string) if string.is_plain() && string.len < CUT => {
                    // Plain text up to the next quote or backslash, or to the cut.
                    let room = (CUT - string.len).min(input.len() - at);
                    let window = input.get(at..at + room).unwrap_or_default();
                    let plain = memchr::memchr2(b'"', b'\\', window).unwrap_or(room).max(1);
                    at += plain - 1;
                    let last = input.get(at).copied().unwrap_or_default();
                    InString {
                        len: string.len + plain - 1,
                        ..string
                    }
                    .after(last)
                }
                Place::String(string) if string.len >= CUT && string.may_cut_before(byte) => {
                    self.hasher = Some(DefaultHasher::new());
                    place = Place::Cut { escape: false };
                    break Ok((at, at));
                }
                Place::String(string) => string.after(byte),
                Place::Cut { .. } => unreachable!("cut strings are skipped above"),
            };
            at += 1;
        };
        self.place = place;
        self.offset += passed.as_ref().map_or(at, |&(_, used)| used) as u64;
        passed
    }

    /// Hashes the cut part of a string up to its closing quote, which is left to pass; the
    /// bytes used up.
    fn skip(&mut self, input: &[u8]) -> usize {
        let Place::Cut { mut escape } = self.place else {
            return 0;
        };
        let mut end = input.len();
        for (at, &byte) in input.iter().enumerate() {
            if !escape && byte == b'"' {
                end = at;
                break;
            }
            escape = !escape && byte == b'\\';
        }
        let cut = input.get(..end).unwrap_or_default();
        if let Some(hasher) = &mut self.hasher {
            hasher.write(cut);
        }
        self.offset += end as u64;
        if end < input.len() {
            let hash = self.hasher.take().map_or(0, |hasher| hasher.finish());
            self.tails.push_back((self.opened, hash));
            self.place = Place::String(InString {
                len: CUT,
                ..InString::default()
            });
        } else {
            self.place = Place::Cut { escape };
        }
        end
    }

    /// The hash of what was cut from the `nth` string, if it was cut.
    fn tail_of(&mut self, nth: u64) -> Option<u64> {
        while let Some(&(string, hash)) = self.tails.front() {
            if string > nth {
                return None;
            }
            self.tails.pop_front();
            if string == nth {
                return Some(hash);
            }
        }
        None
    }
}

/// Where the cutter is in a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct InString {
    /// Bytes read since its opening quote.
    len: usize,
    /// Just after a backslash.
    escape: bool,
    /// Hex digits of a `\u` escape still to come, and its code so far.
    unicode: u8,
    code: u16,
    /// The last character was a `\u` escape of a high surrogate, whose low half follows.
    high: bool,
}

impl InString {
    /// Where it is after `byte`.
    fn after(self, byte: u8) -> Place {
        let len = self.len + 1;
        if self.unicode > 0 {
            let digit = (byte as char).to_digit(16).unwrap_or(0) as u16;
            let code = self.code << 4 | digit;
            return Place::String(InString {
                len,
                unicode: self.unicode - 1,
                code,
                high: self.unicode == 1 && (0xD800..0xDC00).contains(&code),
                ..InString::default()
            });
        }
        match (self.escape, byte) {
            (false, b'"') => Place::Outside,
            (false, b'\\') => Place::String(InString {
                len,
                escape: true,
                high: self.high,
                ..InString::default()
            }),
            (true, b'u') => Place::String(InString {
                len,
                unicode: 4,
                ..InString::default()
            }),
            _ => Place::String(InString {
                len,
                ..InString::default()
            }),
        }
    }

    /// Not inside an escape: the next byte is text, a backslash or the closing quote.
    fn is_plain(self) -> bool {
        !self.escape && self.unicode == 0
    }

    /// The string may be cut before `byte`: that starts a character or an escape, does not end
    /// the string, and is not the low half of a surrogate pair.
    fn may_cut_before(self, byte: u8) -> bool {
        !self.escape && self.unicode == 0 && !self.high && byte != b'"' && (byte & 0xC0) != 0x80
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tokens of `chunks`, as text, each string with a mark when cut.
    fn tokens_of(chunks: &[&[u8]]) -> Result<Vec<String>, ExportError> {
        let mut tokens = Tokens::default();
        let mut seen = Vec::new();
        let mut sink = |token: Token<'_>| {
            seen.push(match token {
                Token::Name(text) | Token::String(text) => format!(
                    "{}{}",
                    text.head.len(),
                    text.tail.map_or(String::new(), |tail| format!("+{tail:x}"))
                ),
                Token::Number(number) => number.to_owned(),
                Token::Bool(value) => value.to_string(),
                Token::Null => "null".to_owned(),
                Token::StartObject => "{".to_owned(),
                Token::EndObject => "}".to_owned(),
                Token::StartArray => "[".to_owned(),
                Token::EndArray => "]".to_owned(),
            });
            Ok(Flow::More)
        };
        for chunk in chunks {
            tokens.feed(chunk, &mut sink)?;
        }
        match tokens.end(&mut sink)? {
            true => Ok(seen),
            false => Err(ExportError::Ended),
        }
    }

    #[test]
    fn a_string_longer_than_the_cut_reaches_the_parser_cut_and_its_tail_hashed() {
        let long = format!(r#"["{}é\"{}", "short"]"#, "a".repeat(CUT), "b".repeat(CUT));
        let seen = tokens_of(&[long.as_bytes()]).unwrap();
        assert_eq!(seen.len(), 4, "{seen:?}");
        assert!(seen[1].starts_with(&format!("{CUT}+")), "{seen:?}");
        assert_eq!(seen[2], "5");
    }

    #[test]
    fn a_cut_string_reads_the_same_in_any_chunks_and_differs_by_its_tail() {
        let long = |end: &str| format!(r#"{{"k":"{}{end}","n":1}}"#, "x".repeat(CUT + 10));
        let text = long("end");
        let whole = tokens_of(&[text.as_bytes()]).unwrap();
        for size in [1, 7, 1000, 4096] {
            let chunks: Vec<&[u8]> = text.as_bytes().chunks(size).collect();
            assert_eq!(tokens_of(&chunks).unwrap(), whole, "chunks of {size}");
        }
        assert_ne!(tokens_of(&[long("End").as_bytes()]).unwrap(), whole);
    }

    #[test]
    fn a_cut_never_splits_a_character_or_an_escape() {
        for filler in ["é", "\\n", "\\u00e9", "\\ud83d\\ude00"] {
            let text = format!(r#"["{}"]"#, filler.repeat(CUT));
            let seen = tokens_of(&[text.as_bytes()]).unwrap();
            assert!(seen[1].contains('+'), "{filler}: cut");
        }
    }

    #[test]
    fn a_number_longer_than_any_json_is_refused() {
        let text = format!("[{}]", "1".repeat(MAX_WORD + 1));
        assert!(matches!(
            tokens_of(&[text.as_bytes()]),
            Err(ExportError::NotJson(_))
        ));
    }
}

//! The XML reader and writer under the OSS body types of `xml.rs`: a small parser that turns a
//! document into a tree of elements, [`Fields`] to pick a body's fields out of it by name, and
//! [`XmlWriter`] to write one. Own code rather than an XML crate, which was the largest part of
//! the shipped .wasm (see the module above).
//!
//! What the reader accepts is the XML OSS and compatible servers send: a prolog, comments and
//! processing instructions, attributes (ignored, `xmlns` included), namespace prefixes (matched
//! by local name), the five predefined entities, character references and CDATA. A DOCTYPE is
//! refused, so no entity is ever defined by the body. It never panics: malformed, truncated or
//! hostile input is an [`XmlError`].

use std::fmt::Write as _;

/// Deepest element nesting accepted. OSS bodies nest at most 3 levels (root, `<Part>`, field);
/// refusing deeper documents up front keeps hostile bodies from costing time or memory later.
const MAX_DEPTH: usize = 16;

/// Why a body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    /// The body is longer than any OSS answer this crate reads.
    #[error("XML body is {len} bytes, more than the {max} accepted")]
    TooLarge {
        /// The body's length, in bytes.
        len: usize,
        /// The largest body read, in bytes.
        max: usize,
    },
    /// The body is not UTF-8.
    #[error("XML body is not UTF-8")]
    NotUtf8,
    /// The body is empty.
    #[error("XML body is empty")]
    Empty,
    /// The body is not well-formed XML; says what and where.
    #[error("XML body is malformed: {0}")]
    Malformed(String),
    /// The root element is not the one expected.
    #[error("XML body has root <{found}>, expected <{expected}>")]
    WrongRoot {
        /// The root element the body should have.
        expected: &'static str,
        /// The root element it has.
        found: String,
    },
    /// The elements do not fit the body's type (missing, repeated, not a number, …).
    #[error("XML body does not fit <{root}>: {reason}")]
    Shape {
        /// The body's root element.
        root: &'static str,
        /// What does not fit.
        reason: String,
    },
    /// A field asked for URL encoding (`encoding-type=url`) is not valid percent-encoded UTF-8.
    #[error("URL-encoded field in <{root}> is not valid percent-encoded UTF-8")]
    BadUrlEncoding {
        /// The body's root element.
        root: &'static str,
    },
}

/// One element of a parsed body: its qualified name, its text (entities, character references
/// and CDATA resolved, surrounding whitespace trimmed) and its child elements in document order.
#[derive(Debug, Default)]
pub struct Element<'a> {
    qname: &'a str,
    text: String,
    children: Vec<Element<'a>>,
    /// Where CDATA content starts and ends in `text`: it is kept verbatim, whitespace and all.
    cdata: Option<(usize, usize)>,
}

impl<'a> Element<'a> {
    /// The local name: `ListPartsResult` for both `<ListPartsResult>` and `<oss:ListPartsResult>`.
    pub fn name(&self) -> &'a str {
        match self.qname.rfind(':') {
            Some(i) => &self.qname[i + 1..],
            None => self.qname,
        }
    }

    /// The text, trimmed as `finish` left it.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Trims the whitespace around the text of an element that has children: it is the
    /// indentation of a pretty-printed body (OSS indents its bodies). A leaf's text is content,
    /// kept as written: an object key may start or end with spaces, and OSS writes it plainly
    /// (`<Key> a </Key>`), as the dev server does with the same writer.
    fn finish(&mut self) {
        if self.children.is_empty() {
            return;
        }
        let t = &self.text;
        let mut start = t.len() - t.trim_start_matches(is_xml_space).len();
        let mut end = t.trim_end_matches(is_xml_space).len();
        if let Some((a, b)) = self.cdata {
            start = start.min(a);
            end = end.max(b);
        }
        if start >= end {
            self.text.clear();
        } else {
            self.text.truncate(end);
            self.text.drain(..start);
        }
    }
}

fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn malformed(at: usize, what: &str) -> XmlError {
    XmlError::Malformed(format!("{what} (at byte {at})"))
}

/// Reads the whole document: one root element, balanced tags, nothing but whitespace, comments
/// or processing instructions outside it. Returns the root element.
pub(crate) fn read_document(s: &str) -> Result<Element<'_>, XmlError> {
    let truncated = || XmlError::Malformed("document is truncated".into());
    // Open elements, innermost last; a closed element moves into its parent's children.
    let mut open: Vec<Element<'_>> = Vec::new();
    let mut root: Option<Element<'_>> = None;
    let mut pos = 0;
    while pos < s.len() {
        let rest = &s[pos..];
        let text_len = rest.find('<').unwrap_or(rest.len());
        if text_len > 0 {
            let text = &rest[..text_len];
            match open.last_mut() {
                Some(el) => decode_text(text, pos, &mut el.text)?,
                None if text.chars().all(is_xml_space) => {}
                None => return Err(malformed(pos, "text outside the root element")),
            }
            pos += text_len;
            continue;
        }
        // `rest` starts with '<'.
        let (skip_to, end_len) = if rest.starts_with("<?") {
            (rest.find("?>"), 2)
        } else if rest.starts_with("<!--") {
            (rest.find("-->"), 3)
        } else if let Some(body) = rest.strip_prefix("<![CDATA[") {
            let Some(el) = open.last_mut() else {
                return Err(malformed(pos, "text outside the root element"));
            };
            let len = body.find("]]>").ok_or_else(truncated)?;
            let start = el.text.len();
            push_normalized(&body[..len], &mut el.text);
            let end = el.text.len();
            el.cdata = Some(el.cdata.map_or((start, end), |(a, _)| (a, end)));
            pos += "<![CDATA[".len() + len + 3;
            continue;
        } else if rest.starts_with("<!DOCTYPE") {
            // OSS never sends a DOCTYPE; refusing it removes any entity-expansion question.
            return Err(XmlError::Malformed("DOCTYPE is not accepted".into()));
        } else if rest.starts_with("<!") {
            return Err(malformed(pos, "unknown markup `<!`"));
        } else {
            (None, 0)
        };
        if end_len > 0 {
            pos += skip_to.ok_or_else(truncated)? + end_len;
            continue;
        }
        if let Some(after) = rest.strip_prefix("</") {
            let name_len = name_len(after, pos + 2)?;
            let qname = &after[..name_len];
            let tail = after[name_len..].trim_start_matches(is_xml_space);
            if tail.is_empty() {
                return Err(truncated());
            }
            if !tail.starts_with('>') {
                return Err(malformed(pos, "junk in an end tag"));
            }
            let Some(mut el) = open.pop() else {
                return Err(malformed(pos, "unbalanced end tag"));
            };
            if el.qname != qname {
                return Err(XmlError::Malformed(format!(
                    "expected </{}>, found </{qname}> (at byte {pos})",
                    el.qname
                )));
            }
            el.finish();
            pos = s.len() - tail.len() + 1;
            close(el, &mut open, &mut root);
            continue;
        }
        // A start tag: `<name attr="value" …>` or `<name …/>`.
        let after = &rest[1..];
        let name_len = name_len(after, pos + 1)?;
        let qname = &after[..name_len];
        let mut tail = &after[name_len..];
        let empty = loop {
            tail = tail.trim_start_matches(is_xml_space);
            if let Some(t) = tail.strip_prefix('>') {
                tail = t;
                break false;
            }
            if let Some(t) = tail.strip_prefix("/>") {
                tail = t;
                break true;
            }
            if tail.is_empty() || tail == "/" {
                return Err(truncated());
            }
            tail = skip_attribute(tail, s.len() - tail.len())?;
        };
        if open.is_empty() && root.is_some() {
            return Err(malformed(pos, "more than one root element"));
        }
        if open.len() >= MAX_DEPTH {
            return Err(malformed(pos, "elements nested too deeply"));
        }
        pos = s.len() - tail.len();
        let el = Element {
            qname,
            ..Element::default()
        };
        if empty {
            close(el, &mut open, &mut root);
        } else {
            open.push(el);
        }
    }
    if !open.is_empty() {
        return Err(truncated());
    }
    root.ok_or(XmlError::Empty)
}

/// Moves a finished element into its parent, or makes it the root.
fn close<'a>(el: Element<'a>, open: &mut [Element<'a>], root: &mut Option<Element<'a>>) {
    match open.last_mut() {
        Some(parent) => parent.children.push(el),
        None => *root = Some(el),
    }
}

/// Length of the tag name at the start of `s` (`at` is its offset in the document, for errors).
fn name_len(s: &str, at: usize) -> Result<usize, XmlError> {
    let len = s
        .find(|c: char| is_xml_space(c) || c == '>' || c == '/')
        .ok_or_else(|| XmlError::Malformed("document is truncated".into()))?;
    let name = &s[..len];
    let bad_start = name.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.');
    // A qualified name is `prefix:local` or `local`, both parts non-empty (Namespaces in XML
    // 1.0, https://www.w3.org/TR/xml-names/#ns-qualnames). `<:/>` or `<oss:>` would leave an
    // element whose local name is empty, which no writer can write back (found by fuzzing).
    let empty_part = name.starts_with(':') || name.ends_with(':');
    if name.is_empty()
        || bad_start
        || empty_part
        || name.contains(['<', '&', '"', '\'', '=', '!', '?'])
    {
        return Err(malformed(at, "invalid tag name"));
    }
    Ok(len)
}

/// Skips one `name="value"` (or `'value'`) attribute; attributes carry nothing OSS bodies need.
fn skip_attribute(s: &str, at: usize) -> Result<&str, XmlError> {
    let truncated = || XmlError::Malformed("document is truncated".into());
    let eq = s.find('=').ok_or_else(truncated)?;
    let name = s[..eq].trim_end_matches(is_xml_space);
    if name.is_empty() || name.contains(['<', '>', '/', '"', '\'', ' ', '\t', '\r', '\n']) {
        return Err(malformed(at, "invalid attribute"));
    }
    let value = s[eq + 1..].trim_start_matches(is_xml_space);
    let quote = value.chars().next().ok_or_else(truncated)?;
    if quote != '"' && quote != '\'' {
        return Err(malformed(at, "attribute value without quotes"));
    }
    let len = value[1..].find(quote).ok_or_else(truncated)?;
    if value[1..1 + len].contains('<') {
        return Err(malformed(at, "`<` in an attribute value"));
    }
    Ok(&value[len + 2..])
}

/// Appends character data with its references resolved and line ends normalized to `\n`.
fn decode_text(text: &str, at: usize, out: &mut String) -> Result<(), XmlError> {
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        push_normalized(&rest[..amp], out);
        let reference = &rest[amp + 1..];
        let at = at + (text.len() - reference.len());
        let semi = reference
            .find(';')
            .filter(|&i| i <= 10)
            .ok_or_else(|| malformed(at, "unterminated entity reference"))?;
        let c = match &reference[..semi] {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            num => {
                let code = match num.strip_prefix("#x") {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => num.strip_prefix('#').and_then(|d| d.parse().ok()),
                };
                match code.and_then(char::from_u32) {
                    Some(c) if c != '\0' => c,
                    _ if num.starts_with('#') => {
                        return Err(malformed(at, "invalid character reference"))
                    }
                    _ => return Err(malformed(at, "unknown entity")),
                }
            }
        };
        out.push(c);
        rest = &reference[semi + 1..];
    }
    push_normalized(rest, out);
    Ok(())
}

/// Appends `s` with `\r\n` and lone `\r` turned into `\n`, as XML parsers must.
fn push_normalized(s: &str, out: &mut String) {
    let mut parts = s.split('\r');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    for part in parts {
        out.push('\n');
        out.push_str(part.strip_prefix('\n').unwrap_or(part));
    }
}

/// The fields of one element of a body, read by name. Errors name the body's root element.
pub struct Fields<'e> {
    root: &'static str,
    element: &'e Element<'e>,
}

impl<'e> Fields<'e> {
    /// The fields of `element`, the root of a `<root>` body (errors name it).
    pub fn new(root: &'static str, element: &'e Element<'e>) -> Self {
        Fields { root, element }
    }

    /// The element's children, for a body that keeps the elements it does not model.
    pub fn children(&self) -> &'e [Element<'e>] {
        &self.element.children
    }

    fn shape(&self, reason: String) -> XmlError {
        XmlError::Shape {
            root: self.root,
            reason,
        }
    }

    /// The one child element called `name`, if present.
    fn child(&self, name: &str) -> Result<Option<&'e Element<'e>>, XmlError> {
        let mut found = None;
        for c in self.element.children.iter().filter(|c| c.name() == name) {
            if found.is_some() {
                let parent = self.element.name();
                return Err(self.shape(format!("<{parent}> has more than one <{name}>")));
            }
            found = Some(c);
        }
        Ok(found)
    }

    /// The text of the child `name`, if present.
    pub fn opt(&self, name: &str) -> Result<Option<String>, XmlError> {
        match self.child(name)? {
            Some(c) if !c.children.is_empty() => {
                Err(self.shape(format!("<{name}> holds elements where text belongs")))
            }
            found => Ok(found.map(|c| c.text.clone())),
        }
    }

    /// The text of the child `name`, which must be present.
    pub fn req(&self, name: &str) -> Result<String, XmlError> {
        self.opt(name)?.ok_or_else(|| {
            let parent = self.element.name();
            self.shape(format!("<{parent}> has no <{name}>"))
        })
    }

    /// The text of the child `name`, or `""` when absent.
    pub fn or_empty(&self, name: &str) -> Result<String, XmlError> {
        Ok(self.opt(name)?.unwrap_or_default())
    }

    fn number(&self, name: &str, text: &str, max: u64) -> Result<u64, XmlError> {
        match text.parse::<u64>() {
            Ok(n) if n <= max => Ok(n),
            _ => Err(self.shape(format!("<{name}> is not a number up to {max}: \"{text}\""))),
        }
    }

    /// A required number up to `max`.
    pub fn req_number(&self, name: &str, max: u64) -> Result<u64, XmlError> {
        let text = self.req(name)?;
        self.number(name, &text, max)
    }

    /// An optional number; an empty element counts as absent, as OSS sends empty elements for
    /// unset markers.
    pub fn opt_number(&self, name: &str, max: u64) -> Result<Option<u64>, XmlError> {
        match self.opt(name)? {
            Some(text) if !text.is_empty() => self.number(name, &text, max).map(Some),
            _ => Ok(None),
        }
    }

    /// A marker such as `<NextPartNumberMarker>`: 0 when absent or empty.
    pub fn marker(&self, name: &str) -> Result<u32, XmlError> {
        let n = self.opt_number(name, u32::MAX.into())?.unwrap_or(0);
        // `opt_number` checked the bound.
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// A `true`/`false` (or `1`/`0`) flag, false when absent.
    pub fn flag(&self, name: &str) -> Result<bool, XmlError> {
        match self.opt(name)?.as_deref() {
            None | Some("false" | "0") => Ok(false),
            Some("true" | "1") => Ok(true),
            Some(other) => Err(self.shape(format!("<{name}> is not true or false: \"{other}\""))),
        }
    }

    /// Every child called `name`, in document order.
    pub fn list<'s>(&'s self, name: &'s str) -> impl Iterator<Item = Fields<'e>> + 's {
        self.element
            .children
            .iter()
            .filter(move |c| c.name() == name)
            .map(|element| Fields {
                root: self.root,
                element,
            })
    }
}

/// Writes the elements of a body; text is escaped, everything else is OSS's fixed names.
pub struct XmlWriter {
    out: String,
}

impl XmlWriter {
    /// A document that starts with `prolog` and a line break.
    pub fn new(prolog: &str) -> Self {
        let mut out = String::with_capacity(256);
        out.push_str(prolog);
        out.push('\n');
        XmlWriter { out }
    }

    /// The document written.
    pub fn finish(self) -> String {
        self.out
    }

    /// Writes `<name>`.
    pub fn open(&mut self, name: &str) {
        let _ = write!(self.out, "<{name}>");
    }

    /// Writes `</name>`.
    pub fn close(&mut self, name: &str) {
        let _ = write!(self.out, "</{name}>");
    }

    /// A line break between elements, for bodies written one element per line.
    pub fn newline(&mut self) {
        self.out.push('\n');
    }

    /// `<name>text</name>`, the text escaped by [`escape_text`].
    pub fn text(&mut self, name: &str, text: &str) {
        self.open(name);
        push_escaped(&mut self.out, text);
        self.close(name);
    }

    /// The element when `text` is present, nothing otherwise.
    pub fn opt(&mut self, name: &str, text: Option<&str>) {
        if let Some(text) = text {
            self.text(name, text);
        }
    }

    /// Writes `<name>n</name>`.
    pub fn number(&mut self, name: &str, n: u64) {
        let _ = write!(self.out, "<{name}>{n}</{name}>");
    }

    /// Writes `<name>true</name>` or `<name>false</name>`.
    pub fn flag(&mut self, name: &str, b: bool) {
        self.text(name, if b { "true" } else { "false" });
    }
}

/// `text` as XML character data: `&`, `<`, `>` escaped, and `\r` as `&#13;` (a parser would turn
/// a literal one into `\n`). Quotes stay literal, as in OSS's ETags (`<ETag>"3349DC…"</ETag>`).
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_escaped(&mut out, text);
    out
}

fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
}

//! Extraction of the server-rendered leaderboard from raw HTML source, without an HTML
//! parser, so the test checks the bytes the server sent and not a browser's repaired DOM.

/// Returns the raw markup inside each `<th>` cell of the leaderboard table's body, whatever
/// attributes the table, body and cells carry.
pub fn leaderboard_cells(html: &str) -> Vec<&str> {
    let table_start = html.find("id=\"leaderboard-table\"").expect("the page has the leaderboard table");
    let table_end = html[table_start..].find("</table>").expect("the leaderboard table is closed") + table_start;
    let table = &html[table_start..table_end];
    let (_, body) = next_element_content(table, "tbody").expect("the leaderboard table has a body");

    let mut cells = Vec::new();
    let mut rest = body;
    while let Some((after, cell)) = next_element_content(rest, "th") {
        cells.push(cell);
        rest = after;
    }
    cells
}

/// Finds the next `<name ...>...</name>` element in `html` and returns the text after it and
/// its content. Nested elements of the same name are not supported, which is enough for
/// table bodies and cells.
fn next_element_content<'a>(html: &'a str, name: &str) -> Option<(&'a str, &'a str)> {
    let open = format!("<{name}");
    let mut search_from = 0;
    let tag_start = loop {
        let found = html[search_from..].find(&open)? + search_from;
        let next = html[found + open.len()..].chars().next()?;
        if next == '>' || next.is_ascii_whitespace() {
            break found;
        }
        search_from = found + open.len();
    };
    let content_start = html[tag_start..].find('>')? + tag_start + 1;
    let close = format!("</{name}>");
    let content_end = html[content_start..].find(&close)? + content_start;
    Some((&html[content_end + close.len()..], &html[content_start..content_end]))
}

/// Decodes the character references an HTML escaper writes: `&amp;`, `&lt;`, `&gt;`,
/// `&quot;`, `&apos;` and numeric references such as `&#39;` or `&#x27;`. Panics on any
/// other `&`, which escaped text cannot contain.
pub fn decode_references(raw: &str) -> String {
    let mut decoded = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(start) = rest.find('&') {
        decoded.push_str(&rest[..start]);
        let end = rest[start..].find(';').map(|offset| start + offset).unwrap_or_else(|| {
            panic!("{raw:?} has a bare & that is not a character reference");
        });
        let name = &rest[start + 1..end];
        let character = match name {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => numeric_reference(name).unwrap_or_else(|| panic!("{raw:?} has an unexpected reference &{name};")),
        };
        decoded.push(character);
        rest = &rest[end + 1..];
    }
    decoded.push_str(rest);
    decoded
}

fn numeric_reference(name: &str) -> Option<char> {
    let number = name.strip_prefix('#')?;
    let code = match number.strip_prefix(['x', 'X']) {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        None => number.parse().ok()?,
    };
    char::from_u32(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_named_and_numeric_references() {
        assert_eq!(decode_references("O&#39;Brien &amp; &lt;b&gt; &#x22;x&quot;"), "O'Brien & <b> \"x\"");
    }

    #[test]
    fn cells_come_from_leaderboard_body_only() {
        let html = "<table id=\"other\"><tbody><th scope=\"row\">no</th></tbody></table>\
                    <table class=\"x\" id=\"leaderboard-table\"><thead><tr><th scope=\"col\">Rank</th></tr></thead>\
                    <tbody role=\"rowgroup\"><tr><th scope=\"row\" role=\"rowheader\">A&#39;b</th></tr>\
                    <tr><th>Zoë</th><thead-like>x</thead-like></tr></tbody></table>";
        assert_eq!(leaderboard_cells(html), ["A&#39;b", "Zoë"]);
    }
}

//! Sequence diagrams as SVG, drawn from a scenario's timeline data.
//!
//! The SVG carries a title and a text description for screen readers, uses `currentColor` so
//! it follows the page's light or dark colours, and has no inline style or script, so the
//! page's Content-Security-Policy allows it. CSS classes (`tl-*`) let the stylesheet colour
//! failures and successes; the icons and words say the same without colour.

use std::fmt::Write;

use crate::domain::timeline::{Step, StepKind, participant_name};

const COLUMN_WIDTH: i32 = 140;
const MARGIN: i32 = 12;
const HEADER_HEIGHT: i32 = 44;
const ROW_HEIGHT: i32 = 40;
const CONCURRENT_OFFSET: i32 = 16;
/// Average glyph width at the diagram's 12 px font, to size note boxes. An estimate: real
/// widths vary by font and glyph.
const GLYPH_WIDTH: f32 = 6.6;

/// What one diagram shows.
pub struct Diagram<'a> {
    /// Unique within the page, for element ids.
    pub id: &'a str,
    pub title: &'a str,
    pub participants: &'a [String],
    pub steps: &'a [Step],
}

/// Draws the diagram as a standalone `<svg>` element.
pub fn render_svg(diagram: &Diagram<'_>) -> String {
    let columns = diagram.participants.len().max(1) as i32;
    let width = MARGIN * 2 + columns * COLUMN_WIDTH;
    let rows = layout_rows(diagram.steps);
    let last_row = rows.last().copied().unwrap_or(HEADER_HEIGHT);
    let height = last_row + ROW_HEIGHT;
    let id = sanitize_id(diagram.id);
    let column_x = |participant: &str| -> i32 {
        let index = diagram.participants.iter().position(|p| p == participant).unwrap_or(0) as i32;
        MARGIN + index * COLUMN_WIDTH + COLUMN_WIDTH / 2
    };

    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-labelledby="{id}-title {id}-desc" font-family="system-ui, sans-serif" font-size="12">"#
    );
    let _ = write!(svg, r#"<title id="{id}-title">{}</title>"#, escape_xml(diagram.title));
    let _ = write!(svg, r#"<desc id="{id}-desc">{}</desc>"#, escape_xml(&describe(diagram)));
    let _ = write!(
        svg,
        r#"<defs><marker id="{id}-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="currentColor"/></marker></defs>"#
    );

    // Participants and their lifelines.
    for participant in diagram.participants {
        let x = column_x(participant);
        let name = participant_name(participant).unwrap_or(participant);
        let _ = write!(
            svg,
            r#"<line class="tl-lifeline" x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="currentColor" stroke-opacity="0.35" stroke-dasharray="3 4"/>"#,
            HEADER_HEIGHT - 8,
            height - 8
        );
        let _ = write!(
            svg,
            r#"<rect class="tl-participant" x="{}" y="6" width="{}" height="28" rx="6" fill="none" stroke="currentColor"/><text x="{x}" y="24" text-anchor="middle" font-weight="600" fill="currentColor">{}</text>"#,
            x - COLUMN_WIDTH / 2 + 8,
            COLUMN_WIDTH - 16,
            escape_xml(name)
        );
    }

    // Steps in time order.
    for (step, y) in diagram.steps.iter().zip(rows) {
        if step.kind.is_message() {
            let from = column_x(step.from.as_deref().unwrap_or_default());
            let to = column_x(step.to.as_deref().unwrap_or_default());
            draw_message(&mut svg, &id, step, from, to, y);
        } else {
            let x = column_x(step.over.as_deref().unwrap_or_default());
            draw_note(&mut svg, step, x.clamp(MARGIN + 40, width - MARGIN - 40), y, width);
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Returns the baseline y of each step: one row per step, and a small offset for a step
/// that happens at the same time as the one before it.
fn layout_rows(steps: &[Step]) -> Vec<i32> {
    let mut y = HEADER_HEIGHT;
    steps
        .iter()
        .map(|step| {
            y += if step.concurrent { CONCURRENT_OFFSET } else { ROW_HEIGHT };
            y
        })
        .collect()
}

fn draw_message(svg: &mut String, id: &str, step: &Step, from: i32, to: i32, y: i32) {
    let (class, dash) = match step.kind {
        StepKind::Response => ("tl-response", r#" stroke-dasharray="6 4""#),
        StepKind::Lost => ("tl-lost", r#" stroke-dasharray="2 3""#),
        StepKind::Retry => ("tl-retry", ""),
        _ => ("tl-request", ""),
    };
    let label_x = (from + to) / 2;
    let _ = write!(
        svg,
        r#"<text class="tl-label {class}" x="{label_x}" y="{}" text-anchor="middle" fill="currentColor">{}</text>"#,
        y - 6,
        escape_xml(&message_label(step))
    );
    if step.kind == StepKind::Lost {
        // A lost message stops partway and ends in a cross.
        let end = from + (to - from) * 3 / 5;
        let _ = write!(
            svg,
            r#"<line class="{class}" x1="{from}" y1="{y}" x2="{end}" y2="{y}" stroke="currentColor" stroke-width="1.5"{dash}/><path class="{class}" d="M{} {} L{} {} M{} {} L{} {}" stroke="currentColor" stroke-width="2"/>"#,
            end - 5, y - 5, end + 5, y + 5, end - 5, y + 5, end + 5, y - 5
        );
    } else {
        let _ = write!(
            svg,
            r#"<line class="{class}" x1="{from}" y1="{y}" x2="{to}" y2="{y}" stroke="currentColor" stroke-width="1.5"{dash} marker-end="url(#{id}-arrow)"/>"#
        );
    }
}

fn draw_note(svg: &mut String, step: &Step, x: i32, y: i32, diagram_width: i32) {
    let class = match step.kind {
        StepKind::Timeout => "tl-timeout",
        StepKind::Failure => "tl-failure",
        StepKind::Success => "tl-success",
        _ => "tl-note",
    };
    let text = note_label(step);
    let box_width = ((text.chars().count() as f32 * GLYPH_WIDTH) as i32 + 20).min(diagram_width - 2 * MARGIN);
    let left = (x - box_width / 2).clamp(MARGIN, diagram_width - MARGIN - box_width);
    let _ = write!(
        svg,
        r#"<rect class="{class}" x="{left}" y="{}" width="{box_width}" height="24" rx="4" fill="none" stroke="currentColor"/><text class="{class}" x="{}" y="{}" text-anchor="middle" fill="currentColor">{}</text>"#,
        y - 17,
        left + box_width / 2,
        y,
        escape_xml(&text)
    );
}

fn message_label(step: &Step) -> String {
    match step.kind {
        StepKind::Lost => format!("{} (lost)", step.label),
        _ => step.label.clone(),
    }
}

/// Prefixes notes with a symbol or word, so a failure or success reads without its colour.
fn note_label(step: &Step) -> String {
    match step.kind {
        StepKind::Timeout => format!("timeout: {}", step.label),
        StepKind::Failure => format!("\u{2717} {}", step.label),
        StepKind::Success => format!("\u{2713} {}", step.label),
        _ => step.label.clone(),
    }
}

/// Writes the diagram as numbered sentences: the text alternative for screen readers.
pub fn describe(diagram: &Diagram<'_>) -> String {
    let name = |id: &Option<String>| {
        id.as_deref().map(|id| participant_name(id).unwrap_or(id)).unwrap_or("?").to_owned()
    };
    let mut sentences = Vec::new();
    for (position, step) in diagram.steps.iter().enumerate() {
        let at_same_time = if step.concurrent { " At the same time:" } else { "" };
        let sentence = match step.kind {
            StepKind::Request => format!("{} to {}: {}.", name(&step.from), name(&step.to), step.label),
            StepKind::Response => format!("{} replies to {}: {}.", name(&step.from), name(&step.to), step.label),
            StepKind::Retry => format!("{} retries to {}: {}.", name(&step.from), name(&step.to), step.label),
            StepKind::Lost => format!("{} to {}: {}, lost on the way.", name(&step.from), name(&step.to), step.label),
            StepKind::Timeout => format!("{} times out: {}.", name(&step.over), step.label),
            StepKind::Failure => format!("Failure at {}: {}.", name(&step.over), step.label),
            StepKind::Success => format!("Success at {}: {}.", name(&step.over), step.label),
            StepKind::Note => format!("{}: {}.", name(&step.over), step.label),
        };
        sentences.push(format!("{}.{at_same_time} {sentence}", position + 1));
    }
    sentences.join(" ")
}

fn sanitize_id(id: &str) -> String {
    id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' }).collect()
}

/// Escapes text for XML content and attribute values.
fn escape_xml(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            other => escaped.push(other),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(kind: StepKind, from: Option<&str>, to: Option<&str>, over: Option<&str>, label: &str) -> Step {
        Step {
            kind,
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
            over: over.map(str::to_owned),
            label: label.to_owned(),
            concurrent: false,
        }
    }

    fn sample() -> (Vec<String>, Vec<Step>) {
        let participants = vec!["client".to_owned(), "api".to_owned()];
        let steps = vec![
            step(StepKind::Request, Some("client"), Some("api"), None, "POST /pay <k1> & \"x\""),
            step(StepKind::Lost, Some("api"), Some("client"), None, "201 Created"),
            step(StepKind::Timeout, None, None, Some("client"), "gives up after 30 s"),
            step(StepKind::Failure, None, None, Some("api"), "charged twice"),
        ];
        (participants, steps)
    }

    #[test]
    fn svg_escapes_labels() {
        let (participants, steps) = sample();
        let svg = render_svg(&Diagram { id: "s1", title: "T <1>", participants: &participants, steps: &steps });
        assert!(svg.contains("POST /pay &lt;k1&gt; &amp; &quot;x&quot;"));
        assert!(svg.contains("<title id=\"s1-title\">T &lt;1&gt;</title>"));
        assert!(!svg.contains("<k1>"));
    }

    #[test]
    fn svg_marks_lost_and_failure_without_colour() {
        let (participants, steps) = sample();
        let svg = render_svg(&Diagram { id: "s1", title: "T", participants: &participants, steps: &steps });
        assert!(svg.contains("201 Created (lost)"));
        assert!(svg.contains("\u{2717} charged twice"));
    }

    #[test]
    fn description_numbers_every_step() {
        let (participants, steps) = sample();
        let text = describe(&Diagram { id: "s1", title: "T", participants: &participants, steps: &steps });
        assert!(text.starts_with("1. Client to API"));
        assert!(text.contains("2. API to Client: 201 Created, lost on the way."));
        assert!(text.contains("4. Failure at API: charged twice."));
    }
}

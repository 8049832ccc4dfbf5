//! The content folder, embedded in the binary and parsed into the domain types.

use anyhow::Context;
use rust_embed::RustEmbed;

use crate::domain::bank::{ContentFile, ScenarioBank};
use crate::domain::catalogue::Catalogue;

#[derive(RustEmbed)]
#[folder = "content/"]
#[include = "*.toml"]
#[include = "scenarios/*.toml"]
struct ContentFiles;

/// Parses and validates the embedded scenario bank.
pub fn load_bank() -> anyhow::Result<ScenarioBank> {
    let files: Vec<(String, String)> = ContentFiles::iter()
        .filter_map(|path| {
            let name = path.strip_prefix("scenarios/")?.to_owned();
            let text = embedded_text(&path).ok()?;
            Some((name, text))
        })
        .collect();
    let retired = embedded_text("retired.toml")?;
    let bank = ScenarioBank::load(
        files.iter().map(|(name, text)| ContentFile { name, text }),
        &retired,
    )?;
    Ok(bank)
}

/// Parses the embedded catalogue of games.
pub fn load_catalogue() -> anyhow::Result<Catalogue> {
    Ok(Catalogue::parse(&embedded_text("games.toml")?)?)
}

fn embedded_text(path: &str) -> anyhow::Result<String> {
    let file = ContentFiles::get(path).with_context(|| format!("content file {path} is missing"))?;
    String::from_utf8(file.data.into_owned()).with_context(|| format!("content file {path} is not UTF-8"))
}

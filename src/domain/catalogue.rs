//! The catalogue of games, grouped by learning path.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LearningPath {
    pub id: String,
    pub name: String,
    pub summary: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Game {
    pub slug: String,
    pub path: String,
    pub title: String,
    pub summary: String,
    pub concept: String,
    pub difficulty: String,
    pub play_time: String,
    pub leaderboard_id: String,
    pub leaderboard_metric: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    #[serde(rename = "path")]
    pub paths: Vec<LearningPath>,
    #[serde(rename = "game")]
    pub games: Vec<Game>,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("games.toml: {0}")]
    Parse(String),
    #[error("games.toml: game {game} names unknown path {path}")]
    UnknownPath { game: String, path: String },
}

impl Catalogue {
    pub fn parse(text: &str) -> Result<Self, CatalogueError> {
        let catalogue: Catalogue =
            toml::from_str(text).map_err(|error| CatalogueError::Parse(error.message().to_owned()))?;
        for game in &catalogue.games {
            if !catalogue.paths.iter().any(|path| path.id == game.path) {
                return Err(CatalogueError::UnknownPath {
                    game: game.slug.clone(),
                    path: game.path.clone(),
                });
            }
        }
        Ok(catalogue)
    }

    pub fn game(&self, slug: &str) -> Option<&Game> {
        self.games.iter().find(|game| game.slug == slug)
    }

    pub fn path(&self, id: &str) -> Option<&LearningPath> {
        self.paths.iter().find(|path| path.id == id)
    }
}

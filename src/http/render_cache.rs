//! Rendered responses kept until what they were rendered from changes.
//!
//! The game page and the top-10 JSON are read far more often than the leaderboard changes.
//! Each rendering is stored with its source, the leaderboard it shows. A request whose
//! source equals the stored one gets the stored rendering, so the template, the JSON encoder
//! and the compressors run once per change instead of once per request.

use std::collections::HashMap;
use std::sync::Mutex;

/// Renderings of type `T` by name, each with the source `S` it was made from.
///
/// Names must come from a fixed set (page names, the slugs of known games), because
/// nothing is ever evicted.
pub struct RenderCache<S, T> {
    entries: Mutex<HashMap<String, (S, T)>>,
}

impl<S, T> Default for RenderCache<S, T> {
    fn default() -> Self {
        RenderCache { entries: Mutex::new(HashMap::new()) }
    }
}

impl<S: PartialEq + Clone, T: Clone> RenderCache<S, T> {
    /// Returns the rendering stored under `name` if it was made from `source`; otherwise
    /// calls `render`, stores its result and returns it. A failed rendering is not stored.
    ///
    /// `render` runs without the lock held, so two requests that arrive together after a
    /// change may both render; the later result replaces the earlier one.
    pub fn get_or_render<E>(&self, name: &str, source: &S, render: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
        if let Some((stored_source, rendering)) = self.lock().get(name) {
            if stored_source == source {
                return Ok(rendering.clone());
            }
        }
        let rendering = render()?;
        self.lock().insert(name.to_owned(), (source.clone(), rendering.clone()));
        Ok(rendering)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (S, T)>> {
        // Entries are replaced whole, so the map is consistent even after a panic elsewhere.
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::convert::Infallible;

    use super::*;

    #[test]
    fn renders_once_per_source() {
        let cache: RenderCache<u32, String> = RenderCache::default();
        let renders = Cell::new(0);
        let render = |text: &str| {
            renders.set(renders.get() + 1);
            Ok::<_, Infallible>(text.to_owned())
        };

        assert_eq!(cache.get_or_render("page", &1, || render("first")).unwrap(), "first");
        assert_eq!(cache.get_or_render("page", &1, || render("again")).unwrap(), "first");
        assert_eq!(renders.get(), 1);

        assert_eq!(cache.get_or_render("page", &2, || render("second")).unwrap(), "second");
        assert_eq!(cache.get_or_render("other", &2, || render("other")).unwrap(), "other");
        assert_eq!(renders.get(), 3);
    }

    #[test]
    fn failed_rendering_is_not_stored() {
        let cache: RenderCache<u32, String> = RenderCache::default();
        assert!(cache.get_or_render("page", &1, || Err("template failed")).is_err());
        assert_eq!(cache.get_or_render("page", &1, || Ok::<_, &str>("ok".to_owned())).unwrap(), "ok");
    }
}

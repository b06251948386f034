//! One catalogue for every text a learner reads in a second language: the lessons, the
//! Lessons window's words and the explanations of errors and states. English is the key
//! (gettext style): `assets/i18n/it.txt` pairs each English text with its Italian, and a
//! text without an entry shows in English.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// The languages a learner can choose (the View menu).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Lang {
    /// English, the texts as written.
    #[default]
    English,
    /// Italian, through the catalogue.
    Italian,
}

impl Lang {
    /// Every language, with its name in itself.
    pub const ALL: [(Lang, &'static str); 2] =
        [(Lang::English, "English"), (Lang::Italian, "Italiano")];
}

const ITALIAN: &str = include_str!("../../assets/i18n/it.txt");

/// The catalogue's entries: `en:` lines each followed by an `it:` line.
pub fn parse_catalogue(text: &str) -> HashMap<&str, &str> {
    let mut map = HashMap::new();
    let mut english = None;
    for line in text.lines() {
        if let Some(en) = line.strip_prefix("en: ") {
            english = Some(en);
        } else if let (Some(it), Some(en)) = (line.strip_prefix("it: "), english.take()) {
            map.insert(en, it);
        }
    }
    map
}

fn italian() -> &'static HashMap<&'static str, &'static str> {
    static MAP: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    MAP.get_or_init(|| parse_catalogue(ITALIAN))
}

/// `english` in `lang`: its catalogue entry, or itself when it has none.
pub fn tr(lang: Lang, english: &str) -> &str {
    match lang {
        Lang::English => english,
        Lang::Italian => italian().get(english).copied().unwrap_or(english),
    }
}

/// True when the catalogue of `lang` has an entry for `english`.
pub fn translated(lang: Lang, english: &str) -> bool {
    match lang {
        Lang::English => true,
        Lang::Italian => italian().contains_key(english),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_lesson_text_has_its_italian() {
        for lesson in crate::lessons::lessons() {
            let mut texts = vec![lesson.title.as_str(), lesson.intro.as_str()];
            texts.extend(lesson.steps.iter().map(|s| s.text.as_str()));
            for t in texts {
                assert!(
                    translated(Lang::Italian, t),
                    "{}: no Italian for {t:?}",
                    lesson.id
                );
            }
        }
        assert_eq!(tr(Lang::Italian, "Lessons"), "Lezioni");
        assert_eq!(tr(Lang::English, "Lessons"), "Lessons");
        assert_eq!(
            tr(Lang::Italian, "no such text"),
            "no such text",
            "English stands in"
        );
    }

    #[test]
    fn the_state_explanations_go_through_the_catalogue() {
        let s = crate::explain::explain_state(crate::engine::SockState::Listening);
        assert!(
            tr(Lang::Italian, s).starts_with("in ascolto"),
            "{}",
            tr(Lang::Italian, s)
        );
    }
}

//! Nicknames shown on the public leaderboard.

use unicode_general_category::{GeneralCategory, get_general_category};
use unicode_normalization::UnicodeNormalization;

/// Most characters a nickname may have, counted after normalisation.
pub const MAX_NICKNAME_CHARS: usize = 24;

/// A nickname that passed every rule: NFC-normalised, trimmed, 1 to 24 characters of letters,
/// marks, digits, spaces and `-_.'`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nickname(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NicknameError {
    #[error("the nickname is empty after trimming spaces")]
    Empty,
    #[error("the nickname has {0} characters; at most {MAX_NICKNAME_CHARS} are allowed")]
    TooLong(usize),
    #[error("the nickname contains a control character (U+{0:04X})")]
    ControlCharacter(u32),
    #[error("the nickname contains an invisible formatting character (U+{0:04X}), such as a bidirectional override or a zero-width character")]
    InvisibleCharacter(u32),
    #[error("the nickname contains {0:?}; only letters, marks, digits, spaces and - _ . ' are allowed")]
    DisallowedCharacter(char),
}

impl NicknameError {
    /// Returns a short machine-readable name of the rule that failed.
    pub fn rule(&self) -> &'static str {
        match self {
            NicknameError::Empty => "nickname-empty",
            NicknameError::TooLong(_) => "nickname-too-long",
            NicknameError::ControlCharacter(_) => "nickname-control-character",
            NicknameError::InvisibleCharacter(_) => "nickname-invisible-character",
            NicknameError::DisallowedCharacter(_) => "nickname-disallowed-character",
        }
    }
}

impl Nickname {
    pub fn parse(raw: &str) -> Result<Self, NicknameError> {
        let normalized: String = raw.nfc().collect();
        let trimmed = normalized.trim_matches(' ');

        for character in trimmed.chars() {
            check_character(character)?;
        }
        let length = trimmed.chars().count();
        if length == 0 {
            return Err(NicknameError::Empty);
        }
        if length > MAX_NICKNAME_CHARS {
            return Err(NicknameError::TooLong(length));
        }
        Ok(Nickname(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn check_character(character: char) -> Result<(), NicknameError> {
    use GeneralCategory as Category;

    if matches!(character, ' ' | '-' | '_' | '.' | '\'') {
        return Ok(());
    }
    match get_general_category(character) {
        Category::UppercaseLetter
        | Category::LowercaseLetter
        | Category::TitlecaseLetter
        | Category::ModifierLetter
        | Category::OtherLetter
        | Category::NonspacingMark
        | Category::SpacingMark
        | Category::EnclosingMark
        | Category::DecimalNumber => Ok(()),
        Category::Control => Err(NicknameError::ControlCharacter(character as u32)),
        // Format characters include the bidirectional overrides and isolates, zero-width
        // joiners and the byte order mark: all of them change how text around them reads.
        Category::Format => Err(NicknameError::InvisibleCharacter(character as u32)),
        _ => Err(NicknameError::DisallowedCharacter(character)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_keeps_inner_spaces() {
        assert_eq!(Nickname::parse("  Ada Lovelace ").unwrap().as_str(), "Ada Lovelace");
    }

    #[test]
    fn normalises_to_nfc() {
        let decomposed = "Jose\u{301}";
        assert_eq!(Nickname::parse(decomposed).unwrap().as_str(), "Jos\u{e9}");
    }

    #[test]
    fn accepts_letters_of_any_script() {
        for name in ["Zoë", "Łukasz", "李小龍", "Ωmega_9", "o'brien-2.0", "हिन्दी"] {
            assert!(Nickname::parse(name).is_ok(), "{name} should be accepted");
        }
    }

    #[test]
    fn rejects_empty_and_blank() {
        assert_eq!(Nickname::parse(""), Err(NicknameError::Empty));
        assert_eq!(Nickname::parse("    "), Err(NicknameError::Empty));
    }

    #[test]
    fn length_limit_counts_characters() {
        assert!(Nickname::parse(&"é".repeat(24)).is_ok());
        assert_eq!(Nickname::parse(&"a".repeat(25)), Err(NicknameError::TooLong(25)));
    }

    #[test]
    fn rejects_control_characters() {
        assert_eq!(Nickname::parse("a\u{7}b"), Err(NicknameError::ControlCharacter(7)));
        assert_eq!(Nickname::parse("a\nb"), Err(NicknameError::ControlCharacter(10)));
    }

    #[test]
    fn rejects_bidi_and_zero_width() {
        assert_eq!(Nickname::parse("a\u{202E}b"), Err(NicknameError::InvisibleCharacter(0x202E)));
        assert_eq!(Nickname::parse("a\u{200B}b"), Err(NicknameError::InvisibleCharacter(0x200B)));
        assert_eq!(Nickname::parse("a\u{2066}b"), Err(NicknameError::InvisibleCharacter(0x2066)));
    }

    #[test]
    fn rejects_markup_characters() {
        assert_eq!(Nickname::parse("<script>"), Err(NicknameError::DisallowedCharacter('<')));
        assert_eq!(Nickname::parse("a\"b"), Err(NicknameError::DisallowedCharacter('"')));
    }
}

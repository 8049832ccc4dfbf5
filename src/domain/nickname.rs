//! Nicknames shown on the public leaderboard.

use unicode_general_category::{GeneralCategory, get_general_category};
use unicode_normalization::UnicodeNormalization;

/// Most characters a nickname may have, counted after normalisation.
pub const MAX_NICKNAME_CHARS: usize = 24;
/// Most combining marks in a row. Real scripts stack two or three; more is "Zalgo" text that
/// spills over neighbouring rows of the leaderboard.
pub const MAX_CONSECUTIVE_MARKS: usize = 3;

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
    #[error("the nickname has no letter or digit")]
    NoLetterOrDigit,
    #[error("the nickname has a combining mark that follows no letter, or more than {MAX_CONSECUTIVE_MARKS} marks in a row")]
    StrayMarks,
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
            NicknameError::NoLetterOrDigit => "nickname-no-letter-or-digit",
            NicknameError::StrayMarks => "nickname-combining-marks",
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
        check_marks(trimmed)?;
        if !trimmed.chars().any(|character| is_letter_or_digit(get_general_category(character))) {
            return Err(if trimmed.is_empty() { NicknameError::Empty } else { NicknameError::NoLetterOrDigit });
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
    if is_default_ignorable(character) {
        return Err(NicknameError::InvisibleCharacter(character as u32));
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

/// Returns whether a character renders as nothing although its category is a letter or a
/// mark: the Hangul fillers, the combining grapheme joiner, Mongolian free variation
/// selectors and the variation selectors (Default_Ignorable_Code_Point in Unicode's
/// DerivedCoreProperties.txt; the format characters there are rejected by category).
fn is_default_ignorable(character: char) -> bool {
    matches!(
        character,
        '\u{034F}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FFA0}'
            | '\u{E0100}'..='\u{E01EF}'
    )
}

fn is_letter_or_digit(category: GeneralCategory) -> bool {
    use GeneralCategory as Category;
    matches!(
        category,
        Category::UppercaseLetter
            | Category::LowercaseLetter
            | Category::TitlecaseLetter
            | Category::ModifierLetter
            | Category::OtherLetter
            | Category::DecimalNumber
    )
}

fn is_mark(category: GeneralCategory) -> bool {
    use GeneralCategory as Category;
    matches!(category, Category::NonspacingMark | Category::SpacingMark | Category::EnclosingMark)
}

/// Checks that every combining mark follows a letter, a digit or another mark, and that no
/// more than [`MAX_CONSECUTIVE_MARKS`] follow each other.
fn check_marks(nickname: &str) -> Result<(), NicknameError> {
    let mut run = 0;
    let mut after_base = false;
    for character in nickname.chars() {
        let category = get_general_category(character);
        if is_mark(category) {
            run += 1;
            if !after_base || run > MAX_CONSECUTIVE_MARKS {
                return Err(NicknameError::StrayMarks);
            }
        } else {
            run = 0;
            after_base = is_letter_or_digit(category);
        }
    }
    Ok(())
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
    fn rejects_invisible_letters() {
        assert_eq!(Nickname::parse("\u{3164}\u{3164}"), Err(NicknameError::InvisibleCharacter(0x3164)));
        assert_eq!(Nickname::parse("a\u{FE0F}"), Err(NicknameError::InvisibleCharacter(0xFE0F)));
        assert_eq!(Nickname::parse("\u{034F}"), Err(NicknameError::InvisibleCharacter(0x034F)));
    }

    #[test]
    fn rejects_marks_without_letters() {
        assert_eq!(Nickname::parse("\u{301}\u{301}"), Err(NicknameError::StrayMarks));
        assert_eq!(Nickname::parse("a \u{301}"), Err(NicknameError::StrayMarks));
    }

    #[test]
    fn rejects_zalgo_stacks() {
        assert_eq!(Nickname::parse("a\u{301}\u{302}\u{303}\u{304}\u{305}"), Err(NicknameError::StrayMarks));
    }

    #[test]
    fn rejects_punctuation_only() {
        assert_eq!(Nickname::parse("-_.'"), Err(NicknameError::NoLetterOrDigit));
    }

    #[test]
    fn rejects_markup_characters() {
        assert_eq!(Nickname::parse("<script>"), Err(NicknameError::DisallowedCharacter('<')));
        assert_eq!(Nickname::parse("a\"b"), Err(NicknameError::DisallowedCharacter('"')));
    }
}

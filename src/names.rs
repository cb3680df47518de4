//! When two names are one name to a person: the same after Unicode's canonical caseless match
//! (NFD, full case folding, NFD), whatever their letter case and however their accents are
//! encoded. "Über" and "über", "STRASSE" and "straße", "ΟΔΟΣ" and "οδοσ", and a "Café" typed
//! with a combining accent and one with "é" composed are each one name. Folding is Unicode's
//! default, not Turkish: "I" folds to "i", and the dotless "ı" stays apart.

use caseless::Caseless;
use unicode_normalization::UnicodeNormalization;

/// What two names that are one name share: compare these, never lower-cased text.
pub fn folded(name: &str) -> String {
    // ASCII folds to its lower case and is its own NFD: no tables for most names.
    if name.is_ascii() {
        return name.to_ascii_lowercase();
    }
    name.chars().nfd().default_case_fold().nfd().collect()
}

/// True when `a` and `b` are one name to a person.
pub fn same(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    folded(a) == folded(b)
}

/// How `given` differs from `listed`, one name with it: for an error that says which to type.
pub fn difference(given: &str, listed: &str) -> &'static str {
    // NFD, not NFC: canonical equivalence either way, and NFC's composition tables stay out
    // of the binary.
    if given.nfd().eq(listed.nfd()) {
        "only in how its accented letters are encoded (Unicode normalisation)"
    } else if caseless::default_caseless_match_str(given, listed) {
        "only in letter case"
    } else {
        "only in letter case and in how its accented letters are encoded (Unicode normalisation)"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_differing_in_case_beyond_ascii_are_one_name() {
        for (a, b) in [
            ("Über", "über"),
            ("STRASSE", "straße"),
            ("ΟΔΟΣ", "οδοσ"),
            ("ΟΔΟΣ", "οδος"),
            ("Inventory", "INVENTORY"),
        ] {
            assert!(same(a, b), "{a} and {b}");
        }
    }

    #[test]
    fn a_combining_accent_and_a_composed_one_are_one_name() {
        let decomposed = "Cafe\u{301}";
        assert_ne!(decomposed, "Café");
        assert!(same(decomposed, "Café"));
        assert!(same(decomposed, "CAFÉ"));
        assert_eq!(
            difference(decomposed, "Café"),
            "only in how its accented letters are encoded (Unicode normalisation)"
        );
        assert_eq!(difference("café", "Café"), "only in letter case");
        assert_eq!(
            difference("CAFE\u{301}", "café"),
            "only in letter case and in how its accented letters are encoded (Unicode \
             normalisation)"
        );
    }

    #[test]
    fn different_letters_stay_different_names() {
        for (a, b) in [
            ("Orders", "Order"),
            ("ı", "i"),
            ("Café", "Cafe"),
            ("a b", "ab"),
        ] {
            assert!(!same(a, b), "{a} and {b}");
        }
    }
}

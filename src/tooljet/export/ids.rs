//! Ids inside an export's values: found in text, and mixed into hashes.
//!
//! ToolJet's ids are UUIDs, written in lower case. A version's pages, components, queries,
//! event handlers and local data sources get new ones in every version, and every reference to
//! them is rewritten (`{{queries.<id>.data}}`, an event's `queryId`, a component's `pageId`),
//! so content is compared with each id replaced by what it names.

/// The length of a UUID as text.
const LEN: usize = 36;

/// Where the dashes of a UUID are.
const DASHES: [usize; 4] = [8, 13, 18, 23];

/// `text` as a UUID, in either letter case.
pub(in crate::tooljet) fn parse(text: &[u8]) -> Option<u128> {
    if text.len() != LEN {
        return None;
    }
    let mut value = 0u128;
    for (at, &byte) in text.iter().enumerate() {
        if DASHES.contains(&at) {
            if byte != b'-' {
                return None;
            }
            continue;
        }
        value = value << 4 | u128::from((byte as char).to_digit(16)?);
    }
    Some(value)
}

/// The UUIDs in `text`, each with where it starts, in order; a UUID inside a longer run of
/// hex digits is none.
pub(super) fn find(text: &[u8]) -> impl Iterator<Item = (usize, u128)> + '_ {
    let mut from = 0;
    std::iter::from_fn(move || {
        while let Some(dash) = text.get(from..)?.iter().position(|&b| b == b'-') {
            let dash = from + dash;
            from = dash + 1;
            let Some(start) = dash.checked_sub(DASHES[0]) else {
                continue;
            };
            let hex = |at: usize| text.get(at).is_some_and(u8::is_ascii_hexdigit);
            if start > 0 && hex(start - 1) || hex(start + LEN) {
                continue;
            }
            if let Some(id) = text.get(start..start + LEN).and_then(parse) {
                from = start + LEN;
                return Some((start, id));
            }
        }
        None
    })
}

/// Mixes `value` into `hash`, in order: `mix(mix(h, a), b)` differs from `mix(mix(h, b), a)`.
pub(super) fn mix(hash: u64, value: u64) -> u64 {
    // SplitMix64's finaliser over the pair: inputs are already hashes, so this only needs to
    // spread bits and keep order.
    let mut z = hash.rotate_left(23) ^ value.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_found_in_text_in_either_case_and_only_whole() {
        let text = b"{{queries.0f5f3ad1-8f1e-4a53-9d0f-5a1e0c2b7d11.data}} and \
                     7C1D0A52-3B9E-4F7A-8D21-0E6B5C4A3F01, not a0f5f3ad1-8f1e-4a53-9d0f-5a1e0c2b7d11";
        let found: Vec<(usize, u128)> = find(text).collect();
        assert_eq!(
            found,
            [
                (10, 0x0f5f3ad1_8f1e_4a53_9d0f_5a1e0c2b7d11),
                (58, 0x7c1d0a52_3b9e_4f7a_8d21_0e6b5c4a3f01)
            ]
        );
    }

    #[test]
    fn what_is_no_uuid_is_not_parsed() {
        for text in [
            "",
            "0f5f3ad1-8f1e-4a53-9d0f-5a1e0c2b7d1",
            "0f5f3ad1_8f1e-4a53-9d0f-5a1e0c2b7d11",
            "0f5f3ad1-8f1e-4a53-9d0f-5a1e0c2b7d1g",
        ] {
            assert_eq!(parse(text.as_bytes()), None, "{text}");
        }
    }

    #[test]
    fn mixing_keeps_order() {
        assert_ne!(mix(mix(0, 1), 2), mix(mix(0, 2), 1));
    }
}

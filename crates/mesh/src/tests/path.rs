use crate::path::{PathError, PathRules, segments, segments_with};

#[test]
fn splits_decodes_and_ignores_the_query() {
    assert_eq!(segments("/").unwrap(), Vec::<String>::new());
    assert_eq!(segments("/?a=b").unwrap(), Vec::<String>::new());
    assert_eq!(segments("/photos/12?x=/../y").unwrap(), ["photos", "12"]);
    assert_eq!(segments("/photos/caf%C3%A9").unwrap(), ["photos", "café"]);
    // `+` is not a space in a path.
    assert_eq!(segments("/a+b").unwrap(), ["a+b"]);
}

#[test]
fn one_trailing_slash_is_dropped() {
    assert_eq!(segments("/photos/12/").unwrap(), ["photos", "12"]);
    assert_eq!(
        segments("/photos/12//"),
        Err(PathError::EmptySegment { index: 2 })
    );
}

#[test]
fn attacker_paths_are_refused() {
    let cases: &[(&str, PathError)] = &[
        ("", PathError::NotAbsolute),
        ("photos/1", PathError::NotAbsolute),
        ("/photos/1#frag", PathError::Fragment),
        ("//photos/1", PathError::EmptySegment { index: 0 }),
        ("/photos//1", PathError::EmptySegment { index: 1 }),
        (
            "/photos/../admin",
            PathError::DotSegment {
                index: 1,
                segment: "..".to_owned(),
            },
        ),
        (
            "/photos/./1",
            PathError::DotSegment {
                index: 1,
                segment: ".".to_owned(),
            },
        ),
        (
            "/photos/%2e%2E/admin",
            PathError::DotSegment {
                index: 1,
                segment: "..".to_owned(),
            },
        ),
        (
            "/photos/a%2Fb",
            PathError::ForbiddenCharacter {
                index: 1,
                what: "`/`",
            },
        ),
        (
            "/photos/a%5cb",
            PathError::ForbiddenCharacter {
                index: 1,
                what: "`\\`",
            },
        ),
        (
            "/photos/a%00",
            PathError::ForbiddenCharacter {
                index: 1,
                what: "control character",
            },
        ),
        ("/photos/%zz", PathError::BadEncoding { index: 1 }),
        ("/photos/%4", PathError::BadEncoding { index: 1 }),
        ("/photos/%ff", PathError::NotUtf8 { index: 1 }),
    ];
    for (path, error) in cases {
        assert_eq!(segments(path).as_ref(), Err(error), "{path}");
        assert!(!error.to_string().is_empty());
    }
}

#[test]
fn whitespace_and_invisible_characters_are_refused() {
    let whitespace = |index| PathError::ForbiddenCharacter {
        index,
        what: "whitespace character",
    };
    let invisible = |index| PathError::ForbiddenCharacter {
        index,
        what: "invisible or bidirectional control character",
    };
    // `/photos/%20locked-1` would be `photo/ locked-1`, which a Deny on
    // `photo/locked-*` does not name.
    assert_eq!(segments("/photos/%20locked-1"), Err(whitespace(1)));
    assert_eq!(segments("/photos/locked-1%20"), Err(whitespace(1)));
    assert_eq!(segments("/photos/cat%20pic"), Err(whitespace(1)));
    assert_eq!(segments("/photos/a%C2%A0b"), Err(whitespace(1)));
    assert_eq!(segments("/photos/a%E3%80%80b"), Err(whitespace(1)));
    assert_eq!(
        segments("/photos/a%09b"),
        Err(PathError::ForbiddenCharacter {
            index: 1,
            what: "control character",
        })
    );
    for encoded in [
        "%E2%80%8B",
        "%E2%80%AE",
        "%EF%BB%BF",
        "%C2%AD",
        "%E2%81%A0",
        "%E2%80%8D",
    ] {
        let path = format!("/photos/locked{encoded}-1");
        assert_eq!(segments(&path), Err(invisible(1)), "{path}");
    }
    // With `paths.allow-inner-spaces`, a space inside a segment is taken;
    // one at either end, and other whitespace, still is not.
    let spaces = PathRules {
        allow_inner_spaces: true,
    };
    assert_eq!(
        segments_with("/photos/cat%20pic", spaces).unwrap(),
        ["photos", "cat pic"]
    );
    assert_eq!(
        segments_with("/photos/%20locked-1", spaces),
        Err(whitespace(1))
    );
    assert_eq!(
        segments_with("/photos/locked-1%20", spaces),
        Err(whitespace(1))
    );
    assert_eq!(segments_with("/photos/%20", spaces), Err(whitespace(1)));
    assert_eq!(
        segments_with("/photos/a%C2%A0b", spaces),
        Err(whitespace(1))
    );
}

use crate::path::{PathError, segments};

#[test]
fn splits_decodes_and_ignores_the_query() {
    assert_eq!(segments("/").unwrap(), Vec::<String>::new());
    assert_eq!(segments("/?a=b").unwrap(), Vec::<String>::new());
    assert_eq!(segments("/photos/12?x=/../y").unwrap(), ["photos", "12"]);
    assert_eq!(
        segments("/photos/cat%20pic").unwrap(),
        ["photos", "cat pic"]
    );
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

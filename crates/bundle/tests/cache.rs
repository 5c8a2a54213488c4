//! The local cache of the last good revision: round trip, atomic
//! replacement, tamper detection, and resuming a fetcher from it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{example_copy, memory, write};
use tollgate_bundle::{
    BundleError, FetchOptions, Fetched, Fetcher, PollOutcome, PublishOptions, cache, publish,
};

async fn fetched_example(notes: Option<&str>) -> Fetched {
    let dir = example_copy();
    if let Some(notes) = notes {
        write(dir.path(), "NOTES.md", notes);
    }
    let (_, location) = memory();
    let options = PublishOptions {
        publisher: Some("ci".into()),
        ..PublishOptions::default()
    };
    publish(dir.path(), &location, &options).await.unwrap();
    match Fetcher::new(location, FetchOptions::default())
        .poll()
        .await
        .unwrap()
    {
        PollOutcome::Updated(fetched) => fetched,
        PollOutcome::Unchanged => panic!("a first poll returns a revision"),
    }
}

fn cached_folders(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_written_revision_reads_back_equal() {
    let fetched = fetched_example(None).await;
    let dir = tempfile::tempdir().unwrap();
    let cache_dir = dir.path().join("cache");
    assert_eq!(cache::read(&cache_dir).unwrap(), None);
    // Everything but the manifest's ETag, which the cache never vouches for.
    let without_etag = |fetched: &Fetched| Fetched {
        manifest_etag: None,
        ..fetched.clone()
    };
    assert!(fetched.manifest_etag.is_some());
    assert!(fetched.sequence.is_some() && fetched.expires_at.is_some());
    cache::write(&cache_dir, &fetched).unwrap();
    assert_eq!(
        cache::read(&cache_dir).unwrap(),
        Some(without_etag(&fetched))
    );

    // Replacing it keeps exactly one revision folder.
    let newer = fetched_example(Some("newer\n")).await;
    cache::write(&cache_dir, &newer).unwrap();
    assert_eq!(cache::read(&cache_dir).unwrap(), Some(without_etag(&newer)));
    let names = cached_folders(&cache_dir);
    assert_eq!(names.len(), 2, "{names:?}");
    assert_eq!(names[0], "CURRENT");
    assert!(names[1].starts_with("r-"), "{names:?}");

    // Without an ETag, too.
    let anonymous = Fetched {
        manifest_etag: None,
        ..newer
    };
    cache::write(&cache_dir, &anonymous).unwrap();
    assert_eq!(cache::read(&cache_dir).unwrap(), Some(anonymous));
}

fn current_folder(cache_dir: &std::path::Path) -> std::path::PathBuf {
    let name = std::fs::read_to_string(cache_dir.join("CURRENT")).unwrap();
    cache_dir.join(name.trim())
}

#[tokio::test]
async fn a_tampered_cache_is_an_error() {
    let fetched = fetched_example(None).await;
    let dir = tempfile::tempdir().unwrap();
    cache::write(dir.path(), &fetched).unwrap();
    let objects = current_folder(dir.path()).join("objects/sha256");
    let mut names = cached_folders(&objects);
    let victim = objects.join(names.pop().unwrap());
    let mut bytes = std::fs::read(&victim).unwrap();
    bytes[0] ^= 1;
    std::fs::write(&victim, &bytes).unwrap();
    let error = cache::read(dir.path()).unwrap_err();
    assert!(
        matches!(error, BundleError::DigestMismatch { .. }),
        "{error}"
    );

    std::fs::remove_file(&victim).unwrap();
    let error = cache::read(dir.path()).unwrap_err();
    assert!(
        matches!(error, BundleError::MissingObject { .. }),
        "{error}"
    );

    // A manifest edited to list other content no longer matches its revision.
    cache::write(dir.path(), &fetched).unwrap();
    let manifest = current_folder(dir.path()).join("manifest.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let revision = &fetched.revision;
    std::fs::write(&manifest, text.replace(revision.as_str(), &"0".repeat(64))).unwrap();
    let error = cache::read(dir.path()).unwrap_err();
    assert!(
        matches!(error, BundleError::RevisionMismatch { .. }),
        "{error}"
    );

    std::fs::write(dir.path().join("CURRENT"), "../elsewhere").unwrap();
    assert!(cache::read(dir.path()).is_err());
}

#[tokio::test]
async fn a_fetcher_resumed_from_the_cache_polls_with_one_request() {
    let dir = example_copy();
    let (counting, location) = memory();
    publish(dir.path(), &location, &PublishOptions::default())
        .await
        .unwrap();
    let mut fetcher = Fetcher::new(location.clone(), FetchOptions::default());
    let PollOutcome::Updated(fetched) = fetcher.poll().await.unwrap() else {
        panic!("a first poll returns a revision");
    };
    let cache_dir = tempfile::tempdir().unwrap();
    cache::write(cache_dir.path(), &fetched).unwrap();

    // A restart: the cache serves at once, the first poll costs one
    // (unconditional) request and downloads no object.
    let cached = cache::read(cache_dir.path()).unwrap().unwrap();
    let mut restarted = Fetcher::new(location.clone(), FetchOptions::default());
    restarted.resume(&cached);
    assert_eq!(restarted.revision(), Some(fetched.revision.as_str()));
    counting.take();
    assert_eq!(restarted.poll().await.unwrap(), PollOutcome::Unchanged);
    assert_eq!(counting.take().len(), 1);

    // A change downloads only the new object.
    write(dir.path(), "NOTES.md", "after the restart\n");
    publish(dir.path(), &location, &PublishOptions::default())
        .await
        .unwrap();
    counting.take();
    assert!(matches!(
        restarted.poll().await.unwrap(),
        PollOutcome::Updated(_)
    ));
    assert_eq!(counting.take().len(), 2);
}

/// Reads `dir` as the cache on a thread; panics when that takes longer
/// than 10 s (a read that blocks or grows without bound).
fn read_within_limit(dir: &std::path::Path) -> Result<Option<Fetched>, BundleError> {
    let (send, receive) = std::sync::mpsc::channel();
    let dir = dir.to_owned();
    std::thread::spawn(move || {
        let _ = send.send(cache::read(&dir));
    });
    receive
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("the cache read ends within 10 s")
}

/// A cached manifest linked to `/dev/zero` (which grew start-up to 3 GB),
/// an object replaced by a FIFO, a `CURRENT` that is a FIFO: each is an
/// error naming the file, at once.
#[cfg(unix)]
#[tokio::test]
async fn cache_files_that_are_not_regular_files_are_refused_at_once() {
    let fetched = fetched_example(None).await;
    let dir = tempfile::tempdir().unwrap();
    cache::write(dir.path(), &fetched).unwrap();
    let folder = current_folder(dir.path());

    let manifest = folder.join("manifest.json");
    std::fs::remove_file(&manifest).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &manifest).unwrap();
    let error = read_within_limit(dir.path()).unwrap_err();
    assert!(error.to_string().contains("character device"), "{error}");
    assert!(error.to_string().contains("manifest.json"), "{error}");

    cache::write(dir.path(), &fetched).unwrap();
    let objects = current_folder(dir.path()).join("objects/sha256");
    let victim = objects.join(cached_folders(&objects).pop().unwrap());
    std::fs::remove_file(&victim).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(&victim)
        .status()
        .unwrap();
    assert!(made.success());
    let error = read_within_limit(dir.path()).unwrap_err();
    assert!(error.to_string().contains("a FIFO"), "{error}");

    let current = dir.path().join("CURRENT");
    std::fs::remove_file(&current).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(&current)
        .status()
        .unwrap();
    assert!(made.success());
    let error = read_within_limit(dir.path()).unwrap_err();
    assert!(error.to_string().contains("CURRENT"), "{error}");
}

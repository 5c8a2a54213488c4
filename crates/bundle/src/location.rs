//! [`Location`]: where a store is published — an object store and a prefix
//! in it — parsed from a URL. Every backend goes through the `object_store`
//! crate, so S3, S3-compatible servers, Google Cloud Storage, Azure Blob
//! Storage and the local file system share one code path.
//!
//! | URL | backend | credentials and settings from |
//! |---|---|---|
//! | `s3://BUCKET[/PREFIX]` | Amazon S3 or, with an endpoint, any S3-compatible server (path-style requests) | `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION` / `AWS_DEFAULT_REGION`, `AWS_ENDPOINT`, web identity and instance metadata (no `AWS_PROFILE`) |
//! | `gs://BUCKET[/PREFIX]` | Google Cloud Storage | `GOOGLE_SERVICE_ACCOUNT` / `GOOGLE_SERVICE_ACCOUNT_KEY` / `GOOGLE_APPLICATION_CREDENTIALS`, else instance metadata |
//! | `az://CONTAINER[/PREFIX]`, `azure://...` | Azure Blob Storage | `AZURE_STORAGE_ACCOUNT_NAME`, `AZURE_STORAGE_ACCOUNT_KEY`, `AZURE_CLIENT_ID` ... |
//! | `file:///ABSOLUTE/PATH` | a local folder | — |
//!
//! S3 is configured for conditional writes (`If-Match` on the ETag), which
//! AWS S3 and most S3-compatible servers support.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use object_store::ObjectStore;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey, S3ConditionalPut};
use object_store::azure::{AzureConfigKey, MicrosoftAzureBuilder};
use object_store::gcp::{GoogleCloudStorageBuilder, GoogleConfigKey};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use url::Url;

use crate::error::BundleError;

/// The name of the manifest object under the prefix.
pub const MANIFEST_NAME: &str = "manifest.json";

/// The folder of content-addressed objects under the prefix:
/// `objects/sha256/<hex>`.
pub const OBJECTS_FOLDER: &str = "objects/sha256";

/// What a URL alone does not say about a location.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocationOptions {
    /// An S3-compatible server's (or Azure emulator's) endpoint,
    /// `http(s)://host:port`. For S3 it also selects path-style requests.
    pub endpoint: Option<String>,
    /// Allow plain HTTP. Implied when `endpoint` starts with `http://`.
    pub allow_http: bool,
    /// The S3 region, overriding `AWS_REGION`.
    pub region: Option<String>,
    /// Further backend settings by `object_store` configuration key
    /// (`aws_skip_signature`, `google_service_account`,
    /// `azure_storage_account_name` ...); an unknown key is an error.
    pub extra: BTreeMap<String, String>,
}

/// An object store and the prefix under which a store's `manifest.json`
/// and `objects/sha256/` live. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Location {
    store: Arc<dyn ObjectStore>,
    prefix: Path,
    url: String,
}

impl Location {
    /// Parses `s3://`, `gs://`, `az://`, `azure://` or `file://` URLs (see
    /// the module docs). Builds the client but sends no request.
    pub fn parse(url: &str, options: &LocationOptions) -> Result<Location, BundleError> {
        let fail = |reason: String| BundleError::Location {
            url: url.to_owned(),
            reason,
        };
        let parsed = Url::parse(url).map_err(|e| fail(e.to_string()))?;
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(fail("a location has no query or fragment".into()));
        }
        let prefix = Path::from_url_path(parsed.path()).map_err(|e| fail(e.to_string()))?;
        let allow_http = options.allow_http
            || options
                .endpoint
                .as_deref()
                .is_some_and(|e| e.starts_with("http://"));
        let bucket = || {
            parsed
                .host_str()
                .filter(|h| !h.is_empty())
                .ok_or_else(|| fail("the URL names no bucket or container".into()))
        };
        let store: Arc<dyn ObjectStore> = match parsed.scheme() {
            "s3" => {
                let mut builder = AmazonS3Builder::from_env()
                    .with_bucket_name(bucket()?)
                    .with_conditional_put(S3ConditionalPut::ETagMatch)
                    .with_allow_http(allow_http);
                if let Some(endpoint) = &options.endpoint {
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_virtual_hosted_style_request(false);
                }
                if let Some(region) = &options.region {
                    builder = builder.with_region(region);
                }
                for (key, value) in &options.extra {
                    let key = AmazonS3ConfigKey::from_str(key).map_err(|e| fail(e.to_string()))?;
                    builder = builder.with_config(key, value);
                }
                Arc::new(builder.build().map_err(|e| fail(e.to_string()))?)
            }
            "gs" => {
                if options.endpoint.is_some() || options.region.is_some() {
                    return Err(fail(
                        "gs:// takes no endpoint or region (use `google_base_url` in extra)".into(),
                    ));
                }
                let mut builder = GoogleCloudStorageBuilder::from_env().with_bucket_name(bucket()?);
                for (key, value) in &options.extra {
                    let key = GoogleConfigKey::from_str(key).map_err(|e| fail(e.to_string()))?;
                    builder = builder.with_config(key, value);
                }
                Arc::new(builder.build().map_err(|e| fail(e.to_string()))?)
            }
            "az" | "azure" => {
                if options.region.is_some() {
                    return Err(fail("az:// takes no region".into()));
                }
                let mut builder = MicrosoftAzureBuilder::from_env()
                    .with_container_name(bucket()?)
                    .with_allow_http(allow_http);
                if let Some(endpoint) = &options.endpoint {
                    builder = builder.with_endpoint(endpoint.clone());
                }
                for (key, value) in &options.extra {
                    let key = AzureConfigKey::from_str(key).map_err(|e| fail(e.to_string()))?;
                    builder = builder.with_config(key, value);
                }
                Arc::new(builder.build().map_err(|e| fail(e.to_string()))?)
            }
            "file" => {
                if parsed
                    .host_str()
                    .is_some_and(|h| !h.is_empty() && h != "localhost")
                {
                    return Err(fail(
                        "a file:// URL names no host: `file:///absolute/path`".into(),
                    ));
                }
                if options.endpoint.is_some()
                    || options.region.is_some()
                    || !options.extra.is_empty()
                {
                    return Err(fail("file:// takes no endpoint, region or options".into()));
                }
                Arc::new(LocalFileSystem::new())
            }
            other => {
                return Err(fail(format!(
                    "unsupported scheme `{other}`: use s3://, gs://, az://, azure:// or file://"
                )));
            }
        };
        Ok(Location {
            store,
            prefix,
            url: url.to_owned(),
        })
    }

    /// A location in an object store built by the caller (tests use
    /// `object_store::memory::InMemory`; wrappers add metrics or retries).
    pub fn new(store: Arc<dyn ObjectStore>, prefix: Path) -> Location {
        let url = format!("{store}/{prefix}");
        Location { store, prefix, url }
    }

    /// The object store.
    pub fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// The prefix in the object store (empty: the bucket's root).
    pub fn prefix(&self) -> &Path {
        &self.prefix
    }

    /// The URL it was parsed from.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// `PREFIX/manifest.json`.
    pub fn manifest_path(&self) -> Path {
        self.join(MANIFEST_NAME)
    }

    /// `PREFIX/signatures/sha256/<manifest_sha256>`: the signature of the
    /// manifest whose canonical bytes have that digest.
    pub fn signature_path(&self, manifest_sha256: &str) -> Path {
        self.join(&format!(
            "{}/{manifest_sha256}",
            crate::signing::SIGNATURES_FOLDER
        ))
    }

    /// `PREFIX/objects/sha256/<sha256>`.
    pub fn object_path(&self, sha256: &str) -> Path {
        self.join(&format!("{OBJECTS_FOLDER}/{sha256}"))
    }

    fn join(&self, relative: &str) -> Path {
        relative
            .split('/')
            .fold(self.prefix.clone(), |path, part| path.join(part))
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> Result<Location, BundleError> {
        Location::parse(url, &LocationOptions::default())
    }

    #[test]
    fn file_urls_map_to_absolute_prefixes() {
        let location = parse("file:///tmp/tollgate%20stores/prod/").unwrap();
        assert_eq!(location.prefix().as_ref(), "tmp/tollgate stores/prod");
        assert_eq!(
            location.manifest_path().as_ref(),
            "tmp/tollgate stores/prod/manifest.json"
        );
        assert_eq!(
            location.object_path("ab").as_ref(),
            "tmp/tollgate stores/prod/objects/sha256/ab"
        );
    }

    #[test]
    fn s3_urls_with_an_endpoint_build_without_a_request() {
        let options = LocationOptions {
            endpoint: Some("http://127.0.0.1:9000".into()),
            region: Some("eu-west-1".into()),
            ..LocationOptions::default()
        };
        let location = Location::parse("s3://bucket/stores/prod", &options).unwrap();
        assert_eq!(location.prefix().as_ref(), "stores/prod");
        assert_eq!(location.url(), "s3://bucket/stores/prod");
        let root = Location::parse("s3://bucket", &options).unwrap();
        assert_eq!(root.manifest_path().as_ref(), "manifest.json");
    }

    #[test]
    fn bad_urls_are_refused() {
        for url in [
            "http://example.com/x",
            "s3:///nobucket",
            "file://host/x",
            "not a url",
            "s3://b/x?y=1",
        ] {
            let error = parse(url).unwrap_err();
            assert!(
                matches!(error, BundleError::Location { .. }),
                "{url}: {error}"
            );
        }
        let options = LocationOptions {
            extra: [("aws_no_such_key".to_owned(), "1".to_owned())].into(),
            ..LocationOptions::default()
        };
        assert!(Location::parse("s3://bucket/x", &options).is_err());
    }
}

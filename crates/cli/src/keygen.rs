//! `tollgate keygen --out PREFIX`: makes an Ed25519 key pair for signing
//! published stores: `PREFIX.key` (PKCS#8 PEM private key, mode 0600) for
//! `tollgate publish --sign-key`, and `PREFIX.pub` (SPKI PEM public key)
//! for `tollgate serve --verify-key`. Prints the key id.
//!
//! Exit status: 0 written; 2 a file exists already or cannot be written.

use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use tollgate_bundle::SignKey;

/// Exit status when nothing was written.
const EXIT_ERROR: u8 = 2;

/// Make an Ed25519 key pair to sign published policy stores.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Writes PREFIX.key (private, PKCS#8 PEM, readable by you only) and PREFIX.pub
(public, SPKI PEM); never overwrites a file. Prints `key id: ID` (the first 16
hex digits of the SHA-256 of the public key), which `tollgate publish` prints
and `GetPolicyStatus` reports as `signed_by_key_id`. The files are the same
as `openssl genpkey -algorithm ed25519` and `openssl pkey -pubout` write.")]
pub struct KeygenArgs {
    /// Path prefix of the two files.
    #[arg(long, value_name = "PREFIX")]
    out: PathBuf,
}

/// Runs the subcommand.
pub fn main(args: &KeygenArgs) -> ExitCode {
    match keygen(&args.out) {
        Ok(key_id) => {
            println!("key id: {key_id}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("tollgate keygen: {message}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn keygen(prefix: &Path) -> Result<String, String> {
    let key = SignKey::generate();
    let private = key.to_pem().map_err(|e| e.to_string())?;
    let public = key.verify_key().to_pem().map_err(|e| e.to_string())?;
    let with = |extension: &str| {
        let mut name = prefix.as_os_str().to_owned();
        name.push(extension);
        PathBuf::from(name)
    };
    let (private_path, public_path) = (with(".key"), with(".pub"));
    if public_path.exists() {
        return Err(format!("`{}` exists already", public_path.display()));
    }
    create_new(&private_path, private.as_bytes(), 0o600)?;
    create_new(&public_path, public.as_bytes(), 0o644)?;
    Ok(key.verify_key().key_id())
}

/// Writes a file that must not exist yet, with `mode` on Unix.
fn create_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), String> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options
        .open(path)
        .map_err(|e| format!("cannot create `{}`: {e}", path.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write `{}`: {e}", path.display()))
}

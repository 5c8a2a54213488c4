use super::*;

fn layer(text: &str) -> ConfigLayer {
    match ConfigLayer::from_toml(text) {
        Ok(layer) => layer,
        Err(e) => unreachable!("{e}"),
    }
}

#[test]
fn defaults() {
    assert_eq!(
        ServeConfig::from_layer(ConfigLayer::default()),
        Ok(ServeConfig::default())
    );
    let config = ServeConfig::default();
    assert_eq!(config.listen.to_string(), DEFAULT_LISTEN);
    assert_eq!(config.admin_listen.to_string(), DEFAULT_ADMIN_LISTEN);
}

#[test]
fn every_key_reads_from_toml() -> Result<(), ConfigError> {
    let dir = std::env::temp_dir();
    let text = format!(
        "listen = \"unix:{}/t.sock\"\nsocket-mode = \"0660\"\nadmin-listen = \"127.0.0.1:0\"\n\
         store = \"{}\"\nreload-debounce-ms = 50\nrescan-interval-secs = 0\n\
         drain-timeout-secs = 2\nlog-format = \"json\"\nlog-level = \"debug\"\n\
         reload-priority = \"low\"\n",
        dir.display(),
        dir.display()
    );
    let config = ServeConfig::from_layer(ConfigLayer::from_toml(&text)?)?;
    assert_eq!(config.listen, ListenAddr::Unix(dir.join("t.sock")));
    assert_eq!(config.socket_mode, 0o660);
    assert_eq!(config.store, StoreSource::Dir(dir));
    assert_eq!(config.reload_debounce, Duration::from_millis(50));
    assert_eq!(config.rescan_interval, None);
    assert_eq!(config.drain_timeout, Duration::from_secs(2));
    assert_eq!(config.log_format, LogFormat::Json);
    assert_eq!(config.log_level.as_deref(), Some("debug"));
    assert_eq!(
        config.reload_priority,
        crate::reload::ReloadPrioritySetting::Low
    );
    Ok(())
}

#[test]
fn unknown_key_is_an_error() {
    let err = ConfigLayer::from_toml("listen = \"127.0.0.1:1\"\nlisten-addr = \"x\"\n");
    let text = err.map(|_| ()).unwrap_err_or_default();
    assert!(text.contains("unknown field `listen-addr`"), "{text}");
}

#[test]
fn upper_layers_win() {
    let file = layer("listen = \"127.0.0.1:1\"\nadmin-listen = \"127.0.0.1:2\"\n");
    let env = ConfigLayer {
        listen: Some("127.0.0.1:3".into()),
        log_format: Some("json".into()),
        ..ConfigLayer::default()
    };
    let flags = ConfigLayer {
        listen: Some("127.0.0.1:4".into()),
        ..ConfigLayer::default()
    };
    let merged = flags.over(env).over(file);
    assert_eq!(merged.listen.as_deref(), Some("127.0.0.1:4"));
    assert_eq!(merged.admin_listen.as_deref(), Some("127.0.0.1:2"));
    assert_eq!(merged.log_format.as_deref(), Some("json"));
}

#[test]
fn every_fault_is_reported() {
    let bad = ConfigLayer {
        listen: Some("localhost".into()),
        socket_mode: Some("0666".into()),
        admin_listen: Some("nowhere".into()),
        store: Some(PathBuf::from("/definitely/not/here")),
        reload_debounce_ms: Some(0),
        drain_timeout_secs: Some(100_000),
        log_format: Some("xml".into()),
        log_level: Some("info,[".into()),
        reload_priority: Some("high".into()),
        ..ConfigLayer::default()
    };
    let faults = ServeConfig::from_layer(bad)
        .map(drop)
        .unwrap_err_or_default();
    for key in [
        "`listen`",
        "`socket-mode`",
        "`admin-listen`",
        "`store`",
        "`reload-debounce-ms`",
        "`drain-timeout-secs`",
        "`log-format`",
        "`log-level`",
        "`reload-priority`",
    ] {
        assert!(faults.contains(key), "{key} missing from: {faults}");
    }
}

#[test]
fn same_port_twice_is_an_error() {
    let layer = ConfigLayer {
        listen: Some("127.0.0.1:9090".into()),
        ..ConfigLayer::default()
    };
    let text = ServeConfig::from_layer(layer)
        .map(drop)
        .unwrap_err_or_default();
    assert!(text.contains("same address"), "{text}");
}

#[test]
fn numbers_from_text() {
    assert_eq!(ConfigLayer::number("reload-debounce-ms", " 25 "), Ok(25));
    let text = ConfigLayer::number("reload-debounce-ms", "soon")
        .map(drop)
        .unwrap_err_or_default();
    assert!(text.contains("`reload-debounce-ms`"), "{text}");
}

#[test]
fn object_storage_keys_read_from_toml() -> Result<(), ConfigError> {
    let cache = std::env::temp_dir().join("tollgate-config-test-cache");
    let text = format!(
        "store = \"s3://policies/prod\"\nstore-endpoint = \"http://127.0.0.1:9000\"\n\
         poll-interval-secs = 3\npoll-jitter = 0.5\ncache-dir = \"{}\"\n",
        cache.display()
    );
    let config = ServeConfig::from_layer(ConfigLayer::from_toml(&text)?)?;
    assert_eq!(
        config.store,
        StoreSource::Bucket(BucketSource {
            url: "s3://policies/prod".to_owned(),
            endpoint: Some("http://127.0.0.1:9000".to_owned()),
            options: BTreeMap::new(),
        })
    );
    assert_eq!(config.store.to_string(), "s3://policies/prod");
    assert_eq!(config.poll.interval, Duration::from_secs(3));
    assert_eq!(config.poll.jitter, 0.5);
    assert_eq!(config.poll.cache_dir, Some(cache));
    // Whole numbers are fractions too.
    let config = ServeConfig::from_layer(layer("store = \"gs://policies\"\npoll-jitter = 0\n"))?;
    assert_eq!(config.poll.jitter, 0.0);
    assert_eq!(
        config.poll,
        PollSettings {
            jitter: 0.0,
            ..PollSettings::default()
        }
    );
    Ok(())
}

#[test]
fn object_storage_defaults() {
    let poll = ServeConfig::default().poll;
    assert_eq!(
        poll.interval,
        Duration::from_secs(DEFAULT_POLL_INTERVAL_SECS)
    );
    assert_eq!(poll.jitter, DEFAULT_POLL_JITTER);
    assert_eq!(poll.cache_dir, None);
}

#[test]
fn object_storage_faults_are_reported() {
    let not_a_url = layer("store-endpoint = \"http://127.0.0.1:9000\"\ncache-dir = \"/tmp/c\"\n");
    let faults = ServeConfig::from_layer(not_a_url)
        .map(drop)
        .unwrap_err_or_default();
    assert!(faults.contains("`store-endpoint`: only for"), "{faults}");
    assert!(faults.contains("`cache-dir`: only for"), "{faults}");

    let bad = layer("store = \"ftp://policies/prod\"\npoll-interval-secs = 0\npoll-jitter = 1.5\n");
    let faults = ServeConfig::from_layer(bad)
        .map(drop)
        .unwrap_err_or_default();
    for key in [
        "`store`: invalid location",
        "`poll-interval-secs`",
        "`poll-jitter`",
    ] {
        assert!(faults.contains(key), "{key} missing from: {faults}");
    }
    assert!(faults.contains("unsupported scheme `ftp`"), "{faults}");
}

#[test]
fn fractions_from_text() {
    assert_eq!(ConfigLayer::fraction("poll-jitter", " 0.25 "), Ok(0.25));
    let text = ConfigLayer::fraction("poll-jitter", "a bit")
        .map(drop)
        .unwrap_err_or_default();
    assert!(text.contains("`poll-jitter`"), "{text}");
}

trait ErrText {
    fn unwrap_err_or_default(self) -> String;
}

impl ErrText for Result<(), ConfigError> {
    fn unwrap_err_or_default(self) -> String {
        self.err().map(|e| e.to_string()).unwrap_or_default()
    }
}

#[test]
fn limits_and_tls_read_from_toml() -> Result<(), ConfigError> {
    let dir = tempfile::tempdir().map_err(|e| ConfigError::single(e.to_string()))?;
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    for file in [&cert, &key] {
        std::fs::write(file, "-").map_err(|e| ConfigError::single(e.to_string()))?;
    }
    let text = format!(
        "max-in-flight = 8\nmax-message-bytes = 1000\nmax-batch-size = 5\nmax-context-keys = 6\n\
         max-values-per-key = 7\nmax-value-bytes = 9\nmax-session-policies = 2\n\
         max-session-policy-bytes = 100\nmax-call-secs = 3\n\
         tls-cert = \"{}\"\ntls-key = \"{}\"\ntls-reload-interval-secs = 2\n",
        cert.display(),
        key.display()
    );
    let config = ServeConfig::from_layer(ConfigLayer::from_toml(&text)?)?;
    let limits = RequestLimits {
        max_in_flight: 8,
        max_message_bytes: 1000,
        max_batch_size: 5,
        max_context_keys: 6,
        max_values_per_key: 7,
        max_value_bytes: 9,
        max_session_policies: 2,
        max_session_policy_bytes: 100,
        max_call: Duration::from_secs(3),
        caller_principal_keys: tollgate_policy::CallerPrincipalKeys::Refuse,
        max_session_policy_cost: crate::limits::DEFAULT_MAX_SESSION_POLICY_COST,
        max_queue_wait: None,
    };
    assert_eq!(config.limits, limits);
    assert_eq!(
        config.tls,
        Some(TlsSettings {
            cert,
            key,
            client_ca: None,
            reload_interval: Duration::from_secs(2),
        })
    );
    Ok(())
}

#[test]
fn bad_limits_and_tls_are_each_named() {
    let text = "max-in-flight = 0\nmax-batch-size = 0\nmax-call-secs = 99999\n\
                tls-key = \"/nonexistent/key.pem\"\n";
    let faults = ServeConfig::from_layer(layer(text))
        .map(|_| ())
        .unwrap_err_or_default();
    for expected in [
        "`max-in-flight`: must be between 1 and 1048576, found 0",
        "`max-batch-size`: must be between 1 and 1073741824, found 0",
        "`max-call-secs`: must be between 1 and 3600, found 99999",
        "`tls-key`: `/nonexistent/key.pem` is not a readable file",
        "`tls-cert` and `tls-key`: TLS needs both",
    ] {
        assert!(faults.contains(expected), "{expected} not in {faults}");
    }
}

#[test]
fn watchdog_keys_read_from_toml_and_are_bounded() -> Result<(), ConfigError> {
    let config = ServeConfig::from_layer(ConfigLayer::from_toml(
        "reload-stall-secs = 30\nready-requires-fresh-store = true\n\
         ready-requires-live-reload = true\n",
    )?)?;
    assert_eq!(config.watchdog.stall_after, Duration::from_secs(30));
    assert!(config.watchdog.ready_requires_fresh_store);
    assert!(config.watchdog.ready_requires_live_reload);
    let defaults = ServeConfig::from_layer(ConfigLayer::default())?;
    assert_eq!(
        defaults.watchdog,
        crate::reload::WatchdogSettings::default()
    );
    for bad in ["reload-stall-secs = 0\n", "reload-stall-secs = 86401\n"] {
        let error = ServeConfig::from_layer(ConfigLayer::from_toml(bad)?)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains("`reload-stall-secs`"), "{bad}: {error}");
    }
    Ok(())
}

#[test]
fn connection_limits_are_read_and_checked() -> Result<(), ConfigError> {
    let text = "max-connections = 10\nadmin-max-connections = 2\nmax-concurrent-streams = 5\n\
                request-headers-timeout-secs = 3\nidle-timeout-secs = 60\n\
                http2-keepalive-interval-secs = 0\nhttp2-keepalive-timeout-secs = 4\n\
                max-send-buffer-bytes = 4096\nmax-session-policy-cost = 1000\n\
                max-queue-wait-ms = 5\n";
    let config = ServeConfig::from_layer(ConfigLayer::from_toml(text)?)?;
    let expected = crate::limits::ConnectionLimits {
        max_connections: 10,
        admin_max_connections: 2,
        max_concurrent_streams: 5,
        request_headers_timeout: Duration::from_secs(3),
        idle_timeout: Duration::from_secs(60),
        keepalive_interval: None,
        keepalive_timeout: Duration::from_secs(4),
        max_send_buffer_bytes: 4096,
    };
    assert_eq!(config.connections, expected);
    assert_eq!(config.limits.max_session_policy_cost, 1000);
    assert_eq!(config.limits.max_queue_wait, Some(Duration::from_millis(5)));
    let off = ServeConfig::from_layer(ConfigLayer::from_toml("max-queue-wait-ms = 0\n")?)?;
    assert_eq!(off.limits.max_queue_wait, None, "0 turns the bound off");

    let bad = "max-connections = 0\nmax-concurrent-streams = 0\nidle-timeout-secs = 0\n\
               max-send-buffer-bytes = 10\nmax-session-policy-cost = 0\n\
               max-queue-wait-ms = 60001\n";
    let faults = ServeConfig::from_layer(ConfigLayer::from_toml(bad)?)
        .unwrap_err()
        .faults;
    for setting in [
        "max-connections",
        "max-concurrent-streams",
        "idle-timeout-secs",
        "max-send-buffer-bytes",
        "max-session-policy-cost",
        "max-queue-wait-ms",
    ] {
        assert!(
            faults
                .iter()
                .any(|f| f.starts_with(&format!("`{setting}`"))),
            "{setting}: {faults:?}"
        );
    }
    Ok(())
}

#[test]
fn the_http_api_and_the_admin_ui_are_off_unless_set() {
    let config = ServeConfig::from_layer(ConfigLayer::default()).unwrap_or_default();
    assert_eq!(config.http_listen, None);
    assert!(!config.admin_ui);
    let on = ServeConfig::from_layer(layer("http-listen = \"127.0.0.1:8080\"\nadmin-ui = true\n"));
    let on = on.unwrap_or_default();
    assert_eq!(
        on.http_listen,
        Some(SocketAddr::from(([127, 0, 0, 1], 8080)))
    );
    assert!(on.admin_ui);
    let clash = ServeConfig::from_layer(layer(
        "admin-listen = \"127.0.0.1:9999\"\nhttp-listen = \"127.0.0.1:9999\"\n",
    ));
    let faults = clash.map(|_| Vec::new()).unwrap_or_else(|e| e.faults);
    assert!(
        faults
            .iter()
            .any(|f| f.contains("`http-listen` and `admin-listen`")),
        "{faults:?}"
    );
    let bad = ServeConfig::from_layer(layer("http-listen = \"nowhere\"\n"));
    let faults = bad.map(|_| Vec::new()).unwrap_or_else(|e| e.faults);
    assert!(
        faults.iter().any(|f| f.starts_with("`http-listen`")),
        "{faults:?}"
    );
}

#[test]
fn localhost_listens_on_the_ipv4_loopback() -> Result<(), ConfigError> {
    let text = "listen = \"localhost:50051\"\nadmin-listen = \"LOCALHOST:9090\"\n";
    let config = ServeConfig::from_layer(layer(text))?;
    assert_eq!(
        config.listen,
        ListenAddr::Tcp(SocketAddr::from(([127, 0, 0, 1], 50051)))
    );
    assert_eq!(
        config.admin_listen,
        SocketAddr::from(([127, 0, 0, 1], 9090))
    );
    for bad in [
        "localhost",
        "localhost:",
        "localhost:99999",
        "localhost:http",
    ] {
        let text = format!("listen = \"{bad}\"\n");
        let err = ServeConfig::from_layer(layer(&text))
            .map(|_| ())
            .unwrap_err_or_default();
        assert!(err.contains("`localhost:50051`"), "{bad}: {err}");
    }
    Ok(())
}

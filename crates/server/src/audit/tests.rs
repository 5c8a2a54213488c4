use std::io;
use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tollgate_policy::{DecisionKind, Effect, Request, RequestPrincipal};

use super::*;

/// A sink that keeps what it is given.
#[derive(Clone, Default)]
struct Memory(Arc<Mutex<Vec<u8>>>);

impl Write for Memory {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Memory {
    fn lines(&self) -> Vec<serde_json::Value> {
        let bytes = self.0.lock().unwrap().clone();
        String::from_utf8(bytes)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }
}

/// A sink whose writes block until released.
struct Blocked(std_mpsc::Receiver<()>);

impl Write for Blocked {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let _ = self.0.recv();
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn request() -> Request {
    let principal =
        RequestPrincipal::parse("arn:aws:sts::111122223333:assumed-role/deploy/ci-run-7").unwrap();
    let mut request = Request::new(principal, "s3:GetObject", "arn:aws:s3:::photos/cat.jpg");
    request
        .context
        .insert("sts:SourceIdentity", vec!["alice@example.com".to_owned()]);
    request
}

fn record(log: &AuditLog, kind: DecisionKind, id: Option<&str>) -> bool {
    match log.admit(kind, id) {
        Some(id) => log.record(AuditRecord::of(
            id,
            &request(),
            kind,
            Vec::new(),
            "rev",
            Duration::from_micros(7),
        )),
        None => false,
    }
}

fn settings() -> AuditSettings {
    AuditSettings::new(AuditSink::Stdout)
}

#[test]
fn a_record_has_every_field() {
    let memory = Memory::default();
    let (log, writer) = AuditLog::to_writer(&settings(), Box::new(memory.clone())).unwrap();
    let id = log
        .admit(DecisionKind::ExplicitDeny, Some("req-42"))
        .unwrap();
    let decisive = vec![AuditStatement::from(&tollgate_policy::DecisiveStatement {
        policy: "accounts/111122223333/policies/guard.json".to_owned(),
        index: 1,
        sid: Some("NoPhotos".to_owned()),
        effect: Effect::Deny,
        level: None,
    })];
    assert!(log.record(AuditRecord::of(
        id,
        &request(),
        DecisionKind::ExplicitDeny,
        decisive,
        "abc123",
        Duration::from_micros(12),
    )));
    assert!(record(&log, DecisionKind::Allowed, None));
    writer.shutdown();
    let lines = memory.lines();
    assert_eq!(lines.len(), 2);
    let line = &lines[0];
    let time = line["time"].as_str().unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(time).is_ok(), "{time}");
    assert_eq!(line["requestId"], "req-42");
    assert_eq!(
        line["principal"],
        "arn:aws:sts::111122223333:assumed-role/deploy/ci-run-7"
    );
    assert_eq!(line["sessionName"], "ci-run-7");
    assert_eq!(line["sourceIdentity"], "alice@example.com");
    assert_eq!(line["action"], "s3:GetObject");
    assert_eq!(line["resource"], "arn:aws:s3:::photos/cat.jpg");
    assert_eq!(line["decision"], "explicitDeny");
    assert_eq!(
        line["decisive"],
        serde_json::json!([{"policy": "accounts/111122223333/policies/guard.json",
            "index": 1, "sid": "NoPhotos", "effect": "Deny"}])
    );
    assert_eq!(line["revision"], "abc123");
    assert_eq!(line["latencyUs"], 12);
    // A generated id: 32 hex digits.
    let generated = lines[1]["requestId"].as_str().unwrap();
    assert_eq!(generated.len(), 32, "{generated}");
    assert!(generated.bytes().all(|b| b.is_ascii_hexdigit()));
}

#[test]
fn an_explained_implicit_deny_records_why() {
    let memory = Memory::default();
    let (log, writer) = AuditLog::to_writer(&settings(), Box::new(memory.clone())).unwrap();
    let id = log.admit(DecisionKind::ImplicitDeny, None).unwrap();
    let mut record = AuditRecord::of(
        id,
        &request(),
        DecisionKind::ImplicitDeny,
        Vec::new(),
        "rev",
        Duration::from_micros(3),
    );
    let explanation = tollgate_policy::Explanation {
        unmet: vec![tollgate_policy::Requirement::Session],
        near_misses: Vec::new(),
        missing_context_keys: vec!["aws:SourceVpc".to_owned()],
    };
    record.explanation = Some(explanation.clone());
    assert!(log.record(record));
    assert!(record_plain(&log));
    writer.shutdown();
    let lines = memory.lines();
    assert_eq!(lines[0]["explanation"], explanation.to_json());
    assert_eq!(
        lines[0]["explanation"]["lines"],
        serde_json::json!([
            "session: no session policy allows",
            "missing context keys: aws:SourceVpc"
        ])
    );
    assert!(lines[1].get("explanation").is_none(), "{}", lines[1]);
}

fn record_plain(log: &AuditLog) -> bool {
    record(log, DecisionKind::ImplicitDeny, None)
}

#[test]
fn control_policy_statements_name_their_level() {
    let memory = Memory::default();
    let (log, writer) = AuditLog::to_writer(&settings(), Box::new(memory.clone())).unwrap();
    let id = log.admit(DecisionKind::Allowed, None).unwrap();
    let full = "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess";
    let decisive: Vec<AuditStatement> = ["r-ab12", "r-ab12/ou-ab12-apps", "111122223333"]
        .iter()
        .enumerate()
        .map(|(index, name)| {
            AuditStatement::from(&tollgate_policy::DecisiveStatement {
                policy: full.to_owned(),
                index: 0,
                sid: None,
                effect: Effect::Allow,
                level: Some(tollgate_policy::OrgLevel {
                    index,
                    name: Some((*name).to_owned()),
                }),
            })
        })
        .collect();
    assert!(log.record(AuditRecord::of(
        id,
        &request(),
        DecisionKind::Allowed,
        decisive,
        "rev",
        Duration::from_micros(3),
    )));
    writer.shutdown();
    let lines = memory.lines();
    assert_eq!(
        lines[0]["decisive"],
        serde_json::json!([
            {"policy": full, "index": 0, "effect": "Allow", "level": "r-ab12"},
            {"policy": full, "index": 0, "effect": "Allow", "level": "r-ab12/ou-ab12-apps"},
            {"policy": full, "index": 0, "effect": "Allow", "level": "111122223333"},
        ])
    );
}

#[test]
fn deny_only_and_sampling_filter_allows() {
    let deny_only = AuditSettings {
        decisions: AuditDecisions::Deny,
        ..settings()
    };
    let memory = Memory::default();
    let (log, writer) = AuditLog::to_writer(&deny_only, Box::new(memory.clone())).unwrap();
    assert!(log.admit(DecisionKind::Allowed, Some("a")).is_none());
    assert!(log.admit(DecisionKind::ImplicitDeny, Some("a")).is_some());
    assert!(log.admit(DecisionKind::ExplicitDeny, None).is_some());
    writer.shutdown();

    let sampled = AuditSettings {
        sample_allows: 0.25,
        ..settings()
    };
    let (log, writer) = AuditLog::to_writer(&sampled, Box::new(Memory::default())).unwrap();
    let ids: Vec<String> = (0..4000).map(|i| format!("req-{i}")).collect();
    let kept = ids
        .iter()
        .filter(|id| log.admit(DecisionKind::Allowed, Some(id)).is_some())
        .count();
    assert!((800..1200).contains(&kept), "{kept} of 4000 at 0.25");
    // Deterministic per request id; denies are never sampled away.
    for id in &ids[..200] {
        let first = log.admit(DecisionKind::Allowed, Some(id)).is_some();
        assert_eq!(log.admit(DecisionKind::Allowed, Some(id)).is_some(), first);
        assert!(log.admit(DecisionKind::ExplicitDeny, Some(id)).is_some());
    }
    writer.shutdown();

    let none = AuditSettings {
        sample_allows: 0.0,
        ..settings()
    };
    let (log, writer) = AuditLog::to_writer(&none, Box::new(Memory::default())).unwrap();
    assert!(
        ids.iter()
            .all(|id| log.admit(DecisionKind::Allowed, Some(id)).is_none())
    );
    writer.shutdown();
}

#[test]
fn a_blocked_sink_never_blocks_decisions_and_drops_are_counted() {
    let (release, blocked) = std_mpsc::channel();
    let small = AuditSettings {
        queue: 8,
        ..settings()
    };
    let (log, writer) = AuditLog::to_writer(&small, Box::new(Blocked(blocked))).unwrap();
    let start = Instant::now();
    let accepted = (0..10_000)
        .filter(|i| record(&log, DecisionKind::ImplicitDeny, Some(&format!("r{i}"))))
        .count();
    let elapsed = start.elapsed();
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    // The queue (8) and, at most, one record in the writer's hands; the
    // buffer (64 KiB) takes many before the first blocking write.
    assert!(accepted < 10_000, "{accepted}");
    assert_eq!(log.dropped(), 10_000 - accepted as u64);
    // Release every write so shutdown can finish.
    std::thread::spawn(move || {
        while release.send(()).is_ok() {
            std::thread::sleep(Duration::from_millis(1));
        }
    });
    writer.shutdown();
    assert!(!record(&log, DecisionKind::ImplicitDeny, Some("late")));
}

#[test]
fn shutdown_writes_every_accepted_record() {
    let memory = Memory::default();
    let (log, writer) = AuditLog::to_writer(&settings(), Box::new(memory.clone())).unwrap();
    let accepted = (0..5000)
        .filter(|i| record(&log, DecisionKind::ImplicitDeny, Some(&format!("r{i}"))))
        .count();
    assert_eq!(accepted, 5000);
    writer.shutdown();
    assert_eq!(memory.lines().len(), 5000);
}

#[test]
fn files_rotate_at_the_size_and_only_n_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.log");
    let rotating = AuditSettings {
        sink: AuditSink::File(path.clone()),
        max_file_bytes: 4096,
        keep_files: 3,
        ..settings()
    };
    let (log, writer) = AuditLog::start(&rotating).unwrap();
    for i in 0..400 {
        assert!(record(
            &log,
            DecisionKind::ImplicitDeny,
            Some(&format!("r{i:04}"))
        ));
    }
    writer.shutdown();
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["audit.log", "audit.log.1", "audit.log.2", "audit.log.3"]
    );
    let mut newest_first = Vec::new();
    for name in &names {
        let text = std::fs::read_to_string(dir.path().join(name)).unwrap();
        assert!(text.len() <= 4096, "{name}: {} bytes", text.len());
        assert!(text.ends_with('\n'));
        let ids: Vec<String> = text
            .lines()
            .map(|line| {
                let value: serde_json::Value = serde_json::from_str(line).unwrap();
                value["requestId"].as_str().unwrap().to_owned()
            })
            .collect();
        newest_first.push(ids);
    }
    // The current file holds the last record; each older file ends just
    // before the next newer one starts.
    assert_eq!(newest_first[0].last().unwrap(), "r0399");
    for pair in newest_first.windows(2) {
        let (newer, older) = (&pair[0], &pair[1]);
        let next: u32 = newer[0][1..].parse().unwrap();
        let last: u32 = older.last().unwrap()[1..].parse().unwrap();
        assert_eq!(last + 1, next);
    }
}

#[test]
fn settings_come_from_the_audit_keys() {
    let layer = |text: &str| crate::config::ConfigLayer::from_toml(text).unwrap();
    assert_eq!(AuditSettings::from_layer(&layer("")), Ok(None));
    let settings = AuditSettings::from_layer(&layer(
        "audit-log = \"-\"\naudit-max-file-mb = 10\naudit-keep-files = 2\n\
         audit-decisions = \"deny\"\naudit-sample-allows = 0.5\naudit-queue = 100\n",
    ))
    .unwrap()
    .unwrap();
    assert_eq!(
        settings,
        AuditSettings {
            sink: AuditSink::Stdout,
            max_file_bytes: 10 << 20,
            keep_files: 2,
            decisions: AuditDecisions::Deny,
            sample_allows: 0.5,
            queue: 100,
            record_requests: false,
        }
    );
    let recording =
        AuditSettings::from_layer(&layer("audit-log = \"-\"\naudit-record-requests = true\n"))
            .unwrap()
            .unwrap();
    assert!(recording.record_requests);
    let faults = AuditSettings::from_layer(&layer("audit-record-requests = true\n")).unwrap_err();
    assert_eq!(faults, ["`audit-record-requests`: only with `audit-log`"]);
    let faults = AuditSettings::from_layer(&layer(
        "audit-log = \"/no/such/dir/a.log\"\naudit-max-file-mb = 0\n\
         audit-decisions = \"some\"\naudit-sample-allows = 2\naudit-queue = 0\n",
    ))
    .unwrap_err();
    assert_eq!(faults.len(), 5, "{faults:?}");
    for key in [
        "`audit-log`",
        "`audit-max-file-mb`",
        "`audit-decisions`",
        "`audit-sample-allows`",
        "`audit-queue`",
    ] {
        assert!(
            faults.iter().any(|f| f.starts_with(key)),
            "{key}: {faults:?}"
        );
    }
    let faults = AuditSettings::from_layer(&layer("audit-queue = 5\n")).unwrap_err();
    assert_eq!(faults, ["`audit-queue`: only with `audit-log`"]);
}

/// A sink that notes the priority of the thread that writes to it.
#[derive(Clone, Default)]
struct PriorityProbe(Arc<Mutex<Option<crate::reload::ReloadPriority>>>);

impl Write for PriorityProbe {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap()
            .get_or_insert_with(crate::reload::current_thread_priority);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(target_os = "linux")]
#[test]
fn the_writer_runs_below_the_serving_threads() {
    // The caller may itself run niced (a test run under `nice`): it must be
    // left as it was, whatever that was.
    let before = crate::reload::current_thread_priority();
    let probe = PriorityProbe::default();
    let (log, writer) = AuditLog::to_writer(&settings(), Box::new(probe.clone())).unwrap();
    assert!(record(&log, DecisionKind::Allowed, None));
    writer.shutdown();
    assert_eq!(
        *probe.0.lock().unwrap(),
        Some(crate::reload::ReloadPriority::Nice19)
    );
    assert_eq!(
        crate::reload::current_thread_priority(),
        before,
        "the caller's thread is left as it was"
    );
}

#[test]
fn requests_are_recorded_only_when_asked_and_within_the_limit() {
    let mut request = request();
    request.resource_account = Some("444455556666".to_owned());
    request.context.insert(
        "aws:TagKeys",
        vec!["team".to_owned(), "cost-centre".to_owned()],
    );
    let policies = vec![r#"{"Version":"2012-10-17","Statement":[]}"#.to_owned()];
    let off = AuditLog::to_writer(&settings(), Box::new(Memory::default())).unwrap();
    assert_eq!(off.0.request_of(&request, &policies), None);

    // Exactly at the limit: whole; one byte over: truncated, nothing copied.
    let bytes = "444455556666".len()
        + "sts:SourceIdentity".len()
        + "alice@example.com".len()
        + "aws:TagKeys".len()
        + "team".len()
        + "cost-centre".len()
        + policies[0].len();
    let whole = RecordedRequest::of(&request, &policies, bytes);
    assert_eq!(
        whole,
        RecordedRequest::Whole {
            resource_account: Some("444455556666".to_owned()),
            context: vec![
                (
                    "sts:SourceIdentity".to_owned(),
                    vec!["alice@example.com".to_owned()]
                ),
                (
                    "aws:TagKeys".to_owned(),
                    vec!["team".to_owned(), "cost-centre".to_owned()]
                ),
            ],
            session_policies: policies.clone(),
        }
    );
    assert_eq!(
        RecordedRequest::of(&request, &policies, bytes - 1),
        RecordedRequest::Truncated { bytes }
    );

    let memory = Memory::default();
    let mut on = settings();
    on.record_requests = true;
    let (log, writer) = AuditLog::to_writer(&on, Box::new(memory.clone())).unwrap();
    for limit in [bytes, bytes - 1] {
        let id = log.admit(DecisionKind::Allowed, None).unwrap();
        let mut record = AuditRecord::of(
            id,
            &request,
            DecisionKind::Allowed,
            Vec::new(),
            "rev",
            Duration::from_micros(1),
        );
        record.request = Some(RecordedRequest::of(&request, &policies, limit));
        assert!(log.record(record));
    }
    writer.shutdown();
    let lines = memory.lines();
    assert_eq!(lines[0]["resourceAccount"], "444455556666");
    assert_eq!(
        lines[0]["context"],
        serde_json::json!({"sts:SourceIdentity": ["alice@example.com"], "aws:TagKeys": ["team", "cost-centre"]})
    );
    assert_eq!(lines[0]["sessionPolicies"], serde_json::json!(policies));
    assert_eq!(lines[0]["requestRecorded"], true);
    assert!(lines[0].get("requestTruncated").is_none());
    assert_eq!(lines[1]["requestTruncated"], true);
    assert_eq!(lines[1]["requestBytes"], bytes);
    assert!(lines[1].get("context").is_none());
    assert!(lines[1].get("requestRecorded").is_none());
    // The request's limit is the one documented.
    assert_eq!(MAX_RECORDED_REQUEST_BYTES, 64 * 1024);
}

//! Shadow revisions in the library: sampled calls re-decided on a
//! candidate off the caller's thread, flips counted and logged with the
//! request, a full queue dropping and counting, no candidate counted as
//! skipped.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tollgate_impact::shadow::{
    CandidateSlot, NoObserver, Sampler, Shadow, ShadowCall, ShadowObserver, ShadowSettings,
};
use tollgate_policy::{DecisionKind, Request, RequestPrincipal};
use tollgate_store::Store;

const ALICE: &str = "accounts/111122223333/users/alice.json";

fn store(vpc: &str) -> Store {
    let alice = format!(
        r#"{{"InlinePolicies": {{"p": {{"Version": "2012-10-17", "Statement": [
            {{"Sid": "FromVpc", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*",
              "Condition": {{"StringEquals": {{"aws:SourceVpc": "{vpc}"}}}}}}]}}}}}}"#
    );
    let files = [(ALICE.to_owned(), alice.into_bytes())]
        .into_iter()
        .collect();
    Store::from_files(files).unwrap()
}

fn call(vpc: &str, live: DecisionKind) -> ShadowCall {
    let principal = RequestPrincipal::parse("arn:aws:iam::111122223333:user/alice").unwrap();
    let mut request = Request::new(principal, "s3:GetObject", "arn:aws:s3:::photos/cat.jpg");
    request
        .context
        .insert("aws:SourceVpc", vec![vpc.to_owned()]);
    ShadowCall {
        request,
        session_policies: Vec::new(),
        live,
        live_revision: "live".to_owned(),
        request_id: Some(format!("req-{vpc}")),
    }
}

#[derive(Clone, Default)]
struct Memory(Arc<Mutex<Vec<u8>>>);

impl Write for Memory {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[derive(Default)]
struct Counter {
    flips: AtomicU64,
    same: AtomicU64,
    dropped: AtomicU64,
    skipped: AtomicU64,
}

impl ShadowObserver for Counter {
    fn compared(&self, flip: Option<(DecisionKind, DecisionKind)>) {
        match flip {
            Some(_) => self.flips.fetch_add(1, Ordering::Relaxed),
            None => self.same.fetch_add(1, Ordering::Relaxed),
        };
    }
    fn dropped(&self) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
    }
    fn skipped(&self) {
        self.skipped.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn flips_are_counted_and_logged_with_the_request() {
    let live = store("vpc-1");
    let slot = Arc::new(CandidateSlot::default());
    slot.set(Some(Arc::new(store("vpc-2"))));
    let observer = Arc::new(Counter::default());
    let log = Memory::default();
    let (shadow, worker) = Shadow::start(
        ShadowSettings {
            sample: 1.0,
            queue: 16,
            flips_log: Some(Box::new(log.clone())),
            on_start: None,
        },
        slot.clone(),
        observer.clone(),
    )
    .unwrap();
    for vpc in ["vpc-1", "vpc-2", "vpc-3"] {
        let call = call(vpc, DecisionKind::ImplicitDeny);
        // The live decision, as the server would have answered.
        let answered = live.decide(&call.request, None).kind;
        assert!(shadow.sample());
        assert!(shadow.offer(ShadowCall {
            live: answered,
            ..call
        }));
    }
    worker.shutdown();
    let summary = shadow.summary();
    assert_eq!(summary.sampled, 3);
    assert_eq!(summary.compared, 3);
    assert_eq!(
        summary.flips,
        [
            (DecisionKind::Allowed, DecisionKind::ImplicitDeny, 1),
            (DecisionKind::ImplicitDeny, DecisionKind::Allowed, 1)
        ]
    );
    assert_eq!(observer.flips.load(Ordering::Relaxed), 2);
    assert_eq!(observer.same.load(Ordering::Relaxed), 1);
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(lines[0]["requestId"], "req-vpc-1");
    assert_eq!(lines[0]["decision"], "allowed");
    assert_eq!(lines[0]["shadowDecision"], "implicitDeny");
    assert_eq!(
        lines[0]["context"]["aws:SourceVpc"],
        serde_json::json!(["vpc-1"])
    );
    assert_eq!(lines[1]["shadowDecision"], "allowed");
    assert!(
        lines[1]["shadowStatements"][0]
            .as_str()
            .unwrap()
            .contains("(FromVpc)")
    );

    // A flips log line is a replay record: replaying the log on the live
    // store finds each flip again, the other way round.
    let replayed = tollgate_impact::replay::replay(&live, text.as_bytes()).unwrap();
    assert_eq!(replayed.replayed, 2);
    assert_eq!(
        replayed.flip_count(),
        0,
        "the records carry the live decision"
    );
    assert_eq!(replayed.without_request, 0);
}

#[test]
fn a_full_queue_drops_and_counts_and_no_candidate_is_skipped() {
    // No candidate yet: calls are skipped, not compared.
    let slot = Arc::new(CandidateSlot::default());
    let observer = Arc::new(Counter::default());
    let (shadow, worker) = Shadow::start(
        ShadowSettings {
            sample: 1.0,
            queue: 2,
            flips_log: None,
            // Holds the worker until the queue has been filled.
            on_start: Some(Box::new(|| {
                std::thread::sleep(std::time::Duration::from_millis(300))
            })),
        },
        slot,
        observer.clone(),
    )
    .unwrap();
    let accepted = (0..10)
        .filter(|_| shadow.offer(call("vpc-1", DecisionKind::Allowed)))
        .count();
    assert_eq!(accepted, 2);
    worker.shutdown();
    let summary = shadow.summary();
    assert_eq!(summary.sampled, 10);
    assert_eq!(summary.dropped, 8);
    assert_eq!(summary.skipped, 2);
    assert_eq!(summary.compared, 0);
    assert_eq!(observer.dropped.load(Ordering::Relaxed), 8);
    // After shutdown, offers are dropped and counted too.
    assert!(!shadow.offer(call("vpc-1", DecisionKind::Allowed)));
    assert_eq!(shadow.summary().dropped, 9);
}

#[test]
fn the_sampler_takes_the_fraction() {
    let count = |fraction: f64| {
        let sampler = Sampler::new(fraction);
        (0..100_000).filter(|_| sampler.sample()).count()
    };
    assert_eq!(count(0.0), 0);
    assert_eq!(count(f64::NAN), 0);
    assert_eq!(count(1.0), 100_000);
    let tenth = count(0.1);
    assert!((9_000..11_000).contains(&tenth), "{tenth}");
    let hundredth = count(0.01);
    assert!((800..1_200).contains(&hundredth), "{hundredth}");
    let _ = NoObserver;
}

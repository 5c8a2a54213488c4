//! Decides a generated `enterprise`-shaped store's requests in rounds, for a
//! profiler: the store is `enterprise` scaled down by a divisor (default 10,
//! so it loads quickly under valgrind), the requests are drawn as
//! `tollgate workload` draws them. Instructions per decision:
//!
//! ```sh
//! cargo build --release -p tollgate-benches --example profile_store
//! valgrind --tool=callgrind --collect-atstart=no \
//!   --toggle-collect='profile_store::decide_all' \
//!   target/release/examples/profile_store 10 5
//! ```
//!
//! and divide the `Collected` instructions by the decisions it prints.
//! Arguments: divisor (default 10), rounds (default 5), requests (default
//! 2,000).

use std::hint::black_box;
use std::time::Instant;

use tollgate_policy::{DecisionKind, Request};
use tollgate_store::Store;
use tollgate_workload::{RequestMix, StoreShape, StoreWorkload, draw_requests};

/// Decides every request `rounds` times; the profiler's window.
#[inline(never)]
fn decide_all(store: &Store, requests: &[Request], rounds: usize) -> usize {
    let mut allowed = 0;
    for _ in 0..rounds {
        for request in requests {
            if black_box(store.decide(black_box(request), None)).kind == DecisionKind::Allowed {
                allowed += 1;
            }
        }
    }
    allowed
}

fn arg(args: &[String], i: usize, default: usize) -> usize {
    args.get(i).and_then(|s| s.parse().ok()).unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let divisor = arg(&args, 0, 10).max(1);
    let rounds = arg(&args, 1, 5);
    let count = arg(&args, 2, 2_000);
    let workload = StoreWorkload::generate(&StoreShape::enterprise().scaled_down(divisor), 1);
    let started = Instant::now();
    let store = match Store::from_files(workload.files.clone()) {
        Ok(store) => store,
        Err(e) => {
            eprintln!("the generated store does not load: {e}");
            std::process::exit(1);
        }
    };
    eprintln!(
        "store: {} principals, {} statements, loaded in {:.2} s",
        store.principal_count(),
        store.stats().statements,
        started.elapsed().as_secs_f64()
    );
    let lines = match draw_requests(&workload, count, 1, RequestMix::default(), |r| {
        store.decide(r, None).kind
    }) {
        Ok(lines) => lines,
        Err(e) => {
            eprintln!("cannot draw requests: {e}");
            std::process::exit(1);
        }
    };
    let requests: Vec<Request> = lines.iter().filter_map(|l| l.to_request().ok()).collect();
    let started = Instant::now();
    let allowed = decide_all(&store, &requests, rounds);
    let decisions = requests.len() * rounds;
    eprintln!(
        "{decisions} decisions ({allowed} allowed), {:.0} ns each",
        started.elapsed().as_nanos() as f64 / decisions.max(1) as f64
    );
}

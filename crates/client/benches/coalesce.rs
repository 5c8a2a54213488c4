//! The gain of coalescing: 256 concurrent `authorize` calls against an
//! in-process sidecar (the embedded example store on loopback TCP), each
//! its own `Authorize`, or gathered into `AuthorizeBatch` calls. Client and
//! server share the runtime and the machine, so the time per group is what
//! both sides spend: the per-call overhead coalescing removes shows in it.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use tokio::runtime::Runtime;
use tollgate_client::{AuthorizeRequest, Client, ClientConfig, Coalescing, Target};
use tollgate_server::Server;
use tollgate_server::config::{ListenAddr, ServeConfig, StoreSource};

const CONCURRENT: usize = 256;

fn sidecar(runtime: &Runtime) -> Target {
    runtime.block_on(async {
        let config = ServeConfig {
            listen: ListenAddr::Tcp(SocketAddr::from(([127, 0, 0, 1], 0))),
            admin_listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            store: StoreSource::Embedded,
            rescan_interval: None,
            ..ServeConfig::default()
        };
        let server = Server::bind(config).await.unwrap();
        let ListenAddr::Tcp(addr) = *server.grpc_addr() else {
            panic!("TCP was configured");
        };
        // Serves until the process ends.
        tokio::spawn(server.serve(std::future::pending::<()>()));
        Target::Tcp(format!("http://{addr}"))
    })
}

fn request() -> AuthorizeRequest {
    AuthorizeRequest {
        principal: "arn:aws:iam::111122223333:user/alice".into(),
        action: "s3:GetObject".into(),
        resource: "arn:aws:s3:::example-photos/cat.jpg".into(),
        ..AuthorizeRequest::default()
    }
}

async fn burst(client: &Client) {
    let calls: Vec<_> = (0..CONCURRENT)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.authorize(request()).await })
        })
        .collect();
    for call in calls {
        assert!(call.await.unwrap().unwrap().is_allowed());
    }
}

fn coalescing(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let target = sidecar(&runtime);
    let mut group = c.benchmark_group("client");
    group.throughput(Throughput::Elements(CONCURRENT as u64));
    group.measurement_time(Duration::from_secs(5));
    let settings = [
        ("unary", None),
        (
            "coalesced",
            Some(Coalescing {
                window: Duration::from_micros(20),
                ..Coalescing::default()
            }),
        ),
    ];
    for (name, coalescing) in settings {
        let config = ClientConfig {
            coalescing,
            deadline: Duration::from_secs(5),
            ..ClientConfig::default()
        };
        let client = runtime.block_on(Client::connect(&target, config)).unwrap();
        group.bench_function(BenchmarkId::new("authorize_256_concurrent", name), |b| {
            b.iter(|| runtime.block_on(burst(&client)));
        });
    }
    group.finish();
}

criterion_group!(benches, coalescing);
criterion_main!(benches);

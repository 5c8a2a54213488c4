//! Starting the real gRPC services on `127.0.0.1:0`, and the store the
//! tests ask: one account with a user `alice` and a role `deploy`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_stream::wrappers::TcpListenerStream;
use tollgate_proto::v1::authorizer_client::AuthorizerClient;
use tollgate_proto::v1::{AuthorizeRequest, ContextValue, ContextValues};
use tollgate_server::grpc::{HealthHandle, services};
use tollgate_server::state::{PolicyState, Snapshot};
use tollgate_store::Store;
use tonic::transport::{Channel, Endpoint};

pub const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
pub const DEPLOY_SESSION: &str = "arn:aws:sts::111122223333:assumed-role/deploy/ci-42";
pub const ALICE_POLICY: &str = "accounts/111122223333/users/alice.json";
/// When the test store was "loaded", whole seconds so it survives the wire.
pub const LOADED_AT_SECS: u64 = 1_700_000_000;

const ALICE_JSON: &str = r#"{
  "Tags": {"team": "data"},
  "InlinePolicies": {"main": {"Version": "2012-10-17", "Statement": [
    {"Sid": "ReadPhotos", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"},
    {"Sid": "NoDelete", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"},
    {"Sid": "AnyPhotos", "Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::photos/*"},
    {"Sid": "FromOffice", "Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*",
     "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
    {"Sid": "SmallLists", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
     "Condition": {"NumericLessThanEquals": {"s3:max-keys": "10"}}},
    {"Sid": "WithMfa", "Effect": "Allow", "Action": "iam:ChangePassword", "Resource": "*",
     "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
    {"Sid": "Blob", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*",
     "Condition": {"BinaryEquals": {"kms:EncryptionContext/blob": "QmluYXJ5"}}},
    {"Sid": "TeamTags", "Effect": "Allow", "Action": "s3:TagResource", "Resource": "*",
     "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": "${aws:PrincipalTag/team}"}}}
  ]}}
}"#;

const DEPLOY_JSON: &str = r#"{
  "TrustPolicy": {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}
  ]},
  "InlinePolicies": {"s3": {"Version": "2012-10-17", "Statement": [
    {"Sid": "Everything", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}
  ]}}
}"#;

/// The store the tests ask.
pub fn test_store() -> Store {
    let files = BTreeMap::from([
        (ALICE_POLICY.to_owned(), ALICE_JSON.as_bytes().to_vec()),
        (
            "accounts/111122223333/roles/deploy.json".to_owned(),
            DEPLOY_JSON.as_bytes().to_vec(),
        ),
    ]);
    Store::from_files(files).unwrap()
}

/// A snapshot of `store` loaded at [`LOADED_AT_SECS`].
pub fn snapshot(store: Store, source: &str) -> Snapshot {
    Snapshot {
        store,
        source: source.to_owned(),
        loaded_at: SystemTime::UNIX_EPOCH + Duration::from_secs(LOADED_AT_SECS),
    }
}

/// The real gRPC services, served on an ephemeral port until
/// [`TestServer::stop`] (or drop).
pub struct TestServer {
    pub addr: SocketAddr,
    pub health: HealthHandle,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), tonic::transport::Error>>>,
}

impl TestServer {
    /// Serves `state`.
    pub async fn start(state: Arc<PolicyState>) -> Self {
        let grpc = services(state).await.unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (shutdown, stopped) = oneshot::channel::<()>();
        let server = tonic::transport::Server::builder()
            .add_routes(grpc.routes)
            .serve_with_incoming_shutdown(TcpListenerStream::new(listener), async {
                let _ = stopped.await;
            });
        Self {
            addr,
            health: grpc.health,
            shutdown: Some(shutdown),
            task: Some(tokio::spawn(server)),
        }
    }

    /// Serves the test store.
    pub async fn with_test_store() -> Self {
        let state = PolicyState::serving(snapshot(test_store(), "test store"));
        Self::start(Arc::new(state)).await
    }

    /// A connected channel.
    pub async fn channel(&self) -> Channel {
        Endpoint::from_shared(format!("http://{}", self.addr))
            .unwrap()
            .connect()
            .await
            .unwrap()
    }

    /// An `Authorizer` client.
    pub async fn client(&self) -> AuthorizerClient<Channel> {
        AuthorizerClient::new(self.channel().await)
    }

    /// Stops serving and waits until the server has stopped.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .expect("the server stops within 10 s")
                .unwrap()
                .unwrap();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// A request of `principal` to do `action` on `resource`.
pub fn ask(principal: &str, action: &str, resource: &str) -> AuthorizeRequest {
    AuthorizeRequest {
        principal: principal.to_owned(),
        action: action.to_owned(),
        resource: resource.to_owned(),
        ..AuthorizeRequest::default()
    }
}

/// The same request with `explain` set.
pub fn explained(mut request: AuthorizeRequest) -> AuthorizeRequest {
    request.explain = true;
    request
}

/// One condition key's values.
pub fn values(values: impl IntoIterator<Item = ContextValue>) -> ContextValues {
    ContextValues {
        values: values.into_iter().collect(),
    }
}

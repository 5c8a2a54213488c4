//! Messages that do not decode are the caller's fault: `INVALID_ARGUMENT`
//! with the decoder's reason, not `INTERNAL`.

use bytes::Bytes;

use crate::harness::{Running, store_dir, test_config};
use crate::raw::{self, AUTHORIZE};

async fn answer_to(server: &Running, message: &[u8]) -> (i32, String) {
    let (mut send, _conn) = raw::connect(server.grpc).await;
    let response = raw::call(&mut send, AUTHORIZE, &[], raw::frame(message)).await;
    raw::status(response).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undecodable_messages_are_invalid_arguments() {
    let dir = store_dir();
    let server = Running::start(test_config(dir.path())).await;

    // `principal` (field 1, a string) holding bytes that are not UTF-8.
    let not_utf8 = [0x0a, 0x02, 0xff, 0xfe];
    // `principal` sent as a varint: the wrong wire type.
    let wrong_wire_type = [0x08, 0x01];
    // An unknown field made of 200 nested groups: past prost's recursion
    // limit while skipping it.
    let mut deep = Vec::new();
    let start_group = (99 << 3) | 3;
    let end_group = (99 << 3) | 4;
    for _ in 0..200 {
        deep.extend_from_slice(&varint(start_group));
    }
    for _ in 0..200 {
        deep.extend_from_slice(&varint(end_group));
    }
    // A length that runs past the end of the message.
    let truncated = [0x0a, 0x10, b'a'];
    for (what, message) in [
        ("invalid UTF-8", Bytes::copy_from_slice(&not_utf8)),
        ("wrong wire type", Bytes::copy_from_slice(&wrong_wire_type)),
        ("recursion limit", Bytes::from(deep)),
        ("truncated", Bytes::copy_from_slice(&truncated)),
    ] {
        let (code, reason) = answer_to(&server, &message).await;
        assert_eq!(
            code, 3,
            "{what}: INVALID_ARGUMENT expected, got {code} {reason}"
        );
        assert!(reason.contains("decode"), "{what}: {reason}");
    }
    server.join().await.unwrap();
}

fn varint(mut value: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

//! The generated gRPC API of tollgate (`proto/tollgate/v1/authorizer.proto`):
//! messages, the `Authorizer` client and server traits, and the encoded file
//! descriptor sets for server reflection (tollgate's own and Envoy's
//! ext_authz API), and the gRPC names of status codes
//! (shared by the server's metrics and the load tester's report). Domain
//! types stay out of here; `tollgate-wire` converts.

#![allow(missing_docs, clippy::all)] // generated code

/// `tollgate.v1`.
pub mod v1 {
    tonic::include_proto!("tollgate.v1");
}

/// The encoded `FileDescriptorSet` of `tollgate.v1`, for server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    tonic::include_file_descriptor_set!("tollgate_v1_descriptor");

/// The encoded `FileDescriptorSet` of Envoy's ext_authz API
/// (`envoy.service.auth.v3`, with every file it imports), compiled from the
/// proto files envoy-types ships, for server reflection.
pub const ENVOY_AUTH_FILE_DESCRIPTOR_SET: &[u8] =
    tonic::include_file_descriptor_set!("envoy_auth_v3_descriptor");

mod code_name;

pub use code_name::code_name;

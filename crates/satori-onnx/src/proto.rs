//! The ONNX protobuf messages (`package onnx`), as `prost` types.
//!
//! `proto/onnx.rs` was generated once and is committed, so that building satori needs neither
//! `protoc` nor a build script. It was generated from `crates/satori-onnx/proto/onnx-ml.proto3`,
//! the ONNX 1.23.1 schema in its ML variant (written by `python onnx/gen_proto.py -m onnx` from
//! the `onnx` 1.23.1 wheel's `onnx.in.proto`), by `prost-build` 0.14 with protoc 3.21.12:
//!
//! ```text
//! prost_build::Config::new()
//!     .out_dir("out")
//!     .compile_protos(&["proto/onnx-ml.proto3"], &["proto"])
//! ```
//!
//! To regenerate after an ONNX schema change, run the same with the new schema and replace the
//! file (keeping its first line). The messages only grow between ONNX versions, so files written
//! with these types stay readable.

#[allow(
    clippy::all,
    clippy::pedantic,
    missing_docs,
    rustdoc::all,
    non_camel_case_types
)]
mod generated {
    include!("proto/onnx.rs");
}

pub use generated::*;

//! Every generated `models.rs`, compiled as a module of an ordinary crate with the
//! dependencies a user of schemagen's Rust output adds. Warnings are errors: generated code
//! must not break a user's `-D warnings` build.
#![deny(warnings)]

include!(concat!(env!("OUT_DIR"), "/systems.rs"));

//! Integration tests: a real HTTP client (reqwest) against a running emulator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, unreachable_pub)]

mod common;

mod auth;
mod bad_input;
mod batch;
mod crud;
mod delta;
mod faults;
mod guard;
mod mail;
mod mocks;
mod module_graph;
mod phone;
mod routing;
mod seed;
mod sign_in;

//! Peak heap while decoding one page, typed vs `serde_json::Value`: a counting global allocator
//! tracks live bytes; for each decoding we reset the high-water mark to the live bytes before it,
//! decode once, and record the peak above that start and what the result keeps alive. The input
//! text is allocated before, so it is not counted. Its own binary, so the counting never slows the
//! timed benches. Writes `<target>/msgraph-bench/memory.txt`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use msgraph::models::{AuthenticationMethodKind, User};
use msgraph::Page;
use serde_json::Value;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = LIVE.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every method forwards to `System` with the caller's layout and pointer unchanged; the
// counters are plain atomics and never affect the allocation itself.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// (peak bytes above the start, bytes the result keeps alive) for one call of `decode`.
fn measure<T>(decode: impl Fn() -> T) -> (usize, usize) {
    // Once untimed first, so lazily initialised statics (lookup tables, ...) are not counted.
    drop(black_box(decode()));
    let start = LIVE.load(Ordering::Relaxed);
    PEAK.store(start, Ordering::Relaxed);
    let result = black_box(decode());
    let peak = PEAK.load(Ordering::Relaxed) - start;
    let retained = LIVE.load(Ordering::Relaxed).saturating_sub(start);
    drop(result);
    (peak, retained)
}

fn main() {
    let users = common::users_page(999);
    let methods = common::methods_page(500);
    let (users_typed, users_typed_kept) =
        measure(|| msgraph::json::from_str::<Page<User>>(&users).expect("typed users"));
    let (users_value, users_value_kept) = measure(|| serde_json::from_str::<Value>(&users).expect("Value users"));
    let (methods_typed, methods_typed_kept) =
        measure(|| msgraph::json::from_str::<Page<AuthenticationMethodKind>>(&methods).expect("typed methods"));
    let (methods_value, methods_value_kept) =
        measure(|| serde_json::from_str::<Value>(&methods).expect("Value methods"));
    common::write_results(
        "memory",
        &[
            ("users_bytes", users.len().to_string()),
            ("users_typed_peak", users_typed.to_string()),
            ("users_typed_retained", users_typed_kept.to_string()),
            ("users_value_peak", users_value.to_string()),
            ("users_value_retained", users_value_kept.to_string()),
            ("methods_bytes", methods.len().to_string()),
            ("methods_typed_peak", methods_typed.to_string()),
            ("methods_typed_retained", methods_typed_kept.to_string()),
            ("methods_value_peak", methods_value.to_string()),
            ("methods_value_retained", methods_value_kept.to_string()),
        ],
    );
}

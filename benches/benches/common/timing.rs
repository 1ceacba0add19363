//! Timing async work for criterion's `iter_custom` (and for measurements of our own): the
//! operation runs `n` times, one after the other, inside one `block_on`.
//!
//! Used by `queue.rs` and `pipeline.rs` (`#[path = "common/timing.rs"] mod timing;`).

use std::time::{Duration, Instant};

use criterion::Bencher;
use tokio::runtime::Runtime;

/// Awaits `op()` `n` times, one after the other; the time it took.
pub(crate) async fn time_n<T>(n: u64, op: &mut impl AsyncFnMut() -> T) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        std::hint::black_box(op().await);
    }
    start.elapsed()
}

/// `b.iter_custom` for async work: each sample times `iters` runs of `op` on `rt`.
pub(crate) fn iter_async<T>(b: &mut Bencher<'_>, rt: &Runtime, mut op: impl AsyncFnMut() -> T) {
    b.iter_custom(|iters| rt.block_on(time_n(iters, &mut op)));
}

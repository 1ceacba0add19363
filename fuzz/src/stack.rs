//! Runs the JSON decode checks on a thread with a 2 MiB stack (what a tokio worker or any
//! `std::thread` gets by default), not on the fuzzer's 8 MiB main thread: a decoder that
//! recurses too deep for a real program's thread must crash the fuzzer too.
//!
//! One worker thread is spawned on first use and reused for every input (a thread per input
//! would cost more than most decodes). A panic there still aborts the process (libFuzzer's
//! panic hook), as does a stack overflow, and libFuzzer reports the input.

use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Mutex, PoisonError};

/// The stack size the checks run with.
pub const STACK_SIZE: usize = 2 << 20;

type Check = fn(&[u8]) -> Result<(), String>;

struct Worker {
    jobs: Sender<(Check, Vec<u8>)>,
    results: Receiver<Result<(), String>>,
}

static WORKER: Mutex<Option<Worker>> = Mutex::new(None);

fn spawn() -> Result<Worker, String> {
    let (jobs, job_rx) = channel::<(Check, Vec<u8>)>();
    let (result_tx, results) = channel();
    std::thread::Builder::new()
        .name("decode-2mib".into())
        .stack_size(STACK_SIZE)
        .spawn(move || {
            for (check, data) in job_rx {
                if result_tx.send(check(&data)).is_err() {
                    break;
                }
            }
        })
        .map_err(|e| format!("cannot spawn the 2 MiB-stack thread: {e}"))?;
    Ok(Worker { jobs, results })
}

/// `check(data)` on the 2 MiB-stack worker thread.
pub fn on_small_stack(data: &[u8], check: Check) -> Result<(), String> {
    let mut slot = WORKER.lock().unwrap_or_else(PoisonError::into_inner);
    if slot.is_none() {
        *slot = Some(spawn()?);
    }
    let worker = slot.as_ref().ok_or("no worker")?;
    worker.jobs.send((check, data.to_vec())).map_err(|_| "the 2 MiB-stack thread is gone".to_string())?;
    worker.results.recv().map_err(|_| "the 2 MiB-stack thread is gone".to_string())?
}

//! `msgraph-emulator`: runs the emulator until Ctrl-C and prints its URLs and the test app's
//! credentials.
//!
//! ```text
//! cargo run -p msgraph-emulator -- --port 8080 [--seed N] [--page-size N] [--seed-file tenant.json]
//!     [--token-lifetime SECS] [--latency-ms N] [--rate-limit N/SECS] [--fault SPEC]...
//!     [--no-shuffle] [--empty-pages] [--device-code-interval SECS] [--mocks-file PATH]...
//! ```
//!
//! `--fault` takes the syntax of `FaultRule::from_str`, e.g. `throttle:retry-after=2,every=10`,
//! `status=503:probability=0.1`, `drop:every=100`, `truncate:next=1`, `malformed:every=7`,
//! `slow:chunk=16,delay=50ms`, `latency=50ms`.
//!
//! `--mocks-file` (as Dev Proxy's option) registers the mocks of a mock file in Dev Proxy's
//! format (see the library's `mocks` module); given more than once, the files' mocks are tried in
//! the order given. A file that cannot be used stops the start with its name and the JSON path
//! of the problem (exit status 2).

use std::process::ExitCode;
use std::time::Duration;

use msgraph_emulator::{Emulator, EmulatorBuilder, FaultRule, Mock, RateLimit, SeedData};

const USAGE: &str = "usage: msgraph-emulator [--port N] [--seed N] [--page-size N] [--seed-file PATH]
       [--token-lifetime SECS] [--latency-ms N] [--rate-limit N/SECS] [--fault SPEC]...
       [--no-shuffle] [--empty-pages] [--device-code-interval SECS] [--mocks-file PATH]...
       [--print-default-seed]";

fn parse_args(args: &[String]) -> Result<Option<EmulatorBuilder>, String> {
    let mut b = Emulator::builder().port(8080);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or_else(|| format!("{name} needs a value"));
        let num = |name: &str, v: String| v.parse::<u64>().map_err(|_| format!("{name}: '{v}' is not a number"));
        b = match arg.as_str() {
            "--port" => b.port(u16::try_from(num("--port", value("--port")?)?).map_err(|_| "--port: out of range")?),
            "--seed" => b.seed(num("--seed", value("--seed")?)?),
            "--page-size" => b.page_size(num("--page-size", value("--page-size")?)? as usize),
            "--seed-file" => {
                let path = value("--seed-file")?;
                b.seed_data(SeedData::from_file(&path).map_err(|e| e.to_string())?)
            }
            "--token-lifetime" => {
                b.token_lifetime(Duration::from_secs(num("--token-lifetime", value("--token-lifetime")?)?))
            }
            "--latency-ms" => b.latency(Duration::from_millis(num("--latency-ms", value("--latency-ms")?)?)),
            "--rate-limit" => {
                let v = value("--rate-limit")?;
                let (n, secs) = v.split_once('/').ok_or("--rate-limit takes N/SECS, e.g. 100/10")?;
                b.rate_limit(RateLimit {
                    requests: u32::try_from(num("--rate-limit", n.to_string())?)
                        .map_err(|_| "--rate-limit: out of range")?,
                    window: Duration::from_secs(num("--rate-limit", secs.to_string())?),
                })
            }
            "--fault" => b.fault(value("--fault")?.parse::<FaultRule>().map_err(|e| e.to_string())?),
            "--mocks-file" => b.mocks(Mock::load_file(value("--mocks-file")?).map_err(|e| e.to_string())?),
            "--no-shuffle" => b.shuffle_batch_responses(false),
            "--empty-pages" => b.empty_pages(true),
            "--device-code-interval" => b.device_code_interval(Duration::from_secs(num(
                "--device-code-interval",
                value("--device-code-interval")?,
            )?)),
            "--print-default-seed" => {
                println!("{}", SeedData::default_tenant_json());
                return Ok(None);
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(None);
            }
            other => return Err(format!("unknown argument '{other}'\n{USAGE}")),
        };
    }
    Ok(Some(b))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let builder = match parse_args(&args) {
        Ok(Some(b)) => b,
        Ok(None) => return ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    rt.block_on(async move {
        let emu = match builder.start().await {
            Ok(e) => e,
            Err(e) => {
                eprintln!("cannot start the emulator: {e}");
                return ExitCode::FAILURE;
            }
        };
        let app = emu.app();
        let me = emu.signed_in_user();
        println!("msgraph-emulator listening on {}", emu.addr());
        println!("  Graph base URL  {}", emu.base_url());
        println!("  content origin  {}", emu.content_url());
        println!("  token URL       {}", emu.token_url());
        println!("  authorize URL   {}", emu.authorize_url());
        println!("  device code URL {}", emu.device_code_url());
        println!("  device login    {}/devicelogin", emu.login_base_url());
        println!("  tenant id       {}", app.tenant_id);
        println!("  client id       {}", app.client_id);
        println!("  client secret   {}", app.client_secret);
        println!("  default user    {} ({}); /me needs a delegated token", me.user_principal_name, me.id);
        if !emu.mocks().is_empty() {
            println!("  mocks           {} registered", emu.mocks().len());
        }
        println!("Press Ctrl-C to stop.");
        let _ = tokio::signal::ctrl_c().await;
        let violations = emu.violations();
        if !violations.is_empty() {
            println!("protocol violations recorded:");
            for v in violations {
                println!("  - {v}");
            }
        }
        emu.shutdown().await;
        ExitCode::SUCCESS
    })
}

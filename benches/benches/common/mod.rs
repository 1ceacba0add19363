//! Shared by the bench binaries: realistic Graph JSON generated in memory, quick mode, and the
//! small result files that `cargo xtask bench-report` reads next to criterion's estimates.
#![allow(dead_code, unreachable_pub)]

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

/// `MSGRAPH_BENCH_QUICK=1` (set by `cargo xtask bench-report --quick`): short measurement times,
/// fewer repetitions; for development only.
pub fn quick() -> bool {
    std::env::var_os("MSGRAPH_BENCH_QUICK").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Criterion settings: modest sample sizes (the machine is small and shared), shorter in quick mode.
pub fn criterion() -> criterion::Criterion {
    let c = criterion::Criterion::default().configure_from_args().without_plots();
    if quick() {
        c.sample_size(10).warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(1))
    } else {
        c.sample_size(30).warm_up_time(Duration::from_secs(2)).measurement_time(Duration::from_secs(6))
    }
}

/// The workspace's target directory (`<target>/release/deps/<bench binary>` → `<target>`).
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    exe.ancestors().nth(3).map(PathBuf::from).unwrap_or_else(|| PathBuf::from("target"))
}

/// Where the custom measurements go: `$MSGRAPH_BENCH_OUT`, else `<target>/msgraph-bench`.
pub fn results_dir() -> PathBuf {
    match std::env::var_os("MSGRAPH_BENCH_OUT") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => target_dir().join("msgraph-bench"),
    }
}

/// Writes `<results_dir>/<name>.txt`: one `key value` pair per line (read by the xtask, which
/// keeps no JSON dependency), and echoes it.
pub fn write_results(name: &str, pairs: &[(&str, String)]) {
    let dir = results_dir();
    std::fs::create_dir_all(&dir).expect("create results dir");
    let mut text = String::new();
    for (k, v) in pairs {
        assert!(!k.contains(char::is_whitespace) && !v.contains('\n'), "{k} {v}");
        let _ = writeln!(text, "{k} {v}");
    }
    let path = dir.join(format!("{name}.txt"));
    std::fs::write(&path, &text).expect("write results");
    eprintln!("{}:\n{text}", path.display());
}

/// A deterministic generator (an LCG), so every run benchmarks the same bytes.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407))
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }

    pub fn guid(&mut self) -> String {
        let a = (self.next() << 31) ^ self.next();
        let b = (self.next() << 31) ^ self.next();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a & 0xffff_ffff,
            (a >> 32) & 0xffff,
            b & 0xfff,
            0x8000 | ((b >> 12) & 0x3fff),
            (self.next() << 17 ^ self.next()) & 0xffff_ffff_ffff
        )
    }

    /// An ISO 8601 timestamp, sometimes with Graph's 7 fractional digits.
    pub fn timestamp(&mut self) -> String {
        let (y, mo, d) = (2019 + self.below(7), 1 + self.below(12), 1 + self.below(28));
        let (h, mi, s) = (self.below(24), self.below(60), self.below(60));
        if self.below(3) == 0 {
            format!("{y}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:07}Z", self.below(10_000_000))
        } else {
            format!("{y}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
        }
    }
}

const GIVEN: &[&str] = &[
    "Adele",
    "Alex",
    "Megan",
    "Lee",
    "Nestor",
    "Isaiah",
    "Lidia",
    "Lynne",
    "Miriam",
    "Patti",
    "Pradeep",
    "Grady",
    "Henrietta",
    "Irvin",
    "Johanna",
    "Joni",
    "Diego",
    "Debra",
    "Christie",
    "Cameron",
];
const SURNAME: &[&str] = &[
    "Vance",
    "Wilber",
    "Bowen",
    "Gu",
    "Wilke",
    "Langer",
    "Holloway",
    "Robbins",
    "Graham",
    "Fernandez",
    "Gupta",
    "Archie",
    "Mueller",
    "Sink",
    "Lauer",
    "Sherman",
    "Siciliani",
    "Berg",
    "Cline",
    "White",
];
const TITLES: &[&str] = &[
    "Retail Manager",
    "Marketing Assistant",
    "Product Manager",
    "Director",
    "Attorney",
    "Web Marketing Manager",
    "Senior Engineer",
    "CVP Engineering",
    "Developer",
    "Sales Representative",
];
const DEPARTMENTS: &[&str] =
    &["Retail", "Marketing", "Engineering", "Executive Management", "Legal", "Sales & Marketing", "Operations", "HR"];
const CITIES: &[(&str, &str, &str, &str)] = &[
    ("Redmond", "WA", "98052", "United States"),
    ("Bellevue", "WA", "98004", "United States"),
    ("Seattle", "WA", "98101", "United States"),
    ("Birmingham", "AL", "35243", "United States"),
    ("Tulsa", "OK", "74133", "United States"),
    ("Waukesha", "WI", "53188", "United States"),
];
const SERVICES: &[&str] =
    &["exchange", "SharePoint", "MicrosoftCommunicationsOnline", "TeamspaceAPI", "ProcessSimple", "MicrosoftOffice"];
const SKUS: &[&str] = &[
    "c7df2760-2c81-4ef7-b578-5b5392b571df",
    "6fd2c87f-b296-42f0-b197-1e91e994b900",
    "b05e124f-c7cc-45a0-a6aa-8cf78c946968",
    "f30db892-07e9-47e9-837c-80727f46fd3d",
];

/// A JSON string literal (the generated text never needs escapes except `&`-free ASCII, but be safe).
fn quoted(s: &str) -> String {
    serde_json::to_string(s).expect("string")
}

/// One realistic user as Graph returns it from `GET /users?$select=...` — 29 properties set (ids,
/// names, contact data, a phones array, nested assignedLicenses/assignedPlans, timestamps,
/// booleans, explicit nulls) and two directory extension properties the model does not know.
pub fn user_json(rng: &mut Rng, i: usize, out: &mut String) {
    let given = rng.pick(GIVEN);
    let surname = rng.pick(SURNAME);
    let nick = format!("{given}{}{i}", &surname[..1]);
    let upn = format!("{nick}@contoso.onmicrosoft.com");
    let (city, state, zip, country) = CITIES[rng.below(CITIES.len() as u64) as usize];
    let _ = write!(out, "{{\"id\":\"{}\"", rng.guid());
    let _ = write!(out, ",\"businessPhones\":[\"+1 425 555 {:04}\"", rng.below(10_000));
    if rng.below(3) == 0 {
        let _ = write!(out, ",\"+1 425 555 {:04}\"", rng.below(10_000));
    }
    out.push(']');
    let _ = write!(out, ",\"displayName\":{}", quoted(&format!("{given} {surname}")));
    let _ = write!(out, ",\"givenName\":\"{given}\",\"surname\":\"{surname}\"");
    let _ = write!(out, ",\"jobTitle\":{}", quoted(rng.pick(TITLES)));
    let _ = write!(out, ",\"mail\":\"{upn}\"");
    if rng.below(2) == 0 {
        out.push_str(",\"mobilePhone\":null");
    } else {
        let _ = write!(out, ",\"mobilePhone\":\"+1 425 555 {:04}\"", rng.below(10_000));
    }
    let _ = write!(out, ",\"officeLocation\":\"{}/{}\"", 10 + rng.below(30), 1000 + rng.below(2000));
    out.push_str(",\"preferredLanguage\":\"en-US\"");
    let _ = write!(out, ",\"userPrincipalName\":\"{upn}\"");
    let _ = write!(out, ",\"accountEnabled\":{}", rng.below(10) != 0);
    let _ =
        write!(out, ",\"city\":\"{city}\",\"state\":\"{state}\",\"postalCode\":\"{zip}\",\"country\":\"{country}\"");
    let _ = write!(out, ",\"streetAddress\":\"{} Microsoft Way\"", 1 + rng.below(20_000));
    let _ = write!(out, ",\"department\":{}", quoted(rng.pick(DEPARTMENTS)));
    out.push_str(",\"companyName\":null,\"usageLocation\":\"US\"");
    let _ = write!(out, ",\"mailNickname\":\"{nick}\"");
    let _ = write!(out, ",\"employeeId\":\"E{:06}\",\"employeeType\":\"Employee\"", rng.below(1_000_000));
    let _ = write!(out, ",\"createdDateTime\":\"{}\"", rng.timestamp());
    let _ = write!(out, ",\"lastPasswordChangeDateTime\":\"{}\"", rng.timestamp());
    out.push_str(",\"onPremisesSyncEnabled\":null");
    let _ = write!(out, ",\"proxyAddresses\":[\"SMTP:{upn}\",\"smtp:{nick}@contoso.com\"]");
    out.push_str(",\"assignedLicenses\":[");
    for l in 0..1 + rng.below(3) {
        if l > 0 {
            out.push(',');
        }
        out.push_str("{\"disabledPlans\":[");
        for p in 0..rng.below(3) {
            if p > 0 {
                out.push(',');
            }
            let _ = write!(out, "\"{}\"", rng.guid());
        }
        let _ = write!(out, "],\"skuId\":\"{}\"}}", SKUS[l as usize % SKUS.len()]);
    }
    out.push_str("],\"assignedPlans\":[");
    for p in 0..2 + rng.below(3) {
        if p > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            "{{\"assignedDateTime\":\"{}\",\"capabilityStatus\":\"{}\",\"service\":\"{}\",\"servicePlanId\":\"{}\"}}",
            rng.timestamp(),
            if rng.below(8) == 0 { "Deleted" } else { "Enabled" },
            rng.pick(SERVICES),
            rng.guid()
        );
    }
    out.push(']');
    let _ = write!(out, ",\"extension_3bd4e5f6a7b8_costCenter\":\"CC-{:04}\"", rng.below(10_000));
    let _ = write!(out, ",\"extension_3bd4e5f6a7b8_badgeNumber\":{}", rng.below(100_000));
    out.push('}');
}

/// A page of `n` users with `@odata.context` and `@odata.nextLink`.
pub fn users_page(n: usize) -> String {
    let mut rng = Rng::new(7);
    let mut out = String::with_capacity(n * 1600);
    out.push_str("{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#users\"");
    out.push_str(",\"@odata.nextLink\":\"https://graph.microsoft.com/v1.0/users?$top=999&$skiptoken=RFNwdAIAAQAAACM6QWRlbGVWQGNvbnRvc28ub25taWNyb3NvZnQuY29tKVVzZXJfNmRlOGVjMDQtNmQwMi00MDk1LTk4NGUtMzIwN2E0ZTkwMGM4uQAAAAAAAAAAAAA\",\"value\":[");
    for i in 0..n {
        if i > 0 {
            out.push(',');
        }
        user_json(&mut rng, i, &mut out);
    }
    out.push_str("]}");
    out
}

/// One authentication method (a realistic mix: phones and passwords most often).
fn method_json(rng: &mut Rng, i: usize, out: &mut String) {
    let created = rng.timestamp();
    match rng.below(16) {
        0..=3 => {
            let (id, ty, state) = match rng.below(3) {
                0 => ("3179e48a-750b-4051-897c-87b9720928f7", "mobile", "ready"),
                1 => ("e37fc753-ff3b-4958-9484-eaa9425c82bc", "office", "notSupported"),
                _ => ("b6332ec1-7057-4abe-9331-3d72feddfe41", "alternateMobile", "notSupported"),
            };
            let _ = write!(
                out,
                "{{\"@odata.type\":\"#microsoft.graph.phoneAuthenticationMethod\",\"id\":\"{id}\",\"phoneNumber\":\"+1 425555{:04}\",\"phoneType\":\"{ty}\",\"smsSignInState\":\"{state}\"}}",
                rng.below(10_000)
            );
        }
        4..=6 => {
            let _ = write!(
                out,
                "{{\"@odata.type\":\"#microsoft.graph.passwordAuthenticationMethod\",\"id\":\"28c10230-6103-485e-b985-444c60001490\",\"password\":null,\"createdDateTime\":\"{created}\"}}"
            );
        }
        7..=8 => {
            let _ = write!(
                out,
                "{{\"@odata.type\":\"#microsoft.graph.fido2AuthenticationMethod\",\"id\":\"{}\",\"displayName\":\"YubiKey 5 NFC ({i})\",\"createdDateTime\":\"{created}\",\"aaGuid\":\"cb69481e-8ff7-4039-93ec-0a2729a154a8\",\"model\":\"YubiKey 5 NFC\",\"attestationCertificates\":[\"{}\"],\"attestationLevel\":\"attested\"}}",
                rng.guid(),
                format_args!("{:016x}{:016x}", rng.next(), rng.next())
            );
        }
        9..=10 => {
            let _ = write!(
                out,
                "{{\"@odata.type\":\"#microsoft.graph.microsoftAuthenticatorAuthenticationMethod\",\"id\":\"{}\",\"displayName\":\"{}\",\"deviceTag\":\"SoftwareTokenActivated\",\"phoneAppVersion\":\"6.{}.{}\",\"createdDateTime\":\"{created}\"}}",
                rng.guid(),
                rng.pick(&["iPhone 15", "Pixel 8", "Galaxy S24", "iPhone 13 mini"]),
                rng.below(10),
                rng.below(20)
            );
        }
        11 => {
            let _ = write!(
                out,
                "{{\"@odata.type\":\"#microsoft.graph.emailAuthenticationMethod\",\"id\":\"3ddfcfc8-9383-446f-83cc-3ab9be4be18f\",\"emailAddress\":\"user{i}@fabrikam.com\"}}"
            );
        }
        12 => {
            let _ = write!(
                out,
                "{{\"@odata.type\":\"#microsoft.graph.softwareOathAuthenticationMethod\",\"id\":\"{}\",\"secretKey\":null}}",
                rng.guid()
            );
        }
        13 => {
            let _ = write!(
                out,
                "{{\"@odata.type\":\"#microsoft.graph.windowsHelloForBusinessAuthenticationMethod\",\"id\":\"{}\",\"displayName\":\"DESKTOP-{:05}\",\"createdDateTime\":\"{created}\",\"keyStrength\":\"{}\"}}",
                rng.guid(),
                rng.below(100_000),
                if rng.below(4) == 0 { "weak" } else { "normal" }
            );
        }
        14 => {
            let _ = write!(
                out,
                "{{\"@odata.type\":\"#microsoft.graph.temporaryAccessPassAuthenticationMethod\",\"id\":\"{}\",\"temporaryAccessPass\":null,\"createdDateTime\":\"{created}\",\"startDateTime\":\"{}\",\"lifetimeInMinutes\":60,\"isUsableOnce\":false,\"isUsable\":true,\"methodUsabilityReason\":\"EnabledByPolicy\"}}",
                rng.guid(),
                rng.timestamp()
            );
        }
        _ => {
            // A type this SDK version does not know: decodes as the base variant, data kept.
            let _ = write!(
                out,
                "{{\"@odata.type\":\"#microsoft.graph.hardwareOathAuthenticationMethod\",\"id\":\"{}\",\"createdDateTime\":\"{created}\",\"device\":{{\"serialNumber\":\"{:010}\",\"manufacturer\":\"Contoso\"}}}}",
                rng.guid(),
                rng.below(10_000_000_000)
            );
        }
    }
}

/// A page of `n` polymorphic methods as `GET /me/authentication/methods` returns it.
pub fn methods_page(n: usize) -> String {
    let mut rng = Rng::new(11);
    let mut out = String::with_capacity(n * 300);
    out.push_str("{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#users('48d31887-5fad-4d73-a9f5-3c356e68a038')/authentication/methods\",\"value\":[");
    for i in 0..n {
        if i > 0 {
            out.push(',');
        }
        method_json(&mut rng, i, &mut out);
    }
    out.push_str("]}");
    out
}

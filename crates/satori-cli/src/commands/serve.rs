//! `satori serve`: serve a model file, or a repository of versioned model files, over HTTP.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use satori_core::Error;
use satori_serve::{BatchConfig, ServeConfig, Server, SourceSpec};

use crate::progress::TermProgress;

#[derive(Debug, Args)]
#[command(
    after_help = "Endpoints: /v2/health/live, /v2/health/ready, /v2, /v2/models/NAME[/versions/V][/ready|/infer],\n\
POST /predict (JSON rows or columns, or CSV), GET /metrics (Prometheus),\n\
/v2/repository/index and, with --admin-token, POST /v2/repository/models/NAME/{load,unload,route}.\n\
See docs/serving.md.\n\n\
Examples:\n  satori serve model.satori\n  \
satori serve --repository models/ --port 9000 --admin-token \"$TOKEN\"\n  \
satori serve model.satori --batch-max-size 32 --batch-max-delay 2 --log-requests requests.jsonl\n  \
curl -s localhost:8080/predict -d '{\"rows\": [{\"age\": 41, \"plan\": \"pro\"}]}'\n  \
curl -s localhost:8080/predict -H 'Content-Type: text/csv' --data-binary @new.csv"
)]
pub struct ServeArgs {
    /// The model file to serve (named after its file stem unless --name says otherwise).
    #[arg(required_unless_present = "repository", conflicts_with = "repository")]
    pub model: Option<PathBuf>,
    /// Serve a repository folder instead: one folder per model, one `<version>.satori` file per
    /// version (`models/churn/1.satori`, `models/churn/2.satori`); the highest version serves.
    #[arg(long, value_name = "DIR")]
    pub repository: Option<PathBuf>,
    /// The name of a single served model.
    #[arg(long, conflicts_with = "repository")]
    pub name: Option<String>,
    /// The address to listen on (loopback by default; `0.0.0.0` listens on every interface).
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// The port (0 picks a free one, printed at start).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Seconds between checks of the model file or repository for new versions (0: never).
    #[arg(long, default_value_t = 2.0, value_name = "SECONDS")]
    pub poll_interval: f64,
    /// Predict calls running at once (default: the number of CPUs).
    #[arg(long, value_name = "N")]
    pub max_concurrency: Option<usize>,
    /// Requests that may wait for a free slot; beyond, 503 with Retry-After.
    #[arg(long, default_value_t = 1024, value_name = "N")]
    pub max_queue: usize,
    /// Each request's deadline in seconds, from arrival to answer (504 beyond).
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    pub timeout: f64,
    /// The largest request body: bytes, or with a suffix `k`, `M`, `G` (413 beyond).
    #[arg(long, default_value = "16M", value_name = "SIZE")]
    pub max_body: String,
    /// Merge concurrent JSON requests into predict calls of up to this many rows (1: off).
    #[arg(long, default_value_t = 1, value_name = "ROWS")]
    pub batch_max_size: usize,
    /// The longest a request waits for others to batch with, in milliseconds.
    #[arg(long, default_value_t = 2.0, value_name = "MS")]
    pub batch_max_delay: f64,
    /// On SIGTERM or Ctrl-C, how long to finish in-flight requests before exiting, in seconds.
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    pub drain_timeout: f64,
    /// The bearer token of the management endpoints (load, unload, route); also read from
    /// SATORI_ADMIN_TOKEN. Without one, management endpoints are disabled (403).
    #[arg(long, value_name = "TOKEN")]
    pub admin_token: Option<String>,
    /// Append every request and its predictions to this JSON Lines file.
    #[arg(long, value_name = "FILE")]
    pub log_requests: Option<PathBuf>,
    /// Rotate the request log at this size (bytes or `k`/`M`/`G`); 5 rotated files are kept.
    #[arg(long, default_value = "64M", value_name = "SIZE")]
    pub log_max_bytes: String,
    /// Rows per model version in the sliding drift window exported on /metrics
    /// (`satori_drift_*`: PSI, KS, χ², missing and unseen shares, verdicts against the training
    /// reference; see docs/monitoring.md); 0 turns drift monitoring off.
    #[arg(long, default_value_t = 1000, value_name = "ROWS")]
    pub drift_window: usize,
}

/// A size: bytes, or a number with a `k`, `M` or `G` suffix (powers of 1024).
fn parse_size(flag: &str, s: &str) -> Result<u64, Error> {
    let t = s.trim();
    let (digits, mult) = match t.chars().last() {
        Some('k' | 'K') => (&t[..t.len() - 1], 1u64 << 10),
        Some('m' | 'M') => (&t[..t.len() - 1], 1 << 20),
        Some('g' | 'G') => (&t[..t.len() - 1], 1 << 30),
        _ => (t, 1),
    };
    match digits.trim().parse::<u64>() {
        Ok(n) if n > 0 => n
            .checked_mul(mult)
            .ok_or_else(|| Error::param(flag, format!("`{s}` is too large"))),
        _ => Err(Error::param(
            flag,
            format!("`{s}` is not a size: give bytes, or a number with k, M or G (e.g. 16M)"),
        )),
    }
}

fn seconds(flag: &str, v: f64, allow_zero: bool) -> Result<Duration, Error> {
    if !v.is_finite() || v < 0.0 || (!allow_zero && v == 0.0) || v > 1e7 {
        return Err(Error::param(
            flag,
            format!("{v} is not a positive number of seconds"),
        ));
    }
    Ok(Duration::from_secs_f64(v))
}

pub fn run(args: ServeArgs, progress: &TermProgress) -> anyhow::Result<()> {
    let source = match (&args.model, &args.repository) {
        (_, Some(root)) => SourceSpec::Repository(root.clone()),
        (Some(path), None) => SourceSpec::File {
            path: path.clone(),
            name: args.name.clone(),
        },
        (None, None) => {
            return Err(Error::param("MODEL", "give a model file or --repository DIR").into());
        }
    };
    let mut config = ServeConfig::new(source);
    config.addr = SocketAddr::new(args.host, args.port);
    let poll = seconds("--poll-interval", args.poll_interval, true)?;
    config.poll_interval = (!poll.is_zero()).then_some(poll);
    if let Some(n) = args.max_concurrency {
        if n == 0 {
            return Err(Error::param("--max-concurrency", "must be at least 1").into());
        }
        config.max_concurrency = n;
    }
    config.max_queue = args.max_queue;
    config.timeout = seconds("--timeout", args.timeout, false)?;
    config.max_body = usize::try_from(parse_size("--max-body", &args.max_body)?)
        .map_err(|_| Error::param("--max-body", "too large for this machine"))?;
    if args.batch_max_size == 0 {
        return Err(Error::param(
            "--batch-max-size",
            "must be at least 1 (1 turns batching off)",
        )
        .into());
    }
    if args.batch_max_size > 1 {
        config.batch = Some(BatchConfig {
            max_rows: args.batch_max_size,
            max_delay: seconds("--batch-max-delay", args.batch_max_delay / 1e3, true)?,
        });
    }
    config.drain_timeout = seconds("--drain-timeout", args.drain_timeout, true)?;
    config.admin_token = args
        .admin_token
        .clone()
        .or_else(|| std::env::var("SATORI_ADMIN_TOKEN").ok())
        .filter(|t| !t.is_empty());
    config.log_requests = args.log_requests.clone();
    config.log_max_bytes = parse_size("--log-max-bytes", &args.log_max_bytes)?;
    config.handle_signals = true;
    if args.drift_window > 0 {
        config.hooks.drift = Some(std::sync::Arc::new(satori_serve::drift::DriftMonitor::new(
            args.drift_window,
            satori_monitor::Thresholds::default(),
        )?));
    }
    let token = config.admin_token.is_some();
    let server = Server::start(config)?;
    for (name, version) in server.served() {
        progress.say(&format!("serving model `{name}` version {version}"));
    }
    if !token {
        progress.say(
            "management endpoints (load, unload, route) are disabled: start with --admin-token \
             or SATORI_ADMIN_TOKEN to enable them",
        );
    }
    progress.say(&format!(
        "listening on http://{} (ready); Ctrl-C or SIGTERM drains and stops",
        server.addr()
    ));
    server.wait()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_take_suffixes_and_refuse_nonsense() {
        assert_eq!(parse_size("--max-body", "16M").unwrap(), 16 << 20);
        assert_eq!(parse_size("--max-body", "512").unwrap(), 512);
        assert_eq!(parse_size("--max-body", "2k").unwrap(), 2048);
        for bad in ["", "0", "-1", "12X", "M"] {
            assert!(parse_size("--max-body", bad).is_err(), "{bad}");
        }
    }
}

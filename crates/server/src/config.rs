//! Settings from flags, a TOML file and defaults (SPEC §14), in that order of precedence.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};
use serde::Deserialize;

/// Switchboard: a call-center softswitch.
///
/// SIP phones register as agent extensions, trunks carry outside calls, callers go through an
/// XML IVR into skill-based queues, and applications steer it all through a REST API and
/// webhooks. With no arguments it runs with the defaults shown below; every setting can also
/// come from a TOML file (`--config`, keys spelled with underscores: `http_listen = "…"`) or
/// from an environment variable. Flags win over the file, the file over the defaults.
#[derive(Debug, Parser)]
#[command(name = "switchboard", version, about, long_about, max_term_width = 100)]
pub struct Cli {
    /// What to do (default: run the server).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Server settings.
    #[command(flatten)]
    pub settings: Flags,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default).
    Run,
    /// Print the effective configuration as TOML and exit.
    PrintConfig,
    /// See it work without phones: start a server on loopback, simulate a caller, two
    /// agents and a supervisor with their own SIP phones and RTP, and check who hears whom
    /// (under a minute; exits non-zero if a check fails).
    Demo(DemoArgs),
}

/// Flags of `switchboard demo`.
#[derive(Debug, Args, Clone, Copy)]
pub struct DemoArgs {
    /// Print only the checks and the summary, not the event log (for CI logs).
    #[arg(long)]
    pub quiet: bool,
    /// Leave the server running afterwards, printing its URLs and tokens (Ctrl-C stops it).
    #[arg(long)]
    pub keep: bool,
    /// Callers in all, 1–4: those beyond the first queue behind it and are served by alice
    /// once she is free.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=4))]
    pub callers: u8,
}

/// Flags that override the configuration file.
#[derive(Debug, Args, Default)]
pub struct Flags {
    /// TOML configuration file; its keys are the flags' names with underscores.
    #[arg(long, value_name = "FILE", env = "SWITCHBOARD_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Where SIP listens, on UDP and TCP [default: 0.0.0.0:5060].
    #[arg(
        long,
        value_name = "ADDR",
        env = "SWITCHBOARD_SIP_LISTEN",
        global = true
    )]
    pub sip_listen: Option<SocketAddr>,
    /// Where the HTTP API listens; port 0 picks a free one [default: 127.0.0.1:8080].
    #[arg(
        long,
        value_name = "ADDR",
        env = "SWITCHBOARD_HTTP_LISTEN",
        global = true
    )]
    pub http_listen: Option<SocketAddr>,
    /// UDP port range for RTP media, LOW-HIGH [default: 20000-29999].
    #[arg(
        long,
        value_name = "LOW-HIGH",
        env = "SWITCHBOARD_RTP_PORTS",
        global = true
    )]
    pub rtp_ports: Option<String>,
    /// Directory for the database, recordings and media files [default: ./switchboard-data].
    #[arg(long, value_name = "DIR", env = "SWITCHBOARD_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// The admin token, which manages call centers and trunks. When unset, one is generated
    /// at first start, printed once and kept (hashed) in the data directory.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "SWITCHBOARD_ADMIN_TOKEN",
        global = true,
        hide_env_values = true
    )]
    pub admin_token: Option<String>,
    /// The address written into SDP and Contact headers when behind NAT [default: the
    /// address of the interface that carries the call].
    #[arg(long, value_name = "IP", env = "SWITCHBOARD_PUBLIC_IP", global = true)]
    pub public_ip: Option<IpAddr>,
    /// On SIGTERM, how long running calls may go on before they are hung up, in seconds
    /// [default: 30].
    #[arg(
        long,
        value_name = "SECONDS",
        env = "SWITCHBOARD_SHUTDOWN_GRACE",
        global = true
    )]
    pub shutdown_grace: Option<u64>,
    /// Log format: `text` or `json`; the level comes from RUST_LOG [default: text].
    #[arg(
        long,
        value_name = "FORMAT",
        env = "SWITCHBOARD_LOG_FORMAT",
        global = true
    )]
    pub log_format: Option<LogFormat>,
}

/// Log line format.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, clap::ValueEnum, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// The TOML file: every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    sip_listen: Option<SocketAddr>,
    http_listen: Option<SocketAddr>,
    rtp_ports: Option<String>,
    data_dir: Option<PathBuf>,
    admin_token: Option<String>,
    public_ip: Option<IpAddr>,
    shutdown_grace: Option<u64>,
    log_format: Option<LogFormat>,
    #[serde(default)]
    sip: crate::sip_settings::SipSettings,
}

/// The effective configuration.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Config {
    /// SIP address (UDP and TCP).
    pub sip_listen: SocketAddr,
    /// HTTP API address.
    pub http_listen: SocketAddr,
    /// RTP port range, inclusive.
    pub rtp_ports: PortRange,
    /// Data directory.
    pub data_dir: PathBuf,
    /// Admin token from the configuration, if any.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "redact")]
    pub admin_token: Option<String>,
    /// Address for SDP and Contact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<IpAddr>,
    /// Call-draining limit on SIGTERM, seconds.
    pub shutdown_grace: u64,
    /// Log format.
    pub log_format: LogFormat,
    /// SIP security and registrar policy (TOML `[sip]` table only).
    pub sip: crate::sip_settings::SipSettings,
}

fn redact<S: serde::Serializer>(_: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("(set)")
}

/// An inclusive UDP port range for RTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortRange {
    /// First port.
    pub low: u16,
    /// Last port.
    pub high: u16,
}

impl serde::Serialize for PortRange {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{}-{}", self.low, self.high))
    }
}

/// What is wrong with the configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML for these keys.
    #[error("{path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The TOML parser's complaint (with line and column).
        source: toml::de::Error,
    },
    /// The RTP port range is malformed.
    #[error("rtp_ports `{value}`: {problem}")]
    RtpPorts {
        /// What was given.
        value: String,
        /// What is expected.
        problem: &'static str,
    },
    /// The admin token is too weak to protect the server.
    #[error("admin_token must be at least 16 characters")]
    WeakAdminToken,
    /// A `[sip]` value cannot work.
    #[error(transparent)]
    Sip(#[from] crate::sip_settings::SipSettingsError),
}

impl PortRange {
    /// Parses `LOW-HIGH`.
    pub fn parse(value: &str) -> Result<Self, ConfigError> {
        let err = |problem| ConfigError::RtpPorts {
            value: value.to_owned(),
            problem,
        };
        let (low, high) = value
            .split_once('-')
            .ok_or_else(|| err("expected LOW-HIGH, e.g. 20000-29999"))?;
        let low: u16 = low
            .trim()
            .parse()
            .map_err(|_| err("LOW is not a port number"))?;
        let high: u16 = high
            .trim()
            .parse()
            .map_err(|_| err("HIGH is not a port number"))?;
        if low < 1024 {
            return Err(err("LOW must be 1024 or more"));
        }
        if high <= low {
            return Err(err("HIGH must be above LOW"));
        }
        if high - low < 3 {
            return Err(err("the range must hold at least two RTP/RTCP port pairs"));
        }
        Ok(Self { low, high })
    }
}

impl Config {
    /// Merges flags over the file named by `--config` (if any) over the defaults.
    pub fn load(flags: &Flags) -> Result<Self, ConfigError> {
        let file = match &flags.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let rtp = flags
            .rtp_ports
            .clone()
            .or(file.rtp_ports)
            .unwrap_or_else(|| "20000-29999".to_owned());
        let admin_token = flags.admin_token.clone().or(file.admin_token);
        if admin_token.as_ref().is_some_and(|t| t.len() < 16) {
            return Err(ConfigError::WeakAdminToken);
        }
        file.sip.check()?;
        Ok(Self {
            sip_listen: flags
                .sip_listen
                .or(file.sip_listen)
                .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 5060))),
            http_listen: flags
                .http_listen
                .or(file.http_listen)
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080))),
            rtp_ports: PortRange::parse(&rtp)?,
            data_dir: flags
                .data_dir
                .clone()
                .or(file.data_dir)
                .unwrap_or_else(|| PathBuf::from("switchboard-data")),
            admin_token,
            public_ip: flags.public_ip.or(file.public_ip),
            shutdown_grace: flags.shutdown_grace.or(file.shutdown_grace).unwrap_or(30),
            log_format: flags.log_format.or(file.log_format).unwrap_or_default(),
            sip: file.sip,
        })
    }
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    toml::from_str(&text).map_err(|source| ConfigError::Parse {
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_spec() {
        let c = Config::load(&Flags::default()).unwrap();
        assert_eq!(c.sip_listen.to_string(), "0.0.0.0:5060");
        assert_eq!(c.http_listen.to_string(), "127.0.0.1:8080");
        assert_eq!(
            c.rtp_ports,
            PortRange {
                low: 20000,
                high: 29999
            }
        );
        assert_eq!(c.data_dir, PathBuf::from("switchboard-data"));
        assert_eq!(c.admin_token, None);
        assert_eq!(c.public_ip, None);
        assert_eq!(c.shutdown_grace, 30);
    }

    #[test]
    fn flags_beat_the_file_which_beats_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sb.toml");
        std::fs::write(
            &path,
            "http_listen = \"127.0.0.1:9000\"\nrtp_ports = \"30000-30100\"\npublic_ip = \"192.0.2.7\"\n\n[sip]\nban_failures = 5\n",
        )
        .unwrap();
        let flags = Flags {
            config: Some(path),
            http_listen: Some("127.0.0.1:9100".parse().unwrap()),
            ..Flags::default()
        };
        let c = Config::load(&flags).unwrap();
        assert_eq!(c.http_listen.to_string(), "127.0.0.1:9100");
        assert_eq!(
            c.rtp_ports,
            PortRange {
                low: 30000,
                high: 30100
            }
        );
        assert_eq!(c.public_ip, Some("192.0.2.7".parse().unwrap()));
        assert_eq!(c.sip_listen.to_string(), "0.0.0.0:5060");
        assert_eq!(c.sip.ban_failures, Some(5));
    }

    #[test]
    fn unknown_keys_and_bad_values_are_reported_with_position() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sb.toml");
        std::fs::write(&path, "http_listen = \"127.0.0.1:9000\"\nhttp_lisen = 1\n").unwrap();
        let e = Config::load(&Flags {
            config: Some(path.clone()),
            ..Flags::default()
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("http_lisen") && e.contains("line 2"), "{e}");
        std::fs::write(&path, "sip_listen = \"not an address\"\n").unwrap();
        let e = Config::load(&Flags {
            config: Some(path),
            ..Flags::default()
        })
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("sip_listen") || e.contains("socket address"),
            "{e}"
        );
    }

    #[test]
    fn port_ranges() {
        assert!(PortRange::parse("20000-29999").is_ok());
        for bad in [
            "20000",
            "a-b",
            "100-2000",
            "3000-3000",
            "3000-2000",
            "3000-3001",
        ] {
            assert!(PortRange::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn weak_admin_tokens_are_refused() {
        let flags = Flags {
            admin_token: Some("short".into()),
            ..Flags::default()
        };
        assert!(matches!(
            Config::load(&flags),
            Err(ConfigError::WeakAdminToken)
        ));
    }
}

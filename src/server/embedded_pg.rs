//! The default database: a private PostgreSQL cluster started from the installed binaries.
//!
//! The first start runs `initdb` (password authentication, a generated password kept beside
//! the data directory); every start picks a free loopback port, and `stop` (or drop) shuts the
//! cluster down. PostgreSQL refuses to run as root, so as root every server tool runs through
//! `runuser -u postgres`.

use std::net::TcpListener;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::{fs, io};

use rand::Rng;
use rand::distr::Alphanumeric;

use super::config::write_private;

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedPgError {
    #[error(
        "PostgreSQL server binaries (initdb, pg_ctl) were not found: install them with \
         `apt-get install postgresql`, or set DATABASE_URL to use an existing server"
    )]
    NotInstalled,
    #[error("{action} failed: {detail}")]
    Command { action: String, detail: String },
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
}

/// A running cluster; stopped by [`EmbeddedPostgres::stop`] or when dropped.
#[derive(Debug)]
pub struct EmbeddedPostgres {
    data_dir: PathBuf,
    bin_dir: PathBuf,
    port: u16,
    password: String,
    as_root: bool,
    running: bool,
}

impl EmbeddedPostgres {
    /// Creates the cluster in `data_dir` if needed and starts it on a free port. `settings`
    /// are extra `name=value` server settings (tests turn `fsync` off).
    pub fn start(data_dir: &Path, settings: &[&str]) -> Result<Self, EmbeddedPgError> {
        Self::start_on(data_dir, None, settings)
    }

    /// Like [`start`](Self::start), on a given port when `port` is set.
    pub fn start_on(data_dir: &Path, port: Option<u16>, settings: &[&str]) -> Result<Self, EmbeddedPgError> {
        let bin_dir = find_bin_dir().ok_or(EmbeddedPgError::NotInstalled)?;
        let as_root = fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false);
        let data_dir = absolute(data_dir)?;
        let mut cluster = Self {
            data_dir,
            bin_dir,
            port: 0,
            password: String::new(),
            as_root,
            running: false,
        };
        cluster.password = cluster.init_if_needed()?;
        cluster.stop_stale();
        // Another process may take the free port before PostgreSQL binds it: try a few.
        let mut last_error = None;
        for _ in 0..3 {
            cluster.port = match port {
                Some(port) => port,
                None => free_port().map_err(|e| io_error("a free port", e))?,
            };
            match cluster.pg_ctl_start(settings) {
                Ok(()) => {
                    cluster.running = true;
                    return Ok(cluster);
                }
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.expect("at least one attempt"))
    }

    /// The URL of database `name` on this cluster (it holds the password: never log it).
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres:{}@127.0.0.1:{}/{name}", self.password, self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Shuts the cluster down (fast mode: open connections are ended, data is flushed).
    pub fn stop(&mut self) -> Result<(), EmbeddedPgError> {
        if !self.running {
            return Ok(());
        }
        self.running = false;
        let dir = self.data_dir.display().to_string();
        run(
            self.tool("pg_ctl").args(["-D", &dir, "-m", "fast", "-w", "stop"]),
            "stopping PostgreSQL",
        )?;
        Ok(())
    }

    fn password_file(&self) -> PathBuf {
        let mut name = self.data_dir.file_name().unwrap_or_default().to_owned();
        name.push(".password");
        self.data_dir.with_file_name(name)
    }

    /// Runs `initdb` on first use; returns the superuser password.
    fn init_if_needed(&self) -> Result<String, EmbeddedPgError> {
        let password_file = self.password_file();
        if self.data_dir.join("PG_VERSION").exists() {
            return fs::read_to_string(&password_file)
                .map(|p| p.trim().to_owned())
                .map_err(|e| io_error(&password_file.display().to_string(), e));
        }
        let parent = self.data_dir.parent().unwrap_or(Path::new("/"));
        fs::create_dir_all(parent).map_err(|e| io_error(&parent.display().to_string(), e))?;
        let password: String = rand::rng().sample_iter(Alphanumeric).take(32).map(char::from).collect();
        write_private(&password_file, password.as_bytes())
            .map_err(|e| io_error(&password_file.display().to_string(), e))?;
        // initdb reads the password from a file it owns, removed right after.
        let pwfile = self.data_dir.with_extension("initdb-pw");
        write_private(&pwfile, password.as_bytes()).map_err(|e| io_error(&pwfile.display().to_string(), e))?;
        fs::create_dir_all(&self.data_dir).map_err(|e| io_error(&self.data_dir.display().to_string(), e))?;
        if self.as_root {
            self.check_reachable_by_postgres(parent)?;
            for path in [&self.data_dir, &pwfile] {
                run(
                    Command::new("chown").args(["-R", "postgres:postgres"]).arg(path),
                    "chown to postgres",
                )?;
            }
        }
        let result = run(
            self.tool("initdb")
                .arg("-D")
                .arg(&self.data_dir)
                .args(["-U", "postgres", "-E", "UTF8", "--no-locale", "--auth=scram-sha-256"])
                .arg(format!("--pwfile={}", pwfile.display())),
            "initdb",
        );
        let _ = fs::remove_file(&pwfile);
        result.map(|_| password)
    }

    fn check_reachable_by_postgres(&self, parent: &Path) -> Result<(), EmbeddedPgError> {
        let status = Command::new("runuser")
            .args(["-u", "postgres", "--", "test", "-x"])
            .arg(parent)
            .status()
            .map_err(|e| io_error("runuser", e))?;
        if status.success() {
            return Ok(());
        }
        Err(EmbeddedPgError::Command {
            action: "preparing the embedded database".into(),
            detail: format!(
                "the postgres user cannot reach {}; set EMBEDDED_PG_DIR to a directory it can reach",
                parent.display()
            ),
        })
    }

    /// A cluster left running by a killed server is stopped before a clean start.
    fn stop_stale(&self) {
        if self.data_dir.join("postmaster.pid").exists() {
            let dir = self.data_dir.display().to_string();
            let _ = run(
                self.tool("pg_ctl").args(["-D", &dir, "-m", "fast", "-w", "stop"]),
                "stopping a stale cluster",
            );
        }
    }

    fn pg_ctl_start(&self, settings: &[&str]) -> Result<(), EmbeddedPgError> {
        // No Unix socket: its path would have to fit in 107 bytes, and TCP on loopback is enough.
        let mut options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories=",
            self.port
        );
        for setting in settings {
            options.push_str(" -c ");
            options.push_str(setting);
        }
        let dir = self.data_dir.display().to_string();
        let log = self.data_dir.join("server.log").display().to_string();
        let started = run(
            self.tool("pg_ctl")
                .args(["-D", &dir, "-l", &log, "-o", &options, "-w", "-t", "60", "start"]),
            "starting PostgreSQL",
        );
        started.map(drop).map_err(|error| match error {
            // pg_ctl only says "examine the log output": show the log's last lines.
            EmbeddedPgError::Command { action, detail } => {
                let log = fs::read_to_string(&log).unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(5).collect();
                let tail: Vec<&str> = tail.into_iter().rev().collect();
                EmbeddedPgError::Command {
                    action,
                    detail: format!("{detail}\n{}", tail.join("\n")),
                }
            }
            other => other,
        })
    }

    fn tool(&self, name: &str) -> Command {
        let path = self.bin_dir.join(name);
        if self.as_root {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(path);
            command
        } else {
            Command::new(path)
        }
    }
}

impl Drop for EmbeddedPostgres {
    fn drop(&mut self) {
        if let Err(error) = self.stop() {
            eprintln!("{error}");
        }
    }
}

/// `pg_config --bindir` when it has the server tools, else the newest `/usr/lib/postgresql/*/bin`,
/// else whatever `initdb` is on the PATH.
fn find_bin_dir() -> Option<PathBuf> {
    let has_tools = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    if let Some(dir) = from_pg_config.filter(|d| has_tools(d)) {
        return Some(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, dir)| has_tools(dir))
        .collect();
    versions.sort();
    if let Some((_, dir)) = versions.pop() {
        return Some(dir);
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .find(|dir| has_tools(dir))
}

fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn absolute(path: &Path) -> Result<PathBuf, EmbeddedPgError> {
    std::path::absolute(path).map_err(|e| io_error(&path.display().to_string(), e))
}

fn run(command: &mut Command, action: &str) -> Result<Output, EmbeddedPgError> {
    let output = command.output().map_err(|e| io_error(action, e))?;
    if output.status.success() {
        return Ok(output);
    }
    let mut detail = String::from_utf8_lossy(&output.stderr).trim().to_owned();
    if detail.is_empty() {
        detail = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    }
    Err(EmbeddedPgError::Command {
        action: action.to_owned(),
        detail,
    })
}

fn io_error(path: &str, source: io::Error) -> EmbeddedPgError {
    EmbeddedPgError::Io {
        path: path.to_owned(),
        source,
    }
}

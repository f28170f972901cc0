//! Study files: studies and their trials in one SQLite file, so that a search survives a killed
//! process and can be continued ([`StudyStore::resume`]) or queried with any SQLite client.
//!
//! # Crash safety
//!
//! The file uses SQLite's rollback journal (`journal_mode=DELETE`, SQLite's default) with
//! `synchronous=FULL`: [`StudyStore::save_trial`] is one transaction that is on disk when it
//! returns, so a killed process or a power cut loses no trial that was stored, and leaves every
//! trial either as it was or as it was last saved. At rest the study is this one file (after a
//! crash a `-journal` file may sit beside it: SQLite's rollback journal, which the next open
//! rolls back; do not delete it). WAL would make writes cheaper, but it keeps committed trials
//! in a `-wal` file beside the database until a checkpoint — a study file copied alone after a
//! killed run would miss them — and needs shared memory, which network folders lack; a trial
//! costs two small transactions (a few milliseconds), nothing beside training a model. A file
//! that some other tool switched to WAL is used as it is (WAL with `synchronous=FULL` is as
//! safe).
//!
//! # Schema (version 1)
//!
//! ```sql
//! meta(key TEXT PRIMARY KEY, value TEXT)       -- format = 'satori-study', schema_version = '1'
//! studies(id, name UNIQUE, direction, space, config, fingerprint, created_at)
//! trials(study_id, number, state, value, duration_s, fail_reason, params,
//!        intermediate_values, started_at, finished_at)   -- PRIMARY KEY (study_id, number)
//! ```
//!
//! `space` and `config` are the [`SearchSpace`] and [`StudyConfig`] as JSON; `direction` is
//! `minimize` or `maximize`; `state` is `running`, `complete`, `pruned` or `failed`; `params` is a
//! JSON object keyed by `--set` path and `intermediate_values` a JSON list of `[step, value]`
//! pairs (NaN as `null`), as [`TrialRecord`] serialises them; times are UTC, ISO 8601. `value` and
//! `duration_s` are declared without a type so that SQLite keeps them as the exact doubles they
//! were (a `REAL` column stores `-0.0` as the integer 0); JSON numbers read back to the same bits
//! (`serde_json`'s `float_roundtrip`). So a resumed study asks exactly the trials an
//! uninterrupted one would (the determinism rule in [`crate::study`]).
//!
//! # Safety of other files
//!
//! [`StudyStore::open`] reads the first 16 bytes before SQLite touches the file: anything that
//! is not empty and does not start with SQLite's header (`SQLite format 3\0`) is refused
//! untouched, and so is a SQLite database without satori's `meta` table (it belongs to another
//! program) or of a newer schema version. Only an absent or empty file, or an empty SQLite
//! database, is given satori's tables.
//!
//! One run at a time should use a study: [`StudyStore::save_trial`] refuses a trial whose number
//! is stored with other parameters, which is what a second run on the same study would write.

use std::collections::BTreeMap;
use std::io::{self, ErrorKind, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior};
use satori_core::{Error, Result, clip, snippet};
use serde_json::Value;

use crate::space::SearchSpace;
use crate::study::{Study, StudyConfig};
use crate::trial::{Direction, TrialRecord, TrialState};

/// The schema version this satori writes and reads.
pub const SCHEMA_VERSION: i64 = 1;

/// What the `meta` table's `format` key holds in a satori study file.
const FORMAT: &str = "satori-study";

/// The first 16 bytes of every SQLite database file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// How long a write waits for another process's lock before it gives up.
const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The current UTC time as SQLite writes it.
const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')";

const SCHEMA: &str = "
CREATE TABLE meta (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
CREATE TABLE studies (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    direction TEXT NOT NULL,   -- minimize | maximize
    space TEXT NOT NULL,       -- SearchSpace as JSON
    config TEXT NOT NULL,      -- StudyConfig as JSON
    fingerprint TEXT NOT NULL, -- what the caller says the study was made for (data, target, model)
    created_at TEXT NOT NULL   -- UTC, ISO 8601
);
CREATE TABLE trials (
    study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    state TEXT NOT NULL,       -- running | complete | pruned | failed
    value,                     -- a double; no type, so that -0.0 is kept as it is
    duration_s,                -- a double (seconds from ask to tell); no type, as value
    fail_reason TEXT,
    params TEXT NOT NULL,      -- JSON object keyed by --set path
    intermediate_values TEXT NOT NULL, -- JSON [[step, value or null], ...]
    started_at TEXT NOT NULL,  -- UTC, ISO 8601: when the trial was first stored
    finished_at TEXT,          -- UTC, ISO 8601: when it was stored told
    PRIMARY KEY (study_id, number)
) WITHOUT ROWID;
";

/// A study file: several studies, keyed by name, each with its space, configuration,
/// fingerprint and trials. See the [module documentation](crate::storage) for the schema and the
/// crash-safety choices.
///
/// ```
/// use satori_tune::{SearchSpace, StudyConfig, StudyStore, TrialResult};
///
/// let dir = std::env::temp_dir().join(format!("satori-store-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let file = dir.join("study.db");
/// let space = SearchSpace::parse_specs(["model.alpha=float(0.001,10,log)"])?;
/// let config = StudyConfig { seed: 1, ..Default::default() };
///
/// let mut store = StudyStore::open(&file)?;
/// // A new study, or the stored one (its interrupted trials failed) when it exists.
/// let mut study = store.resume("s1", &space, &config, "data.csv abc123, target y, ridge")?;
/// for _ in 0..3 {
///     let Some(trial) = study.ask()? else { break };
///     store.save_trial("s1", &study.trials()[trial.number() as usize])?; // running
///     let alpha = trial.params()["model.alpha"].as_f64().unwrap_or(1.0);
///     let record = study.tell(trial, TrialResult::Complete((alpha.ln() - 0.5).powi(2)))?;
///     store.save_trial("s1", record)?; // told
/// }
/// drop(store);
///
/// let store = StudyStore::open(&file)?;
/// assert_eq!(store.load("s1")?.trials.len(), 3);
/// assert_eq!(store.list()?[0].trials, 3);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), satori_core::Error>(())
/// ```
#[derive(Debug)]
pub struct StudyStore {
    conn: Connection,
    path: PathBuf,
    read_only: bool,
}

/// A study as a study file holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredStudy {
    /// Its name in the file.
    pub name: String,
    /// The space it searches.
    pub space: SearchSpace,
    /// How it searches.
    pub config: StudyConfig,
    /// What it was made for, as its creator described it (e.g. data checksum, target, model).
    pub fingerprint: String,
    /// When it was created (UTC, ISO 8601).
    pub created_at: String,
    /// Its trials, by number (0, 1, 2, …).
    pub trials: Vec<TrialRecord>,
}

impl StoredStudy {
    /// The study, ready to continue: [`Study::restore`] of the stored trials (a trial still
    /// running when its run stopped becomes failed, "interrupted").
    pub fn into_study(self) -> Result<Study> {
        Study::restore(self.space, self.config, self.trials)
    }
}

/// One study of a file, as [`StudyStore::list`] gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct StudySummary {
    /// Its name.
    pub name: String,
    /// Its direction.
    pub direction: Direction,
    /// What it was made for.
    pub fingerprint: String,
    /// When it was created (UTC, ISO 8601).
    pub created_at: String,
    /// How many trials it has, in any state.
    pub trials: u64,
    /// How many of them are complete.
    pub complete: u64,
    /// The best complete trial's value, if any.
    pub best_value: Option<f64>,
}

impl StudyStore {
    /// Open the study file at `path`, creating it (or giving an empty file satori's tables) when
    /// it is absent or empty. Its folder must exist. A file that is not SQLite, or a SQLite
    /// database of another program or of a newer schema, is an error naming the file, and is
    /// not written to.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path.as_ref(), false)
    }

    /// Open an existing study file for reading only ([`load`](Self::load),
    /// [`list`](Self::list)); nothing is ever written to it.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path.as_ref(), true)
    }

    fn open_with(path: &Path, read_only: bool) -> Result<Self> {
        let has_content = check_file(path, read_only)?;
        let mut flags = OpenFlags::SQLITE_OPEN_NO_MUTEX;
        flags |= if read_only {
            OpenFlags::SQLITE_OPEN_READ_ONLY
        } else {
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
        };
        let conn = Connection::open_with_flags(path, flags).map_err(|e| sql_error(path, e))?;
        let mut store = StudyStore {
            conn,
            path: path.to_path_buf(),
            read_only,
        };
        // Connection settings only: none of these writes to the file.
        store
            .conn
            .busy_timeout(DEFAULT_BUSY_TIMEOUT)
            .map_err(|e| store.sql(e))?;
        store
            .conn
            .pragma_update(None, "synchronous", "FULL")
            .map_err(|e| store.sql(e))?;
        store
            .conn
            .pragma_update(None, "foreign_keys", "ON")
            .map_err(|e| store.sql(e))?;
        if store.is_blank()? {
            if read_only {
                let why = if has_content {
                    "an empty SQLite database, not a satori study file"
                } else {
                    "empty, not a satori study file"
                };
                return Err(store.file_error(ErrorKind::InvalidData, why));
            }
            store.initialise()?;
        } else {
            store.check_schema()?;
        }
        Ok(store)
    }

    /// The file's path, as given to [`open`](Self::open).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How long an operation waits for another process's lock on the file before it fails with
    /// a "locked" error (default 5 seconds).
    pub fn set_busy_timeout(&self, timeout: Duration) -> Result<()> {
        self.conn.busy_timeout(timeout).map_err(|e| self.sql(e))
    }

    /// Whether the file has no tables at all (a new or empty file).
    fn is_blank(&self) -> Result<bool> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(|e| self.sql(e))?;
        Ok(n == 0)
    }

    /// Give a blank file satori's tables (in one transaction, checking again inside it, so two
    /// processes creating the same file at once cannot both do it).
    fn initialise(&mut self) -> Result<()> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| sql_error(&path, e))?;
        let n: i64 = tx
            .query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(|e| sql_error(&path, e))?;
        if n == 0 {
            tx.execute_batch(SCHEMA).map_err(|e| sql_error(&path, e))?;
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('format', ?1), ('schema_version', ?2), \
                 ('created_by', ?3)",
                (
                    FORMAT,
                    SCHEMA_VERSION.to_string(),
                    concat!("satori-tune ", env!("CARGO_PKG_VERSION")),
                ),
            )
            .map_err(|e| sql_error(&path, e))?;
        }
        tx.commit().map_err(|e| sql_error(&path, e))?;
        if n != 0 {
            // Another process made it meanwhile: check what it made.
            self.check_schema()?;
        }
        Ok(())
    }

    /// Check that a non-blank file is a satori study file of a schema this satori reads.
    fn check_schema(&self) -> Result<()> {
        let tables: Vec<String> = {
            let mut stmt = self
                .conn
                .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
                .map_err(|e| self.sql(e))?;
            stmt.query_map([], |r| r.get(0))
                .and_then(|rows| rows.collect::<rusqlite::Result<Vec<String>>>())
                .map_err(|e| self.sql(e))?
        };
        let not_ours = || {
            self.file_error(
                ErrorKind::InvalidData,
                "a SQLite database of another program, not a satori study file (left untouched)",
            )
        };
        if !tables.iter().any(|t| t == "meta") {
            return Err(not_ours());
        }
        let meta = |key: &str| -> Result<Option<String>> {
            self.conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| {
                    r.get::<_, String>(0)
                })
                .optional()
                .map_err(|_| not_ours())
        };
        if meta("format")?.as_deref() != Some(FORMAT) {
            return Err(not_ours());
        }
        let version_text = meta("schema_version")?.unwrap_or_default();
        let Ok(version) = version_text.trim().parse::<i64>() else {
            return Err(self.file_error(
                ErrorKind::InvalidData,
                format!(
                    "damaged satori study file: its schema version `{}` is not a number",
                    snippet(&version_text)
                ),
            ));
        };
        if version > SCHEMA_VERSION {
            return Err(self.file_error(
                ErrorKind::Unsupported,
                format!(
                    "written by a newer satori (study file schema version {version}; this satori \
                     reads version {SCHEMA_VERSION}); use a newer satori or another file"
                ),
            ));
        }
        if version < 1 {
            return Err(self.file_error(
                ErrorKind::InvalidData,
                format!("damaged satori study file: schema version {version} was never written"),
            ));
        }
        for table in ["studies", "trials"] {
            if !tables.iter().any(|t| t == table) {
                return Err(self.file_error(
                    ErrorKind::InvalidData,
                    format!("damaged satori study file: it has no `{table}` table"),
                ));
            }
        }
        Ok(())
    }

    /// Create study `name`. An error if the file already has a study of that name.
    pub fn create(
        &mut self,
        name: &str,
        space: &SearchSpace,
        config: &StudyConfig,
        fingerprint: &str,
    ) -> Result<()> {
        self.writable()?;
        check_name(name)?;
        let path = self.path.clone();
        let tx = self.begin()?;
        if study_id(&tx, &path, name)?.is_some() {
            return Err(Error::io(
                &path,
                io::Error::new(
                    ErrorKind::AlreadyExists,
                    format!(
                        "already has a study `{}`; use another study name, or resume it",
                        snippet(name)
                    ),
                ),
            ));
        }
        insert_study(&tx, &path, name, space, config, fingerprint)?;
        tx.commit().map_err(|e| sql_error(&path, e))
    }

    /// Study `name`: its space, configuration, fingerprint and trials (by number).
    pub fn load(&self, name: &str) -> Result<StoredStudy> {
        load_study(&self.conn, &self.path, name)?.ok_or_else(|| self.no_study(name))
    }

    /// Whether the file has a study called `name`.
    pub fn contains(&self, name: &str) -> Result<bool> {
        Ok(study_id(&self.conn, &self.path, name)?.is_some())
    }

    /// Study `name` as stored, or a new one (with no trials) when the file has none of that
    /// name. A stored study must have been made with the same fingerprint, space and
    /// configuration as given; otherwise the error says which differs.
    pub fn load_or_create(
        &mut self,
        name: &str,
        space: &SearchSpace,
        config: &StudyConfig,
        fingerprint: &str,
    ) -> Result<StoredStudy> {
        self.writable()?;
        check_name(name)?;
        let path = self.path.clone();
        let tx = self.begin()?;
        let stored = match load_study(&tx, &path, name)? {
            Some(stored) => {
                check_same(&path, &stored, space, config, fingerprint)?;
                stored
            }
            None => {
                insert_study(&tx, &path, name, space, config, fingerprint)?;
                load_study(&tx, &path, name)?
                    .ok_or_else(|| Error::Internal("a study vanished as it was created".into()))?
            }
        };
        tx.commit().map_err(|e| sql_error(&path, e))?;
        Ok(stored)
    }

    /// [`load_or_create`](Self::load_or_create) as a [`Study`] ready to continue: trials that
    /// were still running when their run stopped become failed ("interrupted"), in the file too.
    pub fn resume(
        &mut self,
        name: &str,
        space: &SearchSpace,
        config: &StudyConfig,
        fingerprint: &str,
    ) -> Result<Study> {
        let stored = self.load_or_create(name, space, config, fingerprint)?;
        let interrupted: Vec<usize> = stored
            .trials
            .iter()
            .enumerate()
            .filter(|(_, r)| r.state == TrialState::Running)
            .map(|(i, _)| i)
            .collect();
        let study = stored.into_study().map_err(|e| {
            self.file_error(
                ErrorKind::InvalidData,
                format!("study `{}`: {e}", snippet(name)),
            )
        })?;
        for i in interrupted {
            self.save_trial(name, &study.trials()[i])?;
        }
        Ok(study)
    }

    /// Store one trial of study `name` (insert, or update the trial of that number), in its own
    /// transaction: on disk when this returns. Save a trial when it is asked (running) and again
    /// when it is told. Its number must be stored already or be the next one (no gaps), and a
    /// stored trial of that number must have the same parameters (two runs writing one study
    /// are refused).
    pub fn save_trial(&mut self, name: &str, record: &TrialRecord) -> Result<()> {
        self.writable()?;
        let params = serde_json::to_string(&record.params)
            .map_err(|e| Error::Internal(format!("trial parameters as JSON: {e}")))?;
        let steps = steps_json(&record.intermediate_values)?;
        let number = i64::try_from(record.number).map_err(|_| {
            Error::param(
                "trial",
                format!("trial number {} is too large to store", record.number),
            )
        })?;
        let path = self.path.clone();
        let tx = self.begin()?;
        let Some(id) = study_id(&tx, &path, name)? else {
            drop(tx);
            return Err(self.no_study(name));
        };
        let count: i64 = tx
            .query_row(
                "SELECT COUNT(*) FROM trials WHERE study_id = ?1",
                [id],
                |r| r.get(0),
            )
            .map_err(|e| sql_error(&path, e))?;
        let stored_params: Option<String> = tx
            .query_row(
                "SELECT params FROM trials WHERE study_id = ?1 AND number = ?2",
                (id, number),
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| sql_error(&path, e))?;
        match stored_params {
            Some(text) => {
                let same = serde_json::from_str::<BTreeMap<String, Value>>(&text)
                    .is_ok_and(|p| p == record.params);
                if !same {
                    return Err(Error::io(
                        &path,
                        io::Error::new(
                            ErrorKind::InvalidInput,
                            format!(
                                "study `{}` already has a trial {} with other parameters (is another run using this study?)",
                                snippet(name),
                                record.number
                            ),
                        ),
                    ));
                }
            }
            None if number != count => {
                return Err(Error::io(
                    &path,
                    io::Error::new(
                        ErrorKind::InvalidInput,
                        format!(
                            "study `{}` has {count} trials, so the next one stored must be trial {count}, not {}",
                            snippet(name),
                            record.number
                        ),
                    ),
                ));
            }
            None => {}
        }
        tx.execute(
            &format!(
                "INSERT INTO trials (study_id, number, state, value, duration_s, fail_reason, \
                 params, intermediate_values, started_at, finished_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, {NOW}, \
                 CASE WHEN ?3 = 'running' THEN NULL ELSE {NOW} END) \
                 ON CONFLICT (study_id, number) DO UPDATE SET state = excluded.state, \
                 value = excluded.value, duration_s = excluded.duration_s, \
                 fail_reason = excluded.fail_reason, params = excluded.params, \
                 intermediate_values = excluded.intermediate_values, \
                 finished_at = excluded.finished_at"
            ),
            rusqlite::params![
                id,
                number,
                state_name(record.state),
                record.value,
                record.duration_s,
                record.fail_reason,
                params,
                steps,
            ],
        )
        .map_err(|e| sql_error(&path, e))?;
        tx.commit().map_err(|e| sql_error(&path, e))
    }

    /// The file's studies, by name, with their trial counts and best values.
    pub fn list(&self) -> Result<Vec<StudySummary>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT s.name, s.direction, s.fingerprint, s.created_at, COUNT(t.number), \
                 COALESCE(SUM(t.state = 'complete'), 0), \
                 CASE s.direction \
                   WHEN 'maximize' THEN MAX(CASE WHEN t.state = 'complete' THEN t.value END) \
                   ELSE MIN(CASE WHEN t.state = 'complete' THEN t.value END) END \
                 FROM studies s LEFT JOIN trials t ON t.study_id = s.id \
                 GROUP BY s.id ORDER BY s.name",
            )
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, Option<f64>>(6)?,
                ))
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(|e| self.sql(e))?;
        rows.into_iter()
            .map(
                |(name, direction, fingerprint, created_at, trials, complete, best_value)| {
                    let direction = parse_direction(&direction).ok_or_else(|| {
                        self.damaged(format!(
                            "study `{}` has direction `{}`",
                            snippet(&name),
                            snippet(&direction)
                        ))
                    })?;
                    Ok(StudySummary {
                        name,
                        direction,
                        fingerprint,
                        created_at,
                        trials: trials.max(0) as u64,
                        complete: complete.max(0) as u64,
                        best_value,
                    })
                },
            )
            .collect()
    }

    fn begin(&mut self) -> Result<Transaction<'_>> {
        let path = &self.path;
        self.conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| sql_error(path, e))
    }

    fn writable(&self) -> Result<()> {
        if self.read_only {
            return Err(self.file_error(
                ErrorKind::PermissionDenied,
                "opened read-only; open it with StudyStore::open to store studies and trials",
            ));
        }
        Ok(())
    }

    fn sql(&self, e: rusqlite::Error) -> Error {
        sql_error(&self.path, e)
    }

    fn file_error(&self, kind: ErrorKind, message: impl Into<String>) -> Error {
        Error::io(&self.path, io::Error::new(kind, message.into()))
    }

    fn damaged(&self, what: String) -> Error {
        damaged(&self.path, what)
    }

    fn no_study(&self, name: &str) -> Error {
        let names: Vec<String> = self
            .list()
            .map(|l| l.into_iter().map(|s| s.name).collect())
            .unwrap_or_default();
        let has = if names.is_empty() {
            "it has no studies".to_string()
        } else {
            let mut shown: Vec<String> = names
                .iter()
                .take(10)
                .map(|n| format!("`{}`", snippet(n)))
                .collect();
            if names.len() > 10 {
                shown.push(format!("… {} in all", names.len()));
            }
            format!("its studies: {}", shown.join(", "))
        };
        self.file_error(
            ErrorKind::NotFound,
            format!("no study `{}` ({has})", snippet(name)),
        )
    }
}

/// Check `path` before SQLite opens it: its folder exists, it is not a folder, and it is absent,
/// empty or starts with SQLite's header. Returns whether the file has content.
fn check_file(path: &Path, read_only: bool) -> Result<bool> {
    if !read_only {
        satori_core::fs::check_output_path(path)?;
    }
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == ErrorKind::NotFound && !read_only => return Ok(false),
        Err(e) if e.kind() == ErrorKind::NotFound => {
            return Err(Error::io(
                path,
                io::Error::new(ErrorKind::NotFound, "no such study file"),
            ));
        }
        Err(e) => return Err(Error::io(path, e)),
    };
    if meta.is_dir() {
        return Err(Error::io(
            path,
            io::Error::new(
                ErrorKind::IsADirectory,
                "is a folder; give a study file name inside it",
            ),
        ));
    }
    if !meta.is_file() {
        return Err(Error::io(
            path,
            io::Error::new(
                ErrorKind::InvalidInput,
                "not a regular file, so not a satori study file",
            ),
        ));
    }
    if meta.len() == 0 {
        return Ok(false);
    }
    let mut header = [0u8; 16];
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut got = 0;
    while got < header.len() {
        match file.read(&mut header[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io(path, e)),
        }
    }
    if got < header.len() || &header != SQLITE_HEADER {
        return Err(Error::io(
            path,
            io::Error::new(
                ErrorKind::InvalidData,
                "not a SQLite file, so not a satori study file (left untouched)",
            ),
        ));
    }
    Ok(true)
}

fn check_name(name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(Error::param("study name", "must not be empty"));
    }
    Ok(())
}

/// A SQLite error as a one-line error naming the file.
fn sql_error(path: &Path, e: rusqlite::Error) -> Error {
    use rusqlite::ErrorCode as C;
    let (kind, message) = match &e {
        rusqlite::Error::SqliteFailure(f, detail) => match f.code {
            C::DatabaseBusy | C::DatabaseLocked => (
                ErrorKind::WouldBlock,
                "locked by another process (another run on this study file?); try again when it \
                 has finished"
                    .to_string(),
            ),
            C::ReadOnly => (
                ErrorKind::PermissionDenied,
                "cannot be written: the file or its folder is read-only (SQLite writes a journal \
                 beside the file); check their permissions"
                    .to_string(),
            ),
            C::CannotOpen | C::PermissionDenied => (
                ErrorKind::PermissionDenied,
                "cannot be opened (check that the file and its folder can be read and written)"
                    .to_string(),
            ),
            C::NotADatabase => (
                ErrorKind::InvalidData,
                "not a SQLite file, so not a satori study file".to_string(),
            ),
            C::DatabaseCorrupt => (
                ErrorKind::InvalidData,
                "damaged: SQLite reports a corrupt database".to_string(),
            ),
            C::DiskFull => (ErrorKind::StorageFull, "the disk is full".to_string()),
            C::SystemIoFailure => (
                ErrorKind::Other,
                format!(
                    "I/O error while reading or writing it ({})",
                    clip(detail.as_deref().unwrap_or("no detail"), 160)
                ),
            ),
            _ => (
                ErrorKind::Other,
                format!("SQLite error: {}", clip(&e.to_string(), 200)),
            ),
        },
        _ => (
            ErrorKind::Other,
            format!("SQLite error: {}", clip(&e.to_string(), 200)),
        ),
    };
    Error::io(path, io::Error::new(kind, message))
}

fn damaged(path: &Path, what: String) -> Error {
    Error::io(
        path,
        io::Error::new(
            ErrorKind::InvalidData,
            format!("damaged satori study file: {what}"),
        ),
    )
}

fn study_id(conn: &Connection, path: &Path, name: &str) -> Result<Option<i64>> {
    conn.query_row("SELECT id FROM studies WHERE name = ?1", [name], |r| {
        r.get(0)
    })
    .optional()
    .map_err(|e| sql_error(path, e))
}

fn insert_study(
    conn: &Connection,
    path: &Path,
    name: &str,
    space: &SearchSpace,
    config: &StudyConfig,
    fingerprint: &str,
) -> Result<()> {
    // The same checks a study makes, so that a study that cannot run is never stored.
    Study::new(space.clone(), config.clone())?;
    let space_json = serde_json::to_string(space)
        .map_err(|e| Error::Internal(format!("search space as JSON: {e}")))?;
    let config_json = serde_json::to_string(config)
        .map_err(|e| Error::Internal(format!("study configuration as JSON: {e}")))?;
    conn.execute(
        &format!(
            "INSERT INTO studies (name, direction, space, config, fingerprint, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, {NOW})"
        ),
        (
            name,
            direction_name(config.direction),
            space_json,
            config_json,
            fingerprint,
        ),
    )
    .map_err(|e| sql_error(path, e))?;
    Ok(())
}

fn load_study(conn: &Connection, path: &Path, name: &str) -> Result<Option<StoredStudy>> {
    let row = conn
        .query_row(
            "SELECT id, space, config, fingerprint, created_at FROM studies WHERE name = ?1",
            [name],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            },
        )
        .optional()
        .map_err(|e| sql_error(path, e))?;
    let Some((id, space_json, config_json, fingerprint, created_at)) = row else {
        return Ok(None);
    };
    let study = snippet(name);
    let space: SearchSpace = serde_json::from_str(&space_json).map_err(|e| {
        damaged(
            path,
            format!(
                "study `{study}`: its space cannot be read ({})",
                clip(&e.to_string(), 160)
            ),
        )
    })?;
    let config: StudyConfig = serde_json::from_str(&config_json).map_err(|e| {
        damaged(
            path,
            format!(
                "study `{study}`: its configuration cannot be read ({})",
                clip(&e.to_string(), 160)
            ),
        )
    })?;
    let mut stmt = conn
        .prepare(
            "SELECT number, state, value, duration_s, fail_reason, params, intermediate_values \
             FROM trials WHERE study_id = ?1 ORDER BY number",
        )
        .map_err(|e| sql_error(path, e))?;
    let rows = stmt
        .query_map([id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<f64>>(2)?,
                r.get::<_, Option<f64>>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
            ))
        })
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(|e| sql_error(path, e))?;
    let mut trials = Vec::with_capacity(rows.len());
    for (number, state, value, duration_s, fail_reason, params, steps) in rows {
        let bad = |what: String| damaged(path, format!("study `{study}`, trial {number}: {what}"));
        let number = u64::try_from(number).map_err(|_| bad("a negative number".into()))?;
        let state = parse_state(&state)
            .ok_or_else(|| bad(format!("unknown state `{}`", snippet(&state))))?;
        let params: BTreeMap<String, Value> = serde_json::from_str(&params).map_err(|e| {
            bad(format!(
                "its parameters cannot be read ({})",
                clip(&e.to_string(), 160)
            ))
        })?;
        let steps: Vec<(u64, Option<f64>)> = serde_json::from_str(&steps).map_err(|e| {
            bad(format!(
                "its intermediate values cannot be read ({})",
                clip(&e.to_string(), 160)
            ))
        })?;
        trials.push(TrialRecord {
            number,
            state,
            params,
            value,
            intermediate_values: steps
                .into_iter()
                .map(|(s, v)| (s, v.unwrap_or(f64::NAN)))
                .collect(),
            duration_s,
            fail_reason,
        });
    }
    Ok(Some(StoredStudy {
        name: name.to_string(),
        space,
        config,
        fingerprint,
        created_at,
        trials,
    }))
}

/// Check that a stored study was made for what the caller now gives; the error says which of
/// fingerprint, space and configuration differs.
fn check_same(
    path: &Path,
    stored: &StoredStudy,
    space: &SearchSpace,
    config: &StudyConfig,
    fingerprint: &str,
) -> Result<()> {
    let file = path.display();
    let study = snippet(&stored.name);
    let advice = "use another study name or a new study file";
    let differs = |what: String| {
        Err(Error::param(
            "study",
            format!("study `{study}` in {file} {what}; {advice}"),
        ))
    };
    if stored.fingerprint != fingerprint {
        return differs(format!(
            "was made for another data set or target (fingerprint `{}`, now `{}`)",
            snippet(&stored.fingerprint),
            snippet(fingerprint)
        ));
    }
    if stored.space != *space {
        return differs(format!(
            "searches another space ({})",
            space_difference(&stored.space, space)
        ));
    }
    if stored.config != *config {
        let (a, b) = (&stored.config, config);
        let what = if a.direction != b.direction {
            format!(
                "was made to {}, not to {}",
                direction_name(a.direction),
                direction_name(b.direction)
            )
        } else if a.seed != b.seed {
            format!("was made with seed {}, not {}", a.seed, b.seed)
        } else if a.sampler != b.sampler {
            format!(
                "was made with another sampler ({}, now {})",
                json_snippet(&a.sampler),
                json_snippet(&b.sampler)
            )
        } else {
            format!(
                "was made with another pruner ({}, now {})",
                json_snippet(&a.pruner),
                json_snippet(&b.pruner)
            )
        };
        return differs(what);
    }
    Ok(())
}

/// The first difference between two spaces, for a message.
fn space_difference(stored: &SearchSpace, now: &SearchSpace) -> String {
    for p in stored.params() {
        match now.params().iter().find(|q| q.path == p.path) {
            None => return format!("it searches `{}`, which this run does not", clip_spec(p)),
            Some(q) if q != p => {
                return format!(
                    "it has `{}` where this run has `{}`",
                    clip_spec(p),
                    clip_spec(q)
                );
            }
            Some(_) => {}
        }
    }
    for q in now.params() {
        if !stored.params().iter().any(|p| p.path == q.path) {
            return format!("this run also searches `{}`", clip_spec(q));
        }
    }
    "the same parameters in another order".to_string()
}

fn clip_spec(p: &crate::space::Param) -> String {
    clip(&p.to_string(), 80)
}

fn json_snippet<T: serde::Serialize>(value: &T) -> String {
    clip(
        &serde_json::to_string(value).unwrap_or_else(|e| e.to_string()),
        80,
    )
}

fn steps_json(steps: &BTreeMap<u64, f64>) -> Result<String> {
    let v: Vec<(u64, Option<f64>)> = steps
        .iter()
        .map(|(k, v)| (*k, v.is_finite().then_some(*v)))
        .collect();
    serde_json::to_string(&v)
        .map_err(|e| Error::Internal(format!("intermediate values as JSON: {e}")))
}

fn state_name(state: TrialState) -> &'static str {
    match state {
        TrialState::Running => "running",
        TrialState::Complete => "complete",
        TrialState::Pruned => "pruned",
        TrialState::Failed => "failed",
    }
}

fn parse_state(s: &str) -> Option<TrialState> {
    Some(match s {
        "running" => TrialState::Running,
        "complete" => TrialState::Complete,
        "pruned" => TrialState::Pruned,
        "failed" => TrialState::Failed,
        _ => return None,
    })
}

fn direction_name(d: Direction) -> &'static str {
    match d {
        Direction::Minimize => "minimize",
        Direction::Maximize => "maximize",
    }
}

fn parse_direction(s: &str) -> Option<Direction> {
    match s {
        "minimize" => Some(Direction::Minimize),
        "maximize" => Some(Direction::Maximize),
        _ => None,
    }
}

//! The `just-tech-news` command: serve (the default), migrate, seed, grant roles, or print the
//! spec.

use clap::{Parser, Subcommand};
use std::io::IsTerminal;

use just_tech_news::{
    Application, budgets,
    config::{Config, LogFormat},
    db::{self, Db},
    domain::Role,
    services::{App, moderation, seed},
};
use tracing_subscriber::EnvFilter;

/// Just Tech News: a link-sharing news site.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// Do not fill a brand-new embedded database with demo content.
    #[arg(long, global = true)]
    no_demo: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the site and the API (the default).
    Serve,
    /// Run pending database migrations, then exit (refused while a server holds an embedded file).
    Migrate,
    /// Fill the database with demo users, posts, comments and votes, then exit (refused while a
    /// server holds an embedded file).
    Seed,
    /// Print the OpenAPI spec (what `openapi.json` holds), then exit.
    Openapi,
    /// Copy the embedded database to a new file at PATH while the server keeps serving (a
    /// consistent snapshot, by SQLite's `VACUUM INTO`). Never overwrites a file. A database
    /// server is backed up with its own tool (`pg_dump`, `mariadb-dump`), as the error says.
    Backup {
        /// Where the copy goes: a file that does not exist yet.
        path: std::path::PathBuf,
    },
    /// Administration: roles.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Give USERNAME a role (how the first admin is made). On a database server at any time; on
    /// embedded SQLite with the server stopped, like `migrate`. Logged in the public moderation
    /// log as done from the command line.
    Grant {
        /// The user, by name (any case).
        username: String,
        /// `admin`, `moderator` or `user`.
        role: Role,
    },
}

fn main() -> std::process::ExitCode {
    cap_malloc_arenas();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("just-tech-news: cannot start the runtime: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("just-tech-news: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Caps glibc's malloc at eight arenas, before any other thread exists. By default each thread
/// that allocates may get an arena of its own (up to eight per core) that keeps what it freed:
/// with each SQLite connection working on a thread of its own, that added megabytes of peak
/// memory. Two arenas, the cap before, made the request threads and SQLite's threads wait for
/// each other's arena locks (4–6 % of a post page's CPU in `__lll_lock_wait_private`); eight kept
/// the same idle and peak memory in the benchmark (`bench/README.md`, issue 27).
/// `MALLOC_ARENA_MAX` in the environment still decides when it is set.
fn cap_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: sets one parameter of the C allocator while this is the only thread.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 8);
        }
    }
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    if let Some(Command::Openapi) = cli.command {
        println!("{}", just_tech_news::http::api::service().spec());
        return Ok(());
    }
    let config = Config::from_env()?;
    init_logging(config.log_format);

    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config, !cli.no_demo).await?,
        Command::Migrate => {
            let _lock = db::embedded::lock(&config.database_url)?;
            Db::connect(&config.database_url, budgets(&config), None).await?.migrate().await?;
            tracing::info!("migrations are up to date");
        }
        Command::Seed => {
            let (_lock, app) = offline(config).await?;
            match seed::seed(&app).await? {
                Some(login) => print_demo_login(&login),
                None => println!("The demo content is already there; nothing was added."),
            }
        }
        Command::Admin { command: AdminCommand::Grant { username, role } } => {
            let (_lock, app) = offline(config).await?;
            match moderation::grant(&app, &username, role).await? {
                Some(before) => println!("{username} was {} and is {} now.", before.as_str(), role.as_str()),
                None => return Err(format!("there is no user named {username:?}").into()),
            }
        }
        Command::Backup { path } => {
            let bytes = db::backup::backup(&config.database_url, &path).await?;
            println!(
                "Backed up to {} ({bytes} bytes). To restore: stop the server, replace the database file with this copy (and delete the old file's -wal and -shm files), start the server.",
                path.display()
            );
        }
        Command::Openapi => unreachable!("handled above"),
    }
    Ok(())
}

/// The site for a command run beside (or instead of) the server: the embedded file held, the
/// schema up to date.
async fn offline(config: Config) -> Result<(Option<db::EmbeddedLock>, App), Box<dyn std::error::Error>> {
    let lock = db::embedded::lock(&config.database_url)?;
    let db = Db::connect(&config.database_url, budgets(&config), None).await?;
    db.migrate().await?;
    Ok((lock, App::new(db, config)))
}

async fn serve(config: Config, demo: bool) -> Result<(), Box<dyn std::error::Error>> {
    let embedded = config.database_url.starts_with("sqlite:");
    let app = Application::build(config).await?;
    if demo
        && embedded
        && app.brand_new_database()
        && let Some(login) = seed::seed(app.state()).await?
    {
        print_demo_login(&login);
    }
    let public_url = app.state().config.public_url.clone();
    tracing::info!(address = %app.local_addr(), %public_url, "listening");
    if let Some(metrics) = app.metrics_addr() {
        tracing::info!(address = %metrics, "serving metrics at /metrics");
    }
    app.run_until(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Log lines on stdout, as text or one JSON object each (`LOG_FORMAT`), filtered by `RUST_LOG`
/// (default `info`). The database drivers are held at `warn` whatever `RUST_LOG` says: their
/// debug lines carry SQL and its values, and nothing internal is ever logged.
fn init_logging(format: LogFormat) {
    let mut filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    for quiet in ["sea_orm=warn", "sea_orm_migration=info", "sqlx=warn"] {
        filter = filter.add_directive(quiet.parse().expect("a valid directive"));
    }
    let logs = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Json => logs.json().with_current_span(true).with_span_list(false).init(),
        LogFormat::Text => logs.with_ansi(std::io::stdout().is_terminal()).init(),
    }
}

fn print_demo_login(login: &seed::DemoLogin) {
    println!("Demo content added. Log in as {} with password {}", login.email, login.password);
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down; letting in-flight requests finish");
}

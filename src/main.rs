use std::process::ExitCode;

use clap::Parser;
use idempotency_key_clinic::settings::{Cli, Command};
use idempotency_key_clinic::startup::{Application, open_storage};
use idempotency_key_clinic::telemetry;

// The server makes and frees many small allocations per request (headers, futures, log
// lines), and mimalloc serves them with less CPU than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let _log_writer = telemetry::init(cli.settings.log_format);

    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cli.settings).await,
        Command::HideEntry { entry_id } => hide_entry(cli.settings, &entry_id).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "stopped with an error");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: idempotency_key_clinic::settings::Settings) -> anyhow::Result<()> {
    let application = Application::build(settings).await?;
    // Start-up compresses every asset, and mimalloc keeps the compressors' large buffers
    // until the thread allocates again, which the main thread rarely does once serving.
    // SAFETY: mi_collect has no preconditions; it only returns free memory to the system.
    unsafe { libmimalloc_sys::mi_collect(true) };
    application.run_until_stopped().await
}

async fn hide_entry(settings: idempotency_key_clinic::settings::Settings, entry_id: &str) -> anyhow::Result<()> {
    let storage = open_storage(&settings).await?;
    let hidden = storage.hide_entry(entry_id).await?;
    storage.close().await;
    if !hidden {
        anyhow::bail!("no leaderboard entry has the id {entry_id:?}");
    }
    tracing::info!(entry_id, "leaderboard entry hidden by an operator");
    Ok(())
}

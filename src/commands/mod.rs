//! One module per verb.

mod alerts;
mod ask;
mod chat;
mod demo;
mod detect;
mod discord;
mod ingest;
mod rules;
mod schema;
mod serve;
mod sql;
mod stores;
mod tables;

use std::process::ExitCode;

use crate::app::App;
use crate::cli::Command;

pub(crate) fn dispatch(app: &App, command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Demo(a) => demo::run(app, &a),
        Command::Ingest(a) => ingest::run(app, &a),
        Command::Sql(a) => sql::run(app, &a),
        Command::Tables(a) => tables::run(app, &a),
        Command::Schema(a) => schema::run(app, &a),
        Command::Detect(a) => detect::run(app, &a),
        Command::Rules(a) => rules::run(app, &a),
        Command::Stores(a) => stores::run(app, &a),
        Command::Alerts(a) => alerts::run(app, &a),
        Command::Discord(a) => discord::run(app, &a),
        Command::Serve(a) => serve::run(app, &a),
        Command::Ask(a) => ask::run(app, &a),
        Command::Chat(a) => chat::run(app, &a),
    }
}

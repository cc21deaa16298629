//! The Glue Data Catalog through `aws-sdk-glue`: the log tables written
//! from the catalog ([`GlueCatalog::apply`], `mantissa tables --glue
//! --apply`) and read back ([`GlueCatalog::tables`], what an Athena-protocol
//! server needs to find a table's files and columns).
//!
//! In a deployment Terraform creates the same tables from the same
//! definitions ([`super::glue::table_input`]); `apply` is for a custom source
//! added later and for local AWS-compatible servers.

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_glue::Client;
use aws_sdk_glue::error::ProvideErrorMetadata;
use aws_sdk_glue::types::{Column, DatabaseInput, SerDeInfo, StorageDescriptor, TableInput};
use serde_json::Value;

use super::TableDef;
use super::glue::{TIME_COLUMN_PARAMETER, table_def, table_input};

/// A Glue request that failed, with what to check.
#[derive(Debug, thiserror::Error)]
#[error("Glue {operation} ({database}): {message}")]
pub struct GlueError {
    /// The operation (`CreateTable`, `GetTables`, …).
    pub operation: &'static str,
    /// The Glue database.
    pub database: String,
    /// Glue's message, or why it could not be reached.
    pub message: String,
}

/// One table as Glue holds it.
#[derive(Debug, Clone)]
pub struct GlueTable {
    /// Columns, types and time column, as the catalog declares a table.
    pub def: TableDef,
    /// `StorageDescriptor.Location`, e.g. `s3://mantissa-tables/cloudtrail/`.
    pub location: String,
}

/// What [`GlueCatalog::apply`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Whether the database had to be created.
    pub database_created: bool,
    /// Tables created.
    pub created: Vec<String>,
    /// Tables that existed and were updated to the catalog's definition.
    pub updated: Vec<String>,
}

/// The tables of one Glue database.
#[derive(Debug, Clone)]
pub struct GlueCatalog {
    client: Client,
    database: String,
}

impl GlueCatalog {
    /// A catalog client from the AWS SDK's environment (`AWS_REGION`,
    /// `AWS_ENDPOINT_URL[_GLUE]`, credentials, profiles).
    pub async fn from_env(database: &str) -> Self {
        let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .load()
            .await;
        Self::with_client(Client::new(&sdk), database)
    }

    /// A catalog client from an SDK configuration.
    pub fn from_sdk_config(sdk: &aws_config::SdkConfig, database: &str) -> Self {
        Self::with_client(Client::new(sdk), database)
    }

    /// A catalog client using `client`.
    pub fn with_client(client: Client, database: &str) -> Self {
        Self {
            client,
            database: database.into(),
        }
    }

    /// The database name.
    pub fn database(&self) -> &str {
        &self.database
    }

    fn error<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(
        &self,
        operation: &'static str,
        e: aws_sdk_glue::error::SdkError<E, R>,
    ) -> GlueError {
        let message = match e.as_service_error() {
            Some(s) => format!(
                "{}: {}",
                s.code().unwrap_or("error"),
                s.message().unwrap_or("no message")
            ),
            None => {
                // The cause chain in words (not the SDK's Debug dump).
                let mut chain = vec![e.to_string()];
                let mut source = std::error::Error::source(&e);
                while let Some(s) = source {
                    chain.push(s.to_string());
                    source = s.source();
                }
                chain.dedup();
                let text = chain.join(": ");
                let hint = if text.contains("credentials") {
                    "no AWS credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE"
                } else {
                    "check AWS_REGION and AWS_ENDPOINT_URL"
                };
                format!("{text}; {hint}")
            }
        };
        GlueError {
            operation,
            database: self.database.clone(),
            message,
        }
    }

    /// Creates the database if it is missing, then each table (its files
    /// under `location/<table>/`), or updates it to the catalog's
    /// definition when it exists.
    pub async fn apply(
        &self,
        tables: &[Arc<TableDef>],
        location: &str,
    ) -> Result<Applied, GlueError> {
        let mut applied = Applied::default();
        let exists = match self.client.get_database().name(&self.database).send().await {
            Ok(_) => true,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_entity_not_found_exception()) =>
            {
                false
            }
            Err(e) => return Err(self.error("GetDatabase", e)),
        };
        if !exists {
            let input = DatabaseInput::builder()
                .name(&self.database)
                .description("Mantissa Log tables (day-partitioned Parquet)")
                .build()
                .map_err(|e| self.build_error("CreateDatabase", e))?;
            self.client
                .create_database()
                .database_input(input)
                .send()
                .await
                .map_err(|e| self.error("CreateDatabase", e))?;
            applied.database_created = true;
        }
        for table in tables {
            let input = sdk_table_input(&table_input(table, location))
                .map_err(|e| self.build_error("CreateTable", e))?;
            let created = self
                .client
                .create_table()
                .database_name(&self.database)
                .table_input(input.clone())
                .send()
                .await;
            match created {
                Ok(_) => applied.created.push(table.name.clone()),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_already_exists_exception()) =>
                {
                    self.client
                        .update_table()
                        .database_name(&self.database)
                        .table_input(input)
                        .send()
                        .await
                        .map_err(|e| self.error("UpdateTable", e))?;
                    applied.updated.push(table.name.clone());
                }
                Err(e) => return Err(self.error("CreateTable", e)),
            }
        }
        Ok(applied)
    }

    /// Every table of the database with its location and columns.
    pub async fn tables(&self) -> Result<Vec<GlueTable>, GlueError> {
        let mut out = Vec::new();
        let mut pages = self
            .client
            .get_tables()
            .database_name(&self.database)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| self.error("GetTables", e))?;
            for t in page.table_list() {
                let Some(sd) = t.storage_descriptor() else {
                    continue;
                };
                let columns: Vec<(String, String, Option<String>)> = sd
                    .columns()
                    .iter()
                    .map(|c| {
                        (
                            c.name().to_string(),
                            c.r#type().unwrap_or("string").to_string(),
                            c.comment().map(str::to_string),
                        )
                    })
                    .collect();
                let time_column = t
                    .parameters()
                    .and_then(|p| p.get(TIME_COLUMN_PARAMETER))
                    .map(String::as_str);
                let def = table_def(
                    t.name(),
                    t.description().unwrap_or(""),
                    &columns,
                    time_column,
                )
                .map_err(|e| GlueError {
                    operation: "GetTables",
                    database: self.database.clone(),
                    message: format!("table `{}`: {e}", t.name()),
                })?;
                out.push(GlueTable {
                    def,
                    location: sd.location().unwrap_or("").to_string(),
                });
            }
        }
        Ok(out)
    }

    fn build_error(&self, operation: &'static str, e: impl std::fmt::Display) -> GlueError {
        GlueError {
            operation,
            database: self.database.clone(),
            message: e.to_string(),
        }
    }
}

/// The SDK's `TableInput` from the JSON one [`table_input`] writes (one
/// definition for Terraform, the CLI's output and the API).
fn sdk_table_input(v: &Value) -> Result<TableInput, aws_sdk_glue::error::BuildError> {
    let text = |v: &Value, k: &str| v[k].as_str().map(str::to_string);
    let map = |v: &Value| -> HashMap<String, String> {
        v.as_object()
            .map(|o| {
                o.iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    };
    let column = |c: &Value| {
        Column::builder()
            .name(c["Name"].as_str().unwrap_or_default())
            .set_type(text(c, "Type"))
            .set_comment(text(c, "Comment"))
            .build()
    };
    let sd = &v["StorageDescriptor"];
    let columns = sd["Columns"]
        .as_array()
        .into_iter()
        .flatten()
        .map(column)
        .collect::<Result<Vec<_>, _>>()?;
    let partition_keys = v["PartitionKeys"]
        .as_array()
        .into_iter()
        .flatten()
        .map(column)
        .collect::<Result<Vec<_>, _>>()?;
    let serde = &sd["SerdeInfo"];
    let storage = StorageDescriptor::builder()
        .set_columns(Some(columns))
        .set_location(text(sd, "Location"))
        .set_input_format(text(sd, "InputFormat"))
        .set_output_format(text(sd, "OutputFormat"))
        .serde_info(
            SerDeInfo::builder()
                .set_serialization_library(text(serde, "SerializationLibrary"))
                .set_parameters(Some(map(&serde["Parameters"])))
                .build(),
        )
        .build();
    TableInput::builder()
        .name(v["Name"].as_str().unwrap_or_default())
        .set_description(text(v, "Description"))
        .set_table_type(text(v, "TableType"))
        .set_parameters(Some(map(&v["Parameters"])))
        .set_partition_keys(Some(partition_keys))
        .storage_descriptor(storage)
        .build()
}

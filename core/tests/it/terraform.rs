//! The Terraform of the AWS deployment declares the Glue tables and the
//! DynamoDB tables generated from the code (the catalog, the store design):
//! the checked-in `.tf.json` files must be exactly what the code generates
//! now, so a column or an index added in code but not deployed fails here.
//! `MANTISSA_UPDATE_TERRAFORM=1` rewrites them.

use std::path::PathBuf;

use mantissa_core::catalog::Catalog;

fn terraform_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../terraform/modules")
}

fn check(path: PathBuf, generated: serde_json::Value) {
    let text = serde_json::to_string_pretty(&generated).unwrap() + "\n";
    if std::env::var_os("MANTISSA_UPDATE_TERRAFORM").is_some() {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == text,
        "{} is stale: regenerate it with MANTISSA_UPDATE_TERRAFORM=1 cargo test -p mantissa-core --all-features --test it terraform",
        path.display()
    );
}

#[test]
fn terraform_files_match_the_catalog_and_store_design() {
    check(
        terraform_dir().join("catalog/tables.tf.json"),
        mantissa_core::catalog::glue::terraform(Catalog::builtin().tables()),
    );
    check(
        terraform_dir().join("state/tables.tf.json"),
        mantissa_core::store::dynamodb::terraform(),
    );
}

/// What Terraform reads from the generated files: every table with its
/// columns, `${dt}` kept for Athena (escaped from Terraform), keys and TTL.
#[test]
fn the_generated_terraform_declares_what_the_stack_needs() {
    let glue = mantissa_core::catalog::glue::terraform(Catalog::builtin().tables());
    let ct = &glue["resource"]["aws_glue_catalog_table"]["cloudtrail"];
    assert_eq!(
        ct["database_name"],
        "${aws_glue_catalog_database.logs.name}"
    );
    assert_eq!(
        ct["parameters"]["storage.location.template"],
        "s3://${var.tables_bucket}/cloudtrail/dt=$${dt}/"
    );
    assert_eq!(ct["parameters"]["projection.dt.type"], "date");
    assert_eq!(
        ct["storage_descriptor"]["location"],
        "s3://${var.tables_bucket}/cloudtrail/"
    );
    assert_eq!(
        ct["storage_descriptor"]["columns"]
            .as_array()
            .unwrap()
            .len(),
        Catalog::builtin()
            .get("cloudtrail")
            .unwrap()
            .schema
            .fields()
            .len()
    );
    let dynamo = mantissa_core::store::dynamodb::terraform();
    let tables = dynamo["resource"]["aws_dynamodb_table"]
        .as_object()
        .unwrap();
    assert_eq!(tables.len(), mantissa_core::store::dynamodb::TABLES.len());
    assert_eq!(tables["sessions"]["ttl"]["attribute_name"], "expires_at");
    assert_eq!(
        tables["alerts"]["global_secondary_index"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(tables["alerts"]["name"], "${var.name}-alerts");
}

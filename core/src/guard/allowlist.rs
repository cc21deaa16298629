//! Functions a query may call. Anything else is rejected by name, whoever
//! wrote the query: file or network readers, session functions, sleeps, and
//! functions whose output size is set by an argument (`repeat`, `lpad`,
//! `rpad`), which could allocate gigabytes from one row outside the
//! engine's memory accounting.

/// Allowed function names (lower case).
pub const FUNCTIONS: &[&str] = &[
    // Aggregates.
    "count",
    "sum",
    "avg",
    "mean",
    "min",
    "max",
    "approx_distinct",
    "approx_median",
    "approx_percentile_cont",
    "median",
    "stddev",
    "stddev_pop",
    "stddev_samp",
    "variance",
    "var_pop",
    "var_samp",
    "var",
    "array_agg",
    "string_agg",
    "bool_and",
    "bool_or",
    "every",
    "first_value",
    "last_value",
    "nth_value",
    "corr",
    "covar",
    "covar_pop",
    "covar_samp",
    "bit_and",
    "bit_or",
    "bit_xor",
    "grouping",
    // Window functions.
    "row_number",
    "rank",
    "dense_rank",
    "percent_rank",
    "cume_dist",
    "ntile",
    "lag",
    "lead",
    // Strings.
    "lower",
    "upper",
    "trim",
    "ltrim",
    "rtrim",
    "btrim",
    "length",
    "char_length",
    "character_length",
    "octet_length",
    "bit_length",
    "substr",
    "substring",
    "substr_index",
    "substring_index",
    "concat",
    "concat_ws",
    "replace",
    "reverse",
    "left",
    "right",
    "starts_with",
    "ends_with",
    "strpos",
    "instr",
    "position",
    "split_part",
    "translate",
    "initcap",
    "ascii",
    "chr",
    "to_hex",
    "levenshtein",
    "regexp_like",
    "regexp_replace",
    "regexp_match",
    "regexp_count",
    "regexp_extract",
    "split",
    "contains",
    "find_in_set",
    "overlay",
    // Maths.
    "abs",
    "round",
    "floor",
    "ceil",
    "ceiling",
    "trunc",
    "truncate",
    "sqrt",
    "cbrt",
    "power",
    "pow",
    "exp",
    "ln",
    "log",
    "log2",
    "log10",
    "greatest",
    "least",
    "signum",
    "sign",
    "pi",
    "degrees",
    "radians",
    "isnan",
    "iszero",
    "nanvl",
    "gcd",
    "lcm",
    "factorial",
    // Conditionals.
    "coalesce",
    "nullif",
    "nvl",
    "nvl2",
    "ifnull",
    // Dates and times.
    "now",
    "current_timestamp",
    "current_date",
    "current_time",
    "localtimestamp",
    "date_trunc",
    "datetrunc",
    "date_part",
    "datepart",
    "date_bin",
    "to_timestamp",
    "to_timestamp_seconds",
    "to_timestamp_millis",
    "to_timestamp_micros",
    "to_timestamp_nanos",
    "to_date",
    "to_char",
    "from_unixtime",
    "make_date",
    "from_iso8601_timestamp",
    "to_iso8601",
    "date_add",
    "date_diff",
    "date_format",
    "to_unixtime",
    // Arrays, maps and structs.
    "cardinality",
    "element_at",
    "array_element",
    "array_length",
    "array_has",
    "array_has_any",
    "array_has_all",
    "array_contains",
    "array_join",
    "array_to_string",
    "array_distinct",
    "array_sort",
    "array_position",
    "array_slice",
    "array_remove",
    "array_union",
    "array_intersect",
    "array_except",
    "array_max",
    "array_min",
    "flatten",
    "make_array",
    "array",
    "string_to_array",
    "unnest",
    "get_field",
    "named_struct",
    "struct",
    "map_keys",
    "map_values",
    "map_extract",
    // JSON.
    "json_extract_scalar",
    "json_extract",
];

/// Whether `name` (any case) may be called.
pub fn allowed(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    FUNCTIONS.contains(&lower.as_str())
}

/// Allowed names close to `name`, for "did you mean" hints.
pub(super) fn similar(name: &str) -> Vec<&'static str> {
    let lower = name.to_ascii_lowercase();
    let mut scored: Vec<(usize, &str)> = FUNCTIONS
        .iter()
        .map(|f| (edit_distance(&lower, f), *f))
        .filter(|(d, f)| *d <= 2.max(f.len() / 4))
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, f)| f).collect()
}

/// Levenshtein distance (small inputs only).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

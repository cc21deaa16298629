-- case: example-rule-failed-then-successful-login
WITH failed_attempts AS (
  SELECT
    useridentity.principalid as user,
    sourceipaddress as ip,
    COUNT(*) as failures
  FROM cloudtrail
  WHERE eventname = 'ConsoleLogin'
    AND errorcode IS NOT NULL
    AND eventtime > CURRENT_TIMESTAMP - INTERVAL '1' HOUR
  GROUP BY useridentity.principalid, sourceipaddress
  HAVING COUNT(*) >= 3
),
successful_logins AS (
  SELECT
    useridentity.principalid as user,
    sourceipaddress as ip
  FROM cloudtrail
  WHERE eventname = 'ConsoleLogin'
    AND errorcode IS NULL
    AND eventtime > CURRENT_TIMESTAMP - INTERVAL '1' HOUR
)
SELECT
  f.user,
  f.ip,
  f.failures,
  'Multiple failed login attempts followed by success' as reason
FROM failed_attempts f
INNER JOIN successful_logins s
  ON f.user = s.user AND f.ip = s.ip

-- case: select-one
SELECT 1

-- case: select-without-from-time-functions
SELECT CURRENT_TIMESTAMP AS ts, CURRENT_DATE AS today, now() AS right_now

-- case: root-account-activity
SELECT eventtime, eventname, eventsource, sourceipaddress, useragent
FROM cloudtrail
WHERE useridentity.type = 'Root'
  AND useridentity.invokedby IS NULL
  AND eventtype <> 'AwsServiceEvent'
  AND dt >= date_format(CURRENT_DATE - INTERVAL '7' DAY, '%Y-%m-%d')
ORDER BY eventtime DESC
LIMIT 100

-- case: failed-console-logins-by-ip
SELECT sourceipaddress,
       count(*) AS failures,
       count(DISTINCT useridentity.username) AS distinct_users
FROM cloudtrail
WHERE eventname = 'ConsoleLogin'
  AND json_extract_scalar(responseelements, '$.ConsoleLogin') = 'Failure'
  AND eventtime > now() - INTERVAL '24' HOUR
GROUP BY sourceipaddress
HAVING count(*) >= 5
ORDER BY failures DESC

-- case: cloudtrail-tampering
SELECT eventtime, eventname, useridentity.arn AS actor, sourceipaddress, awsregion,
       json_extract_scalar(requestparameters, '$.name') AS trail_name
FROM cloudtrail
WHERE eventsource = 'cloudtrail.amazonaws.com'
  AND eventname IN ('StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors')
ORDER BY eventtime DESC

-- case: create-access-key
SELECT eventtime,
       useridentity.arn AS actor,
       json_extract_scalar(requestparameters, '$.userName') AS target_user,
       json_extract_scalar(responseelements, '$.accessKey.accessKeyId') AS new_key_id,
       sourceipaddress
FROM cloudtrail
WHERE eventname = 'CreateAccessKey'
  AND errorcode IS NULL
  AND eventtime >= date_add('day', -7, now())
ORDER BY eventtime DESC

-- case: security-group-open-to-world-json
SELECT eventtime,
       useridentity.arn AS actor,
       json_extract_scalar(requestparameters, '$.groupId') AS group_id,
       json_extract_scalar(requestparameters, '$.ipPermissions.items[0].fromPort') AS from_port,
       json_extract_scalar(requestparameters, '$.ipPermissions.items[0].ipRanges.items[0].cidrIp') AS cidr
FROM cloudtrail
WHERE eventname = 'AuthorizeSecurityGroupIngress'
  AND json_extract_scalar(requestparameters, '$.ipPermissions.items[0].ipRanges.items[0].cidrIp') = '0.0.0.0/0'

-- case: security-group-open-to-world-like
select eventtime, awsregion, useridentity.arn as actor, requestparameters
from cloudtrail
where eventname in ('AuthorizeSecurityGroupIngress', 'ModifySecurityGroupRules')
  and (requestparameters like '%0.0.0.0/0%' or requestparameters like '%::/0%')
  and errorcode is null
order by eventtime desc
limit 200

-- case: s3-getobject-burst
SELECT useridentity.arn AS principal,
       sourceipaddress,
       date_trunc('minute', eventtime) AS minute_bucket,
       count(*) AS get_requests,
       approx_distinct(json_extract_scalar(requestparameters, '$.key')) AS distinct_keys
FROM cloudtrail
WHERE eventsource = 's3.amazonaws.com'
  AND eventname = 'GetObject'
  AND eventtime > CURRENT_TIMESTAMP - INTERVAL '6' HOUR
GROUP BY useridentity.arn, sourceipaddress, date_trunc('minute', eventtime)
HAVING count(*) > 500
ORDER BY get_requests DESC

-- case: rejected-flows-by-source
SELECT srcaddr, count(*) AS rejected_flows, sum(packets) AS packets
FROM vpc_flow
WHERE action = 'REJECT'
  AND dt = date_format(CURRENT_DATE, '%Y-%m-%d')
GROUP BY srcaddr
ORDER BY rejected_flows DESC
LIMIT 25

-- case: top-talkers-by-bytes
SELECT srcaddr, dstaddr, sum(bytes) AS total_bytes, sum(packets) AS total_packets
FROM vpc_flow
WHERE start >= now() - INTERVAL '1' DAY
GROUP BY srcaddr, dstaddr
ORDER BY total_bytes DESC
LIMIT 20

-- case: port-scan-distinct-destination-ports
SELECT srcaddr,
       date_trunc('minute', start) AS minute_bucket,
       count(DISTINCT dstport) AS distinct_ports,
       count(DISTINCT dstaddr) AS distinct_hosts
FROM vpc_flow
WHERE action = 'REJECT'
  AND protocol = 6
GROUP BY srcaddr, date_trunc('minute', start)
HAVING count(DISTINCT dstport) > 100
ORDER BY distinct_ports DESC

-- case: guardduty-high-severity-by-type
SELECT type, count(*) AS findings, max(severity) AS max_severity, min(createdat) AS first_seen
FROM guardduty
WHERE severity >= 7
GROUP BY type
ORDER BY findings DESC

-- case: hourly-event-timeline
SELECT date_trunc('hour', eventtime) AS event_hour,
       count(*) AS events,
       count(DISTINCT sourceipaddress) AS source_ips
FROM cloudtrail
WHERE eventtime >= CURRENT_TIMESTAMP - INTERVAL '2' DAY
GROUP BY date_trunc('hour', eventtime)
ORDER BY event_hour

-- case: first-and-last-seen-per-principal
SELECT useridentity.arn AS principal,
       min(eventtime) AS first_seen,
       max(eventtime) AS last_seen,
       date_diff('day', min(eventtime), max(eventtime)) AS active_days,
       count(*) AS events
FROM cloudtrail
WHERE useridentity.arn IS NOT NULL
GROUP BY useridentity.arn
ORDER BY last_seen DESC

-- case: unnest-resources-single-column
SELECT eventtime, eventname, r.arn AS resource_arn, r.type AS resource_type
FROM cloudtrail
CROSS JOIN UNNEST(resources) AS t(r)
WHERE r.type = 'AWS::S3::Bucket'
  AND eventname LIKE 'Delete%'

-- case: unnest-resources-named-columns
SELECT t.accountid, t.type, count(*) AS touches
FROM cloudtrail
CROSS JOIN UNNEST(resources) AS t(arn, accountid, type)
WHERE t.accountid <> recipientaccountid
GROUP BY t.accountid, t.type
ORDER BY touches DESC

-- case: join-cloudtrail-and-vpc-flow-on-ip
SELECT c.eventtime, c.eventname, c.sourceipaddress, v.dstport, v.bytes, v.action
FROM cloudtrail c
JOIN vpc_flow v
  ON c.sourceipaddress = v.srcaddr
 AND v.start BETWEEN c.eventtime - INTERVAL '5' MINUTE AND c.eventtime + INTERVAL '5' MINUTE
WHERE c.eventname = 'ConsoleLogin'
LIMIT 500

-- case: left-join-flows-without-api-calls
SELECT v.srcaddr, sum(v.bytes) AS total_bytes
FROM vpc_flow v
LEFT JOIN cloudtrail c ON c.sourceipaddress = v.srcaddr
WHERE c.eventid IS NULL
  AND v.flow_direction = 'ingress'
GROUP BY v.srcaddr
ORDER BY total_bytes DESC
LIMIT 50

-- case: union-all-ips-across-tables
SELECT sourceipaddress AS ip, 'cloudtrail' AS source FROM cloudtrail WHERE errorcode = 'AccessDenied'
UNION ALL
SELECT srcaddr AS ip, 'vpc_flow' AS source FROM vpc_flow WHERE action = 'REJECT'
UNION ALL
SELECT json_extract_scalar(service, '$.action.networkConnectionAction.remoteIpDetails.ipAddressV4') AS ip,
       'guardduty' AS source
FROM guardduty

-- case: union-all-row-counts-per-table
SELECT 'cloudtrail' AS log_table, count(*) AS row_count FROM cloudtrail
UNION ALL
SELECT 'vpc_flow', count(*) FROM vpc_flow
UNION ALL
SELECT 'guardduty', count(*) FROM guardduty

-- case: subquery-in-from
SELECT principal, api_calls
FROM (
  SELECT useridentity.arn AS principal, count(*) AS api_calls
  FROM cloudtrail
  WHERE readonly = 'false'
  GROUP BY useridentity.arn
) AS per_principal
WHERE api_calls > 1000
ORDER BY api_calls DESC

-- case: in-subquery-guardduty-ips
SELECT eventtime, eventname, sourceipaddress, useridentity.arn AS actor
FROM cloudtrail
WHERE sourceipaddress IN (
  SELECT json_extract_scalar(service, '$.action.networkConnectionAction.remoteIpDetails.ipAddressV4')
  FROM guardduty
  WHERE severity >= 7
)

-- case: exists-subquery-rejected-flows
SELECT DISTINCT c.sourceipaddress
FROM cloudtrail c
WHERE c.eventname = 'ConsoleLogin'
  AND EXISTS (
    SELECT 1 FROM vpc_flow v
    WHERE v.srcaddr = c.sourceipaddress
      AND v.action = 'REJECT'
  )

-- case: not-in-subquery-new-ips
SELECT DISTINCT sourceipaddress
FROM cloudtrail
WHERE eventtime >= now() - INTERVAL '1' DAY
  AND sourceipaddress NOT IN (
    SELECT sourceipaddress FROM cloudtrail
    WHERE eventtime BETWEEN now() - INTERVAL '30' DAY AND now() - INTERVAL '1' DAY
  )

-- case: scalar-subquery-ratio
SELECT eventname,
       count(*) AS n,
       round(100.0 * count(*) / (SELECT count(*) FROM cloudtrail WHERE errorcode IS NOT NULL), 2) AS pct_of_errors
FROM cloudtrail
WHERE errorcode IS NOT NULL
GROUP BY eventname
ORDER BY n DESC
LIMIT 10

-- case: window-latest-event-per-principal
SELECT principal, eventname, eventtime
FROM (
  SELECT useridentity.arn AS principal, eventname, eventtime,
         row_number() OVER (PARTITION BY useridentity.arn ORDER BY eventtime DESC) AS rn
  FROM cloudtrail
) AS ranked
WHERE rn = 1

-- case: window-lag-seconds-between-logins
SELECT useridentity.arn AS principal,
       eventtime,
       sourceipaddress,
       lag(sourceipaddress) OVER (PARTITION BY useridentity.arn ORDER BY eventtime) AS previous_ip,
       date_diff('second', lag(eventtime) OVER (PARTITION BY useridentity.arn ORDER BY eventtime), eventtime) AS seconds_since_previous
FROM cloudtrail
WHERE eventname = 'ConsoleLogin'

-- case: window-lead-next-action
SELECT eventtime, eventname,
       lead(eventname) OVER (PARTITION BY useridentity.accesskeyid ORDER BY eventtime) AS next_event,
       lead(eventtime, 1) OVER (PARTITION BY useridentity.accesskeyid ORDER BY eventtime) AS next_time
FROM cloudtrail
WHERE useridentity.accesskeyid IS NOT NULL

-- case: window-rank-and-dense-rank
SELECT dstaddr, srcaddr, total_bytes,
       rank() OVER (PARTITION BY dstaddr ORDER BY total_bytes DESC) AS rnk,
       dense_rank() OVER (ORDER BY total_bytes DESC) AS overall_rank
FROM (
  SELECT dstaddr, srcaddr, sum(bytes) AS total_bytes
  FROM vpc_flow
  GROUP BY dstaddr, srcaddr
) AS t
ORDER BY overall_rank
LIMIT 100

-- case: window-running-total-bytes
SELECT srcaddr, start, bytes,
       sum(bytes) OVER (PARTITION BY srcaddr ORDER BY start ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running_bytes,
       count(*) OVER () AS total_rows
FROM vpc_flow
WHERE flow_direction = 'egress'

-- case: quoted-end-column
SELECT srcaddr, dstaddr, start, "end",
       date_diff('second', start, "end") AS duration_seconds
FROM vpc_flow
WHERE date_diff('second', start, "end") > 3600
ORDER BY duration_seconds DESC

-- case: quoted-table-name
SELECT "eventname", count(*) AS n FROM "cloudtrail" GROUP BY "eventname"

-- case: mixed-case-table-names
SELECT count(*) AS n FROM CloudTrail WHERE eventName = 'ConsoleLogin'

-- case: upper-case-everything
SELECT SRCADDR, DSTPORT, COUNT(*) AS FLOWS
FROM VPC_FLOW
WHERE ACTION = 'ACCEPT' AND DSTPORT IN (22, 3389)
GROUP BY SRCADDR, DSTPORT
ORDER BY FLOWS DESC
LIMIT 10

-- case: lower-case-everything
select eventsource, eventname, count(*) as calls
from cloudtrail
where eventtime > current_timestamp - interval '12' hour
group by eventsource, eventname
order by calls desc
limit 50

-- case: oversized-limit-is-lowered
SELECT eventtime, eventname, sourceipaddress FROM cloudtrail LIMIT 100000000

-- case: limit-all
SELECT id, type, severity FROM guardduty ORDER BY severity DESC LIMIT ALL

-- case: fetch-first-rows-only
SELECT eventtime, eventname, sourceipaddress
FROM cloudtrail
ORDER BY eventtime DESC
FETCH FIRST 10 ROWS ONLY

-- case: offset-then-limit
SELECT srcaddr, dstaddr, bytes
FROM vpc_flow
ORDER BY bytes DESC
OFFSET 20
LIMIT 10

-- case: limit-then-offset
SELECT id, title FROM guardduty ORDER BY updatedat DESC LIMIT 25 OFFSET 50

-- case: offset-rows-fetch-next
SELECT id, title, severity
FROM guardduty
ORDER BY severity DESC
OFFSET 10 ROWS
FETCH NEXT 10 ROWS ONLY

-- case: limit-zero
SELECT * FROM cloudtrail LIMIT 0

-- case: line-and-block-comments
-- Console logins without MFA in the last day
/* owner: detection-engineering
   ticket: SEC-1234 */
SELECT eventtime, useridentity.arn AS actor, sourceipaddress -- who and from where
FROM cloudtrail
WHERE eventname = 'ConsoleLogin'
  /* additionaleventdata is a JSON string */
  AND json_extract_scalar(additionaleventdata, '$.MFAUsed') = 'No'
  AND eventtime > now() - INTERVAL '1' DAY

-- case: comment-mentions-drop
SELECT count(*) AS n FROM cloudtrail -- ; DROP TABLE cloudtrail

-- case: trailing-semicolon
SELECT count(*) AS n FROM guardduty WHERE severity >= 7;

-- case: multiple-ctes-with-nesting
WITH recent AS (
  SELECT * FROM cloudtrail
  WHERE eventtime > CURRENT_TIMESTAMP - INTERVAL '1' DAY
),
errors AS (
  WITH denied AS (
    SELECT sourceipaddress, eventname FROM recent
    WHERE errorcode IN ('AccessDenied', 'UnauthorizedOperation', 'Client.UnauthorizedOperation')
  )
  SELECT sourceipaddress, count(*) AS denied_calls, count(DISTINCT eventname) AS distinct_apis
  FROM denied
  GROUP BY sourceipaddress
),
noisy AS (
  SELECT * FROM errors WHERE denied_calls > 20
)
SELECT n.sourceipaddress, n.denied_calls, n.distinct_apis, sum(v.bytes) AS flow_bytes
FROM noisy n
LEFT JOIN vpc_flow v ON v.srcaddr = n.sourceipaddress
GROUP BY n.sourceipaddress, n.denied_calls, n.distinct_apis
ORDER BY n.denied_calls DESC

-- case: cte-referenced-twice
WITH logins AS (
  SELECT useridentity.arn AS principal, sourceipaddress, eventtime
  FROM cloudtrail
  WHERE eventname = 'ConsoleLogin' AND errorcode IS NULL
)
SELECT a.principal, a.sourceipaddress AS ip_a, b.sourceipaddress AS ip_b, a.eventtime, b.eventtime AS other_time
FROM logins a
JOIN logins b
  ON a.principal = b.principal
 AND a.sourceipaddress <> b.sourceipaddress
 AND b.eventtime BETWEEN a.eventtime AND a.eventtime + INTERVAL '10' MINUTE

-- case: console-login-without-mfa
SELECT eventtime, useridentity.arn AS actor, sourceipaddress, useragent
FROM cloudtrail
WHERE eventname = 'ConsoleLogin'
  AND useridentity.sessioncontext.attributes.mfaauthenticated = 'false'
  AND errorcode IS NULL

-- case: assumed-role-session-issuer
SELECT useridentity.sessioncontext.sessionissuer.username AS role_name,
       useridentity.sessioncontext.sessionissuer.arn AS role_arn,
       count(*) AS calls,
       approx_distinct(sourceipaddress) AS source_ips
FROM cloudtrail
WHERE useridentity.type = 'AssumedRole'
GROUP BY useridentity.sessioncontext.sessionissuer.username, useridentity.sessioncontext.sessionissuer.arn
ORDER BY calls DESC

-- case: suspicious-user-agents
SELECT useragent, count(*) AS calls, count(DISTINCT sourceipaddress) AS ips
FROM cloudtrail
WHERE regexp_like(useragent, '(?i)(curl|python-requests|kali|nmap|sqlmap|pacu)')
GROUP BY useragent
ORDER BY calls DESC

-- case: user-agent-family-regexp-extract
SELECT regexp_extract(useragent, '^([A-Za-z0-9_-]+)/', 1) AS agent_family, count(*) AS calls
FROM cloudtrail
GROUP BY regexp_extract(useragent, '^([A-Za-z0-9_-]+)/', 1)
ORDER BY calls DESC

-- case: principal-name-from-arn
SELECT split_part(useridentity.arn, '/', 2) AS principal_name,
       element_at(split(useridentity.arn, ':'), 5) AS account_from_arn,
       count(*) AS calls
FROM cloudtrail
WHERE useridentity.arn LIKE 'arn:aws:iam::%'
GROUP BY 1, 2
ORDER BY 3 DESC

-- case: access-denied-errors
SELECT upper(errorcode) AS error, lower(eventsource) AS service, count(*) AS n
FROM cloudtrail
WHERE errorcode IN ('AccessDenied', 'UnauthorizedOperation', 'Client.UnauthorizedOperation')
GROUP BY upper(errorcode), lower(eventsource)
HAVING count(*) > 10

-- case: iam-policy-changes
SELECT eventtime, eventname, useridentity.arn AS actor,
       json_extract_scalar(requestparameters, '$.policyArn') AS policy_arn,
       coalesce(json_extract_scalar(requestparameters, '$.userName'),
                json_extract_scalar(requestparameters, '$.roleName'),
                json_extract_scalar(requestparameters, '$.groupName')) AS target
FROM cloudtrail
WHERE eventsource = 'iam.amazonaws.com'
  AND (eventname ILIKE 'attach%policy' OR eventname LIKE 'Put%Policy' OR eventname = 'CreatePolicyVersion')
ORDER BY eventtime DESC

-- case: kms-key-deletion
SELECT eventtime, eventname, useridentity.arn AS actor,
       json_extract_scalar(requestparameters, '$.keyId') AS key_id,
       TRY_CAST(json_extract_scalar(requestparameters, '$.pendingWindowInDays') AS INTEGER) AS pending_days
FROM cloudtrail
WHERE eventsource = 'kms.amazonaws.com'
  AND eventname IN ('ScheduleKeyDeletion', 'DisableKey')

-- case: legacy-tls-versions
SELECT tlsdetails.tlsversion AS tls_version,
       tlsdetails.clientprovidedhostheader AS host,
       count(*) AS calls
FROM cloudtrail
WHERE tlsdetails.tlsversion IN ('TLSv1', 'TLSv1.1')
GROUP BY tlsdetails.tlsversion, tlsdetails.clientprovidedhostheader

-- case: ssh-rdp-accepted-inbound
SELECT srcaddr, dstaddr, dstport, count(*) AS flows, sum(bytes) AS bytes
FROM vpc_flow
WHERE action = 'ACCEPT'
  AND flow_direction = 'ingress'
  AND dstport IN (22, 3389)
  AND srcaddr NOT LIKE '10.%'
  AND srcaddr NOT LIKE '192.168.%'
GROUP BY srcaddr, dstaddr, dstport
ORDER BY flows DESC

-- case: large-egress-per-instance
SELECT instance_id, interface_id, sum(bytes) AS egress_bytes, round(sum(bytes) / 1073741824.0, 2) AS egress_gib
FROM vpc_flow
WHERE flow_direction = 'egress'
  AND dt BETWEEN '2024-05-01' AND '2024-05-07'
GROUP BY instance_id, interface_id
HAVING sum(bytes) > 10000000000
ORDER BY egress_bytes DESC

-- case: guardduty-severity-buckets
SELECT CASE
         WHEN severity >= 7 THEN 'HIGH'
         WHEN severity >= 4 THEN 'MEDIUM'
         ELSE 'LOW'
       END AS severity_bucket,
       count(*) AS findings
FROM guardduty
GROUP BY 1
ORDER BY findings DESC

-- case: guardduty-instance-findings
SELECT json_extract_scalar(resource, '$.instanceDetails.instanceId') AS instance,
       json_extract_scalar(resource, '$.resourceType') AS resource_type,
       title, severity, updatedat
FROM guardduty
WHERE json_extract_scalar(resource, '$.resourceType') = 'Instance'
  AND updatedat > CURRENT_TIMESTAMP - INTERVAL '1' DAY
ORDER BY severity DESC, updatedat DESC

-- case: guardduty-join-vpc-flow
SELECT g.id, g.type, g.severity, v.srcaddr, v.dstaddr, v.dstport, v.action
FROM guardduty g
JOIN vpc_flow v
  ON json_extract_scalar(g.service, '$.action.networkConnectionAction.remoteIpDetails.ipAddressV4') = v.srcaddr
WHERE g.severity >= 5
LIMIT 1000

-- case: iso8601-and-timestamp-literals
SELECT eventtime, eventname
FROM cloudtrail
WHERE eventtime BETWEEN TIMESTAMP '2024-05-01 00:00:00' AND TIMESTAMP '2024-05-02 00:00:00'
  AND eventtime >= from_iso8601_timestamp('2024-05-01T06:00:00Z')

-- case: unix-time-round-trip
SELECT eventid,
       to_unixtime(eventtime) AS epoch_seconds,
       from_unixtime(floor(to_unixtime(eventtime) / 300) * 300) AS five_minute_bucket
FROM cloudtrail
WHERE eventtime > now() - INTERVAL '1' HOUR

-- case: actor-coalesce
SELECT coalesce(useridentity.username,
                useridentity.sessioncontext.sessionissuer.username,
                useridentity.principalid) AS actor,
       count(*) AS calls
FROM cloudtrail
GROUP BY 1
ORDER BY calls DESC
LIMIT 20

-- case: resources-cardinality-and-element-at
SELECT eventname, cardinality(resources) AS resource_count, element_at(resources, 1) AS first_resource
FROM cloudtrail
WHERE cardinality(resources) > 1

-- case: contains-array-literal
SELECT eventtime, eventname, useridentity.arn AS actor
FROM cloudtrail
WHERE contains(ARRAY['DeleteTrail', 'StopLogging', 'DeleteFlowLogs', 'DeleteDetector'], eventname)

-- case: array-join-split-user-agent
SELECT array_join(split(useragent, ' '), ' | ') AS agent_parts, count(*) AS n
FROM cloudtrail
WHERE length(useragent) > 0
GROUP BY 1

-- case: strpos-and-position
SELECT eventname, useragent
FROM cloudtrail
WHERE strpos(useragent, 'aws-cli') > 0
   OR position('Boto3' IN useragent) > 0

-- case: substr-concat-replace
SELECT concat(substr(dt, 1, 7), '-xx') AS month_partition,
       replace(eventsource, '.amazonaws.com', '') AS service,
       substring(eventid, 1, 8) AS short_id,
       count(*) AS n
FROM cloudtrail
GROUP BY 1, 2, 3

-- case: numeric-functions-on-flows
SELECT srcaddr,
       round(avg(bytes), 2) AS avg_bytes,
       greatest(max(bytes), 0) AS max_bytes,
       least(min(bytes), 0) AS min_bytes,
       abs(sum(bytes) - sum(packets) * 1500) AS overhead_estimate,
       ceil(avg(packets)) AS avg_packets_up,
       floor(avg(packets)) AS avg_packets_down
FROM vpc_flow
GROUP BY srcaddr

-- case: nullif-trim-length
SELECT eventname, errorcode, trim(errormessage) AS message, length(errormessage) AS message_length
FROM cloudtrail
WHERE nullif(trim(errormessage), '') IS NOT NULL

-- case: json-extract-credentials-object
SELECT eventtime,
       json_extract(responseelements, '$.credentials') AS credentials_blob,
       json_extract_scalar(responseelements, '$.credentials.accessKeyId') AS temp_key
FROM cloudtrail
WHERE eventname IN ('AssumeRole', 'GetSessionToken', 'GetFederationToken')

-- case: regexp-replace-normalize-ip
SELECT regexp_replace(sourceipaddress, '\.[0-9]+$', '.0') AS subnet_24, count(*) AS calls
FROM cloudtrail
WHERE regexp_like(sourceipaddress, '^[0-9.]+$')
GROUP BY regexp_replace(sourceipaddress, '\.[0-9]+$', '.0')
ORDER BY calls DESC

-- case: cast-to-date-daily-counts
SELECT CAST(eventtime AS DATE) AS event_day, count(*) AS events
FROM cloudtrail
WHERE dt >= '2024-05-01'
GROUP BY CAST(eventtime AS DATE)
ORDER BY event_day

-- case: aggregate-filter-clause
SELECT eventsource,
       count(*) AS total,
       count(*) FILTER (WHERE errorcode IS NOT NULL) AS failed
FROM cloudtrail
GROUP BY eventsource

-- case: is-null-and-distinct
SELECT DISTINCT useridentity.accesskeyid, useridentity.arn
FROM cloudtrail
WHERE useridentity.accesskeyid IS NOT NULL
  AND useridentity.accesskeyid LIKE 'AKIA%'
  AND errorcode IS NULL

-- case: date-format-and-date-trunc-day
SELECT date_format(date_trunc('day', createdat), '%Y-%m-%d') AS finding_day,
       count(*) AS findings
FROM guardduty
GROUP BY 1
ORDER BY 1 DESC

-- case: date-add-last-week
SELECT type, title, severity, createdat
FROM guardduty
WHERE createdat >= date_add('day', -7, CURRENT_TIMESTAMP)
  AND severity BETWEEN 4 AND 10
ORDER BY createdat DESC

-- case: cast-vpc-flow-int-columns
SELECT CAST(dstport AS VARCHAR) AS port, CAST(protocol AS INTEGER) AS proto, count(*) AS flows
FROM vpc_flow
WHERE tcp_flags = 2 AND version >= 2
GROUP BY 1, 2

-- case: in-subquery-with-exists-nested
SELECT eventtime, eventname, sourceipaddress
FROM cloudtrail c
WHERE c.sourceipaddress IN (
  SELECT v.srcaddr FROM vpc_flow v
  WHERE v.action = 'REJECT'
    AND EXISTS (
      SELECT 1 FROM guardduty g
      WHERE json_extract_scalar(g.service, '$.action.networkConnectionAction.remoteIpDetails.ipAddressV4') = v.srcaddr
    )
)

-- case: select-star-with-partition-filter
SELECT * FROM vpc_flow WHERE dt = '2024-05-01' AND region = 'us-east-1' LIMIT 100


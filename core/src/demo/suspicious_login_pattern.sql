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

-- Add a person to a team of the city's PostGIS database (after city_server.sql).
--
-- Run as a superuser, in any database of the cluster (roles are cluster-wide):
--
--     psql -v ON_ERROR_STOP=1 -d city -v login=jsmith -v team=city_planner -f city_add_person.sql
--
-- team is one of city_gis, city_network, city_fixit (editors of their schema)
-- or city_planner (read only). The login role is created when missing (with
-- no password: set one with psql's \password, which sends it hashed), made a
-- member of the team, and set to start every session as the team role, so
-- the tables the person uploads belong to the team and are readable by all.
-- Idempotent: running it again changes nothing; running it with another
-- team moves the person there: the new membership and default role, and the
-- old team's membership revoked (a planner moved from city_gis must not keep
-- its write rights, which RESET ROLE would give back in any client).
-- (`mapdesk postgis server-sql city_add_person` prints this file.)

\set ON_ERROR_STOP on
SET password_encryption = 'scram-sha-256';

-- A wrong team, or a login that is a group role or an administrator, stops here.
-- The problem is RAISE's argument, never its format (a % in a login or team
-- name would be a placeholder), and the block a quoted literal (not $$: a name
-- may hold $$).
SELECT format('DO %L', format('BEGIN RAISE EXCEPTION ''%%'', %L; END', problem))
FROM (
    SELECT CASE
        WHEN :'team' NOT IN ('city_gis', 'city_network', 'city_fixit', 'city_planner')
            THEN format('team %s is not one of city_gis, city_network, city_fixit, '
                        'city_planner', :'team')
        WHEN :'login' LIKE 'city\_%' OR :'login' LIKE 'pg\_%'
            THEN format('%s is a group role name, not a person''s login', :'login')
        WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'login'
                     AND (rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication))
            THEN format('%s is an administrator role: give the person a login of their own',
                        :'login')
    END AS problem
) AS checked
WHERE problem IS NOT NULL \gexec

SELECT format('CREATE ROLE %I LOGIN', :'login')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'login') \gexec
SELECT format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION '
              'NOBYPASSRLS INHERIT', :'login') \gexec
SELECT format('GRANT %I TO %I', :'team', :'login') \gexec
SELECT format('REVOKE %I FROM %I', team.rolname, :'login')
FROM pg_auth_members AS m
JOIN pg_roles AS team ON team.oid = m.roleid
JOIN pg_roles AS person ON person.oid = m.member
WHERE person.rolname = :'login' AND team.rolname <> :'team'
  AND team.rolname IN ('city_gis', 'city_network', 'city_fixit', 'city_planner') \gexec
SELECT format('ALTER ROLE %I SET role = %L', :'login', :'team') \gexec

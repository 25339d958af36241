-- The City of Portland's shared PostGIS database: team roles, schemas and grants.
--
-- Run as a superuser (the postgres OS user), in the city's database, with psql:
--
--     psql -v ON_ERROR_STOP=1 -d city -f city_server.sql
--
-- It is idempotent: run it again after a restore, after adding tables as the
-- DBA, or after changing this file; it creates what is missing and grants
-- what is not granted, and never drops a role, a schema or a table.
-- (`mapdesk postgis server-sql city_server` prints this file.)
--
-- Roles (NOLOGIN groups: people log in as their own login role, a member):
--   city_reader   reads every team schema (CONNECT, USAGE, SELECT); nothing else
--   city_gis      GIS team: edits and creates tables in schema gis
--   city_network  network staff (fibre, switches, towers): schema network
--   city_fixit    customer services (FixIt reports): schema fixit
--   city_planner  public-safety planners: READ ONLY (a member of city_reader)
-- Every team is a member of city_reader, so everyone sees the whole city map
-- but writes only in their own team's schema. No role here is a superuser,
-- may create databases or roles, or bypasses row security: mapdesk never
-- needs more than these grants.
--
-- Tables a team member creates (Layer > Upload to PostGIS) are owned by the
-- team role, not the person, because city_add_person.sql makes each login
-- start its sessions as its team role (ALTER ROLE ... SET role). The default
-- privileges below then give city_reader SELECT on them, and the team can
-- replace them after the person has left.

\set ON_ERROR_STOP on
SET client_min_messages = warning;  -- no "already exists" notices on a re-run
-- Passwords set in this cluster are hashed with SCRAM, never MD5.
ALTER SYSTEM SET password_encryption = 'scram-sha-256';
SELECT pg_reload_conf();
SET password_encryption = 'scram-sha-256';

-- Group roles: created when missing, their attributes (re)set every run.
DO $roles$
DECLARE
    name text;
BEGIN
    FOREACH name IN ARRAY ARRAY['city_reader', 'city_gis', 'city_network', 'city_fixit',
                                'city_planner'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = name) THEN
            EXECUTE format('CREATE ROLE %I', name);
        END IF;
        EXECUTE format('ALTER ROLE %I NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE '
                       'NOREPLICATION NOBYPASSRLS INHERIT', name);
    END LOOP;
END
$roles$;

GRANT city_reader TO city_gis, city_network, city_fixit, city_planner;

-- The database: only the city's roles connect; nobody creates schemas.
DO $database$
BEGIN
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO city_reader', current_database());
END
$database$;

-- public holds PostGIS (its types, functions and spatial_ref_sys): readable by
-- everyone, writable by nobody but the DBA (PostgreSQL before 15 let anyone
-- create tables there).
CREATE EXTENSION IF NOT EXISTS postgis;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO city_reader;

-- One schema per team, owned by the DBA: a team creates tables in its own
-- schema but cannot drop the schema or grant on it.
CREATE SCHEMA IF NOT EXISTS gis;
CREATE SCHEMA IF NOT EXISTS network;
CREATE SCHEMA IF NOT EXISTS fixit;
REVOKE ALL ON SCHEMA gis, network, fixit FROM PUBLIC;
GRANT USAGE ON SCHEMA gis, network, fixit TO city_reader;
GRANT USAGE, CREATE ON SCHEMA gis TO city_gis;
GRANT USAGE, CREATE ON SCHEMA network TO city_network;
GRANT USAGE, CREATE ON SCHEMA fixit TO city_fixit;

-- Tables that exist now (the DBA's loads, a restore): read for all, edited by their team.
-- Editing in mapdesk needs SELECT, INSERT, UPDATE, DELETE and, for a serial key,
-- USAGE on its sequence (identity keys, as mapdesk's upload makes, need none).
GRANT SELECT ON ALL TABLES IN SCHEMA gis, network, fixit TO city_reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA gis TO city_gis;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA network TO city_network;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA fixit TO city_fixit;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA gis TO city_gis;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA network TO city_network;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA fixit TO city_fixit;

-- Tables created later get the same grants: those the DBA creates (whoever
-- runs this script) and those a team creates (owned by the team role).
DO $defaults$
DECLARE
    team record;
BEGIN
    FOR team IN SELECT * FROM (VALUES ('gis', 'city_gis'), ('network', 'city_network'),
                                      ('fixit', 'city_fixit')) AS t (schema_name, editor) LOOP
        EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I '
                       'GRANT SELECT ON TABLES TO city_reader', current_user, team.schema_name);
        EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I '
                       'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I',
                       current_user, team.schema_name, team.editor);
        EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I '
                       'GRANT USAGE ON SEQUENCES TO %I',
                       current_user, team.schema_name, team.editor);
        -- The team owns what it creates; the others read it.
        EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I '
                       'GRANT SELECT ON TABLES TO city_reader', team.editor, team.schema_name);
    END LOOP;
END
$defaults$;

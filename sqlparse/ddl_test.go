package sqlparse

import (
	"fmt"
	"strings"
	"testing"
)

func TestDDL(t *testing.T) {
	for _, c := range []struct {
		d    Dialect
		in   string
		want string // verb object name table
	}{
		// mysqldump and mariadb-dump
		{MySQL, "DROP TABLE IF EXISTS `actor`", "drop table actor actor"},
		{MySQL, "CREATE TABLE `actor` (\n  `actor_id` smallint unsigned NOT NULL AUTO_INCREMENT\n) ENGINE=InnoDB", "create table actor actor"},
		{MySQL, "/*!40000 ALTER TABLE `actor` DISABLE KEYS */", "alter table actor actor"},
		{MySQL, "CREATE DATABASE /*!32312 IF NOT EXISTS*/ `sakila` /*!40100 DEFAULT CHARACTER SET utf8mb4 */", "create database sakila "},
		{MySQL, "USE `sakila`", "use database sakila "},
		{MySQL, "/*!50001 DROP VIEW IF EXISTS `actor_info`*/", "drop view actor_info "},
		{MySQL, "/*!50001 CREATE ALGORITHM=UNDEFINED */\n/*!50013 DEFINER=`root`@`localhost` SQL SECURITY INVOKER */\n/*!50001 VIEW `actor_info` AS select 1 */", "create view actor_info "},
		{MySQL, "/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`%`*/ /*!50003 TRIGGER `customer_create_date` BEFORE INSERT ON `customer` FOR EACH ROW SET NEW.create_date = NOW() */", "create trigger customer_create_date customer"},
		{MySQL, "CREATE DEFINER=`root`@`localhost` PROCEDURE `film_in_stock`(IN p_film_id INT)\nBEGIN SELECT 1; END", "create procedure film_in_stock "},
		{MySQL, "CREATE DEFINER=CURRENT_USER SQL SECURITY INVOKER VIEW actor_info AS SELECT 1", "create view actor_info "},
		{MySQL, "CREATE DEFINER=CURRENT_USER() FUNCTION get_customer_balance(p INT) RETURNS DECIMAL(5,2) RETURN 1", "create function get_customer_balance "},
		{MySQL, "/*!50106 CREATE*/ /*!50117 DEFINER=`root`@`localhost`*/ /*!50106 EVENT `ev` ON SCHEDULE EVERY 1 DAY DO SELECT 1 */", "create event ev "},
		{MySQL, "CREATE SCHEMA IF NOT EXISTS `shop`", "create database shop "},
		{MySQL, "CREATE UNIQUE INDEX `idx` ON `db`.`t` (`a`)", "create index idx db.t"},
		{MySQL, "TRUNCATE `t`", "truncate table t t"},
		{MySQL, "TRUNCATE TABLE db.t", "truncate table db.t db.t"},
		{MySQL, "RENAME TABLE `a` TO `b`, `c` TO `d`", "rename table a a"},
		{MySQL, "DROP DATABASE IF EXISTS `x`", "drop database x "},
		{MySQL, "CREATE OR REPLACE TABLE `t``q` (a int)", "create table t`q t`q"},
		{MySQL, "SET NAMES utf8mb4", "   "},
		{MySQL, "LOCK TABLES `t` WRITE", "   "},
		{MySQL, "CREATE USER 'u'@'%'", "create   "},
		// pg_dump
		{Postgres, "CREATE TABLE public.actor (\n    actor_id integer DEFAULT nextval('public.actor_actor_id_seq'::regclass) NOT NULL\n)", "create table public.actor public.actor"},
		{Postgres, "ALTER TABLE ONLY public.actor\n    ADD CONSTRAINT actor_pkey PRIMARY KEY (actor_id)", "alter table public.actor public.actor"},
		{Postgres, "CREATE SCHEMA \"My Schema\"", "create schema My Schema "},
		{Postgres, "CREATE SEQUENCE public.actor_actor_id_seq\n    START WITH 1", "create sequence public.actor_actor_id_seq "},
		{Postgres, "CREATE FUNCTION public.last_updated() RETURNS trigger\n    LANGUAGE plpgsql\n    AS $$ BEGIN RETURN NEW; END $$", "create function public.last_updated "},
		{Postgres, "CREATE OR REPLACE FUNCTION f(a int) RETURNS int AS 'select 1' LANGUAGE sql", "create function f "},
		{Postgres, "CREATE TRIGGER last_updated BEFORE UPDATE ON public.actor FOR EACH ROW EXECUTE FUNCTION public.last_updated()", "create trigger last_updated public.actor"},
		{Postgres, "CREATE INDEX idx_actor_last_name ON public.actor USING btree (last_name)", "create index idx_actor_last_name public.actor"},
		{Postgres, "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON ONLY public.t (a)", "create index i public.t"},
		{Postgres, "CREATE INDEX ON public.t (a)", "create index  public.t"},
		{Postgres, "CREATE MATERIALIZED VIEW public.mv AS SELECT 1 WITH NO DATA", "create materialized view public.mv "},
		{Postgres, "CREATE VIEW public.actor_info AS SELECT 1", "create view public.actor_info "},
		{Postgres, "CREATE TYPE public.mpaa_rating AS ENUM ('G', 'PG')", "create type public.mpaa_rating "},
		{Postgres, "CREATE DOMAIN public.year AS integer", "create type public.year "},
		{Postgres, "CREATE EXTENSION IF NOT EXISTS plpgsql WITH SCHEMA pg_catalog", "create extension plpgsql "},
		{Postgres, "CREATE UNLOGGED TABLE t (a int)", "create table t t"},
		{Postgres, "DROP TABLE IF EXISTS public.\"Actor\" CASCADE", "drop table public.Actor public.Actor"},
		{Postgres, "SELECT pg_catalog.setval('public.actor_actor_id_seq', 200, true)", "   "},
		// sqlite3 .dump and hand-written SQLite
		{SQLite, "CREATE TABLE [Album] ([AlbumId] INTEGER NOT NULL)", "create table Album Album"},
		{SQLite, "CREATE TABLE IF NOT EXISTS \"Artist\" (a)", "create table Artist Artist"},
		{SQLite, "CREATE TEMP TRIGGER t2 AFTER DELETE ON t BEGIN DELETE FROM u; END", "create trigger t2 t"},
		{SQLite, "CREATE INDEX [IFK_AlbumArtistId] ON [Album] ([ArtistId])", "create index IFK_AlbumArtistId Album"},
		{SQLite, "CREATE VIEW v AS SELECT 1", "create view v "},
	} {
		rd := NewReader(strings.NewReader(c.in+";\n"), c.d)
		st, err := rd.Next()
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if got := fmt.Sprintf("%v %v %s %s", st.Verb, st.Object, st.Name, st.Table); got != c.want {
			t.Errorf("%v %q:\n got %q\nwant %q", c.d, c.in, got, c.want)
		}
	}
}

// Every table that a corpus dump fills is created (or named by a USE or a
// DDL statement) in the same dump, when the dump holds its schema.
func TestDDLCorpus(t *testing.T) {
	for _, name := range []string{"mysql-sakila-schema.sql", "mysql-chinook.sql", "postgres-pagila-insert-data.sql", "sqlite-chinook-dot-dump.sql", "sqlite-northwind.sql"} {
		data := corpus(t)[name]
		d := corpusDialect[strings.SplitN(name, "-", 2)[0]]
		rd := NewReader(strings.NewReader(string(data)), d)
		created := map[string]bool{}
		kinds := map[string]int{}
		for {
			st, err := rd.Next()
			if err != nil {
				break
			}
			if st.Verb != NoVerb {
				kinds[st.Verb.String()+" "+st.Object.String()]++
				if st.Name == "" && st.Object != Index && st.Object != NoObject {
					t.Errorf("%s:%d: %v %v without a name: %.60q", name, st.Line, st.Verb, st.Object, st.Text)
				}
			}
			if st.Verb == Create && st.Object == Table {
				created[st.Name] = true
			}
			if st.Kind == Insert && !created[st.Table] && !created[strings.TrimPrefix(st.Table, "public.")] {
				t.Errorf("%s:%d: rows for %q, which no CREATE TABLE named", name, st.Line, st.Table)
			}
		}
		t.Logf("%s: %v", name, kinds)
	}
}

-- Hands every object of the current database that the connected superuser owns (schemas, tables,
-- views, sequences, functions, publications) to the role in :adopt_owner. Nothing happens on a
-- database whose objects were created by its roles; see roles.sql for why it runs at all.
SELECT format('ALTER SCHEMA %I OWNER TO %I', nspname, :'adopt_owner')
  FROM pg_namespace
 WHERE nspowner = current_user::text::regrole
   AND nspname NOT IN ('public', 'information_schema') AND nspname NOT LIKE 'pg\_%'
\gexec
-- Sequences owned by a column follow their table.
SELECT format('ALTER %s %I.%I OWNER TO %I',
              CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
              n.nspname, c.relname, :'adopt_owner')
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relowner = current_user::text::regrole
   AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
   AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
   AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))
\gexec
SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, :'adopt_owner')
  FROM pg_proc p
  JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE p.proowner = current_user::text::regrole
   AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
\gexec
SELECT format('ALTER PUBLICATION %I OWNER TO %I', pubname, :'adopt_owner')
  FROM pg_publication
 WHERE pubowner = current_user::text::regrole
\gexec

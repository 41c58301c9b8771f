CREATE SCHEMA "user";
CREATE TABLE "user"."table" ("select" int, "from" text, "order" int PRIMARY KEY, "group" int);
CREATE INDEX "index" ON "user"."table" ("from");
CREATE VIEW "user"."view" AS SELECT "select", "from" FROM "user"."table";
CREATE FUNCTION "user"."function"("in" int) RETURNS int LANGUAGE sql AS $$ SELECT "in" $$;
CREATE SEQUENCE "user"."sequence";
CREATE TYPE "user"."type" AS ENUM ('all', 'any');

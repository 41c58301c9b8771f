CREATE SCHEMA "Ünïcødé";
CREATE TABLE "Ünïcødé"."Tàblé" ("çølümn" int, "日本語" text);
CREATE VIEW "Ünïcødé"."Vüe" AS SELECT "日本語" FROM "Ünïcødé"."Tàblé";
GRANT USAGE ON SCHEMA "Ünïcødé" TO "Ünïcode Rôle";
GRANT SELECT ON "Ünïcødé"."Vüe" TO "Ünïcode Rôle";
COMMENT ON TABLE "Ünïcødé"."Tàblé" IS 'ünïcødé';

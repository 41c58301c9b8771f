CREATE SCHEMA "App Data";
CREATE TABLE "App Data"."Order Items" (
    "a""b" int PRIMARY KEY,
    "select" text,
    "naïve_tëst" text,
    "Mixed Case" int CHECK ("Mixed Case" <> 0)
);
CREATE INDEX "Idx ""q"" 1" ON "App Data"."Order Items" ("select");
COMMENT ON COLUMN "App Data"."Order Items"."a""b" IS 'it''s a \ back
slash';
COMMENT ON TABLE "App Data"."Order Items" IS E'tab\there';
GRANT SELECT ON "App Data"."Order Items" TO "a""b";

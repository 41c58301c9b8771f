-- Roles every schema of the corpus uses; created on the source and on the target before the
-- schemas (the roles' own convergence is the roles-fixtures test's).
CREATE ROLE app_owner NOLOGIN;
CREATE ROLE "App User" LOGIN;
CREATE ROLE reader NOLOGIN;
CREATE ROLE "a""b" NOLOGIN;
CREATE ROLE "Ünïcode Rôle" NOLOGIN;
GRANT reader TO "App User";

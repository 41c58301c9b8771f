CREATE SCHEMA ec;
CREATE TABLE ec.t (a int, b int NOT NULL DEFAULT 0 CONSTRAINT b_ok CHECK (b >= 0), c text UNIQUE);
CREATE INDEX t_c ON ec.t (c);
CREATE TABLE ec.refs (c text REFERENCES ec.t (c));

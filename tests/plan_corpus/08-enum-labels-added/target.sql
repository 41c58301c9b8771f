CREATE SCHEMA e2;
CREATE TYPE e2.state AS ENUM ('new', 'closed');
CREATE TABLE e2.t (s e2.state DEFAULT 'new');

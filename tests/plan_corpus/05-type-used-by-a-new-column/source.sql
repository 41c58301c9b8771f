CREATE SCHEMA e;
CREATE TYPE e.color AS ENUM ('red', 'green', 'blue');
CREATE TABLE e.t (id int, c e.color DEFAULT 'red', cs e.color[]);

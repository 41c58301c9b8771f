CREATE SCHEMA s1;
CREATE TABLE s1.t (id int PRIMARY KEY, name text NOT NULL DEFAULT 'x', at timestamptz DEFAULT now());

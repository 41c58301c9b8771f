CREATE SCHEMA f;
CREATE TABLE f.parent (id int PRIMARY KEY, code text UNIQUE);
CREATE TABLE f.child (id int PRIMARY KEY, parent_id int REFERENCES f.parent, code text REFERENCES f.parent (code) ON DELETE SET NULL);

CREATE SCHEMA f;
CREATE TABLE f.child (id int PRIMARY KEY, parent_id int, code text);

CREATE SCHEMA pb2;
CREATE TABLE pb2.t (id int PRIMARY KEY, a text, b text);
CREATE TABLE pb2.u (id int PRIMARY KEY);
CREATE PUBLICATION p2 FOR TABLE pb2.t (id, a) WHERE (id > 10), pb2.u;

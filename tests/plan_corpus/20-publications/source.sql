CREATE SCHEMA pb;
CREATE TABLE pb.a (id int PRIMARY KEY);
CREATE TABLE pb.b (id int PRIMARY KEY);
CREATE TABLE pb.c (id int PRIMARY KEY);
CREATE PUBLICATION pb_pub FOR TABLE pb.a, pb.b WITH (publish = 'insert');
CREATE PUBLICATION "New pub" FOR TABLE pb.c;
COMMENT ON PUBLICATION pb_pub IS 'some tables';

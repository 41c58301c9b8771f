CREATE SCHEMA b1;
CREATE TABLE b1.child (id int, parent_id int);

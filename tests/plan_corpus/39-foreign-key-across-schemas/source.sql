CREATE SCHEMA a1;
CREATE SCHEMA b1;
CREATE TABLE a1.parent (id int PRIMARY KEY);
CREATE TABLE b1.child (id int, parent_id int REFERENCES a1.parent ON UPDATE CASCADE);
CREATE VIEW b1.joined AS SELECT c.id, p.id AS pid FROM b1.child c JOIN a1.parent p ON p.id = c.parent_id;

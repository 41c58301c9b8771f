CREATE SCHEMA tg;
CREATE TABLE tg.t (id int, touched timestamptz);

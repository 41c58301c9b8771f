CREATE SCHEMA ih;
CREATE TABLE ih.base (id int CHECK (id > 0), note text);

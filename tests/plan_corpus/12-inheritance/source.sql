CREATE SCHEMA ih;
CREATE TABLE ih.base (id int CHECK (id > 0), note text);
CREATE TABLE ih.kid (extra int) INHERITS (ih.base);
CREATE TABLE ih.other (o int);
CREATE TABLE ih.kid2 () INHERITS (ih.base, ih.other);

CREATE SCHEMA xc;
CREATE TABLE xc.r (id int, during tsrange, code text, v int);

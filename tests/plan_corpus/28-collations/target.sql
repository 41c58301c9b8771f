CREATE SCHEMA co;
CREATE DOMAIN co.ctext AS text COLLATE "C";
CREATE TABLE co.t (a text, b varchar(10), c co.ctext, d text COLLATE "C");

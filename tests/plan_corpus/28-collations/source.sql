CREATE SCHEMA co;
CREATE DOMAIN co.ctext AS text COLLATE "C";
CREATE TABLE co.t (a text COLLATE "C", b varchar(10) COLLATE "POSIX", c co.ctext, d text);

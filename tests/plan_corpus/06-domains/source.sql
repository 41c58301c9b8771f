CREATE SCHEMA d;
CREATE DOMAIN d.email AS text CONSTRAINT email_at CHECK (VALUE LIKE '%@%');
CREATE DOMAIN d.pos AS integer DEFAULT 1 NOT NULL CONSTRAINT pos_positive CHECK (VALUE > 0);
CREATE TABLE d.u (e d.email, p d.pos);
ALTER DOMAIN d.email ADD CONSTRAINT email_short CHECK (length(VALUE) < 200) NOT VALID;

CREATE SCHEMA xc;
CREATE TABLE xc.r (id int, during tsrange, code text, v int,
    CONSTRAINT no_overlap EXCLUDE USING gist (during WITH &&),
    CONSTRAINT code_unique UNIQUE (code) DEFERRABLE INITIALLY DEFERRED);
ALTER TABLE xc.r ADD CONSTRAINT v_positive CHECK (v > 0) NOT VALID;
ALTER TABLE xc.r ADD CONSTRAINT v_small CHECK (v < 1000) NO INHERIT;

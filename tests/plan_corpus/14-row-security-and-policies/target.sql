CREATE SCHEMA rl;
CREATE TABLE rl.doc (owner name DEFAULT current_user, body text, public boolean DEFAULT false);

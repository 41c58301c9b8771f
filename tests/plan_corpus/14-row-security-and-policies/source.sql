CREATE SCHEMA rl;
CREATE TABLE rl.doc (owner name DEFAULT current_user, body text, public boolean DEFAULT false);
ALTER TABLE rl.doc ENABLE ROW LEVEL SECURITY;
ALTER TABLE rl.doc FORCE ROW LEVEL SECURITY;
CREATE POLICY mine ON rl.doc FOR SELECT TO reader, "App User" USING (owner = current_user OR public);
CREATE POLICY edit ON rl.doc AS RESTRICTIVE FOR UPDATE TO PUBLIC USING (owner = current_user) WITH CHECK (body <> '');
CREATE POLICY "Insert ""any"" row" ON rl.doc FOR INSERT WITH CHECK (true);

CREATE SCHEMA sg;
CREATE FUNCTION sg.f(a int, b int) RETURNS int LANGUAGE sql AS $$ SELECT a + b $$;

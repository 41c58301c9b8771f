CREATE SCHEMA sg;
CREATE FUNCTION sg.f(a int, b int DEFAULT 2) RETURNS bigint LANGUAGE sql AS $$ SELECT (a + b)::bigint $$;
REVOKE EXECUTE ON FUNCTION sg.f(int, int) FROM PUBLIC;
COMMENT ON FUNCTION sg.f(int, int) IS 'sum';

CREATE SCHEMA vo;
CREATE TABLE vo.t (a int);
CREATE VIEW vo.v WITH (security_barrier = true, check_option = local) AS SELECT a FROM vo.t WHERE a > 0;

DROP FUNCTION auth_reserve(text[], integer[], integer[], integer[], timestamptz);
DROP TABLE auth_limits;

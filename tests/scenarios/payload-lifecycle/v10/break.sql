-- A headline over 120 characters: validating the new check, after the main block, fails.
INSERT INTO posts (id, headline) VALUES (1000, repeat('x', 121));

INSERT INTO authors (name, email) VALUES ('Grace Hopper', 'grace@example.com');
INSERT INTO posts (title, author_id, subtitle, featured) VALUES
  ('Nanoseconds', 4, 'A wire 30 cm long', true),
  ('No subtitle yet', 4, NULL, DEFAULT);
INSERT INTO posts_tags ("order", parent_id, value) VALUES (1, 5, 'opinion');
INSERT INTO newsletters (subject) VALUES ('Issue #2');

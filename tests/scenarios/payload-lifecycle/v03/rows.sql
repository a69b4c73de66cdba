INSERT INTO authors (name, email, handle) VALUES ('Linus', 'linus@example.com', 'linus'), ('Nameless', 'anon@example.com', NULL);
INSERT INTO posts (title, status, author_id) VALUES ('Just for fun', 'archived', 5);
INSERT INTO posts_tags ("order", parent_id, value) VALUES (1, 7, 'news');
INSERT INTO newsletters (subject) VALUES ('Issue #3');

INSERT INTO authors (name, email, handle) VALUES ('Ken', 'ken@example.com', 'ken');
INSERT INTO posts (headline, author_id) VALUES ('Headlines now', 8);
INSERT INTO posts_tags ("order", parent_id, value) VALUES (1, 9, 'opinion');
INSERT INTO newsletters (subject) VALUES ('Issue #5');

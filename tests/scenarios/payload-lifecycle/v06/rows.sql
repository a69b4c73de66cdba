INSERT INTO writers (name, email, handle, bio) VALUES ('Margaret', 'margaret@example.com', 'mh', 'Apollo');
INSERT INTO posts (headline, author_id, status) VALUES ('Writers, not authors', 9, 'archived');
INSERT INTO posts_tags ("order", parent_id, value) VALUES (1, 10, 'news');
INSERT INTO newsletters (subject) VALUES ('Issue #6');

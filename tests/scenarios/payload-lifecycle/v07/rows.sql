INSERT INTO writers (name, email, handle) VALUES ('Dennis', 'dennis@example.com', 'dmr');
INSERT INTO posts (headline, author_id, status) VALUES ('Coming soon', 10, 'scheduled');
INSERT INTO posts_tags ("order", parent_id, value) VALUES (1, 11, 'howto');
INSERT INTO newsletters (subject) VALUES ('Issue #7');

INSERT INTO writers (name, email, handle) VALUES ('Frances', 'frances@example.com', 'fran');
INSERT INTO posts (headline, author_id, word_count) VALUES ('Three statuses', 11, '00999');
INSERT INTO posts_tags ("order", parent_id, value) VALUES (1, 12, 'news');
INSERT INTO newsletters (subject) VALUES ('Issue #8');
